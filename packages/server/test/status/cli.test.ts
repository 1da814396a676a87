import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/ops/config.ts";
import { printStatus } from "../../src/status/cli.ts";
import type { StatusReport } from "../../src/status/report.ts";
import { putOutput, randomId, send, startTestServer } from "../support/real-server.ts";

const TEAM = "team-token-aaaaaaaaaaaaaaaaaaaa";
const ADMIN = "admin-token-bbbbbbbbbbbbbbbbbbb";
let server: Awaited<ReturnType<typeof startTestServer>>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gcp-status-cli-"));
  server = await startTestServer(["--tokens", `${TEAM} read-write team,${ADMIN} admin ops`]);
  const action = randomId();
  expect((await putOutput(server.url, action, Buffer.alloc(2048, 7), { authorization: `Bearer ${TEAM}` })).status).toBe(201);
  expect((await send(server.url, "GET", routes.action(action), { headers: { authorization: `Bearer ${TEAM}` } })).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(token: string): Promise<{ code: number; text: string }> {
  const file = join(dir, "token");
  await writeFile(file, `${token}\n`);
  const { options } = parseCommandLine(["status", "--status-url", server.url, "--status-token-file", file], {});
  let text = "";
  const code = await printStatus(options, (chunk) => {
    text += chunk;
  });
  return { code, text };
}

describe("gocacheprog-server status", () => {
  it("prints the figures /v1/status reports, for the token's view", async () => {
    const report = (await (
      await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as StatusReport;
    expect(report.totals).toMatchObject({ entries: 1, bytes: 2048 });
    const { code, text } = await run(ADMIN);
    expect(code).toBe(0);
    expect(text).toContain("all namespaces");
    expect(text).toContain("entries 1, stored 2.0 KiB; hit rate last hour 100 % (1 lookups)");
    expect(text).toMatch(/^team +1 +2\.0 KiB +100 % +100 % +1$/m);
    expect(text).toContain("index (embedded) healthy");
  });

  it("exits 1 with the server's reason when the token is refused", async () => {
    const { code, text } = await run("wrong-token-cccccccccccccccc");
    expect(code).toBe(1);
    expect(text).toBe("");
  });
});
