import { appendFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TokenReloader } from "../../src/auth/reload.ts";
import { parseTokens, TokenAuth, type TokenEntry } from "../../src/auth/tokens.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { LogCapture } from "../support/fakes.ts";

const A = "team-token-aaaaaaaaaaaaaaaaaaaa";
const B = "team-b-token-bbbbbbbbbbbbbbbbbb";
const POLL_MS = 500;

describe("token reloads", () => {
  it("never load a tokens file caught mid-write (an append whose half line parses as another entry)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reload-races-"));
    const file = join(dir, "tokens");
    await writeFile(file, `${A} read-write team\n`);
    const auth = new TokenAuth(parseTokens(`${A} read-write team\n`, file));
    const reloader = new TokenReloader({
      auth,
      readTokens: async () => parseTokens(await readFile(file, "utf8"), file),
      readRules: async () => [],
      files: [file],
      logger: createLogger("warn", new LogCapture()),
      pollMs: POLL_MS,
    });
    reloader.start();
    const namespacesSeen = new Set<string>();
    const sampler = setInterval(() => {
      const principal = auth.authenticate(`Bearer ${B}`);
      if (principal) namespacesSeen.add(principal.namespace);
    }, 2);
    try {
      // A writer appends team-b's token in two writes, longer apart than a poll (shorter than two).
      await appendFile(file, `${B} read-write team`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 1.3));
      await appendFile(file, "-b\n");
      const deadline = Date.now() + 10_000;
      while (!namespacesSeen.has("team-b") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect([...namespacesSeen]).toEqual(["team-b"]);
    } finally {
      clearInterval(sampler);
      reloader.stop();
    }
  });

  it("answer a reload asked while another runs only once the tokens it asked for are in force", async () => {
    const OLD = "old-token-aaaaaaaaaaaaaaaaaaaa";
    const NEW = "new-token-bbbbbbbbbbbbbbbbbbbb";
    const auth = new TokenAuth(parseTokens(`${OLD} read-write team-a`, "t"));
    let file = `${OLD} read-write team-a`;
    // Reads take a moment, as reads of a file do.
    const readTokens = async (): Promise<TokenEntry[]> => {
      const text = file;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return parseTokens(text, "tokens file");
    };
    const reloader = new TokenReloader({
      auth,
      readTokens,
      readRules: async () => [],
      files: [],
      logger: createLogger("warn", new LogCapture()),
    });
    // A reload (the file watcher's) is reading the old content when the operator writes the new
    // token and asks for a reload (SIGHUP): the second answer must mean the new token works.
    const first = reloader.reload("file changed");
    await new Promise((resolve) => setTimeout(resolve, 10));
    file = `${NEW} read-write team-a`;
    const second = reloader.reload("reload requested");
    const third = reloader.reload("reload requested again");
    expect(await first).toBe(true);
    expect(auth.authenticate(`Bearer ${NEW}`)).toBeNull();
    expect(await second).toBe(true);
    expect(auth.authenticate(`Bearer ${NEW}`)).not.toBeNull();
    expect(await third).toBe(true);
  });
});
