import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BinSession, buildBin, byId, closeRequest, getRequest, idOf, listFiles, putRequest } from "../helpers.ts";
import { fileSha256, LargeBody, peakRssBytes } from "./large-body-stream.ts";

/**
 * go streams a put's body whatever its size (a large test output, a big binary), and a client that
 * held it whole grew by more than the body: on a small CI runner that got it killed, failing go's
 * whole build. A body past the spool threshold goes to a temp file in the cache as it arrives.
 */
let dir: string;

beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-spool-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Cache entries and temp files (the trim stamp is housekeeping, not an entry). */
async function cacheFiles(): Promise<string[]> {
  return (await listFiles(join(dir, "cache"))).filter((p) => !p.endsWith("trim.txt"));
}

describe("a put body too large to hold", () => {
  // The peak resident set is read from /proc.
  it.runIf(process.platform === "linux")(
    "is stored from a temp file, with the client's memory far below the body's size",
    {
      timeout: 180_000,
    },
    async () => {
      const body = new LargeBody(256 * 1024 * 1024, "large test output");
      const outputId = body.sha256();
      const action = idOf("large put");
      const session = new BinSession({ GOCACHEPROG_DIR: join(dir, "cache") });
      await body.writePut(session.child.stdin, 1, action, outputId);
      session.write(getRequest(2, action));
      const [, put, get] = await session.waitForResponses(3);
      const peak = await peakRssBytes(session.child.pid as number);
      expect(put?.Err).toBeUndefined();
      expect(get).toMatchObject({ ID: 2, OutputID: outputId.toString("base64"), Size: body.size });
      expect(await fileSha256(get?.DiskPath as string)).toEqual(outputId);
      // Node's own baseline is ~50 MB; holding the body would cost at least its 256 MiB.
      expect(peak).toBeLessThan(body.size / 2);
      const done = await session.finish(closeRequest(3));
      expect(done.code).toBe(0);
      expect(await cacheFiles()).toHaveLength(2); // the output and its action record, no temp file
    },
  );

  it(
    "answers Err for a large body that does not hash to its OutputID or is cut short, leaves nothing, and goes on",
    {
      timeout: 120_000,
    },
    async () => {
      const body = new LargeBody(72 * 1024 * 1024, "mismatched output");
      const session = new BinSession({ GOCACHEPROG_DIR: join(dir, "cache") });
      await body.writePut(session.child.stdin, 1, idOf("wrong hash"), idOf("some other output"));
      await body.writePut(session.child.stdin, 2, idOf("cut short"), body.sha256(), 1024 * 1024);
      session.write(getRequest(3, idOf("wrong hash")));
      session.write(getRequest(4, idOf("cut short")));
      await session.waitForResponses(5);
      // Nothing of either body stays in the cache, not even a temp file, while the session goes on.
      expect(await cacheFiles()).toEqual([]);
      const small = Buffer.from("a small output after them");
      session.write(putRequest(5, idOf("small"), small));
      session.write(getRequest(6, idOf("small")));
      const done = await session.finish(closeRequest(7));
      const answers = byId(done.responses);
      expect(answers.get(1)?.Err).toMatch(/hashes to .*not to OutputID/);
      expect(answers.get(2)?.Err).toMatch(/BodySize/);
      expect(answers.get(3)).toEqual({ ID: 3, Miss: true });
      expect(answers.get(4)).toEqual({ ID: 4, Miss: true });
      expect(answers.get(5)?.Err).toBeUndefined();
      expect(answers.get(6)).toMatchObject({ ID: 6, Size: small.length });
      expect(answers.get(7)).toEqual({ ID: 7 });
      expect(done.code).toBe(0);
    },
  );
});
