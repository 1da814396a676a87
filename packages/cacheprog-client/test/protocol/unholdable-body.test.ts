import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { BinSession, b64, buildBin, byId, closeRequest, getRequest, idOf, listFiles } from "../helpers.ts";

/**
 * go streams a put's body from the output file whatever its size (prog.go writeToChild: io.Copy into
 * a base64 encoder), so BodySize is bounded only by the file. A body past what memory could hold
 * (MAX_HELD_BODY_BYTES, 4 GiB on every Node) is spooled to disk (protocol/spool.ts), never allocated;
 * one that is then bad (here: cut short) must cost that one put an Err, which go ignores for package
 * archives and test results, not the session: a client that exits makes go's readLoop fail the whole
 * command ("GOCACHEPROG exited pre-Close with N pending requests").
 */
let dir: string;

beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-huge-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("answers a put of a BodySize past what memory holds, whose body falls short, with Err, leaves nothing and keeps serving", async () => {
  const session = new BinSession({ GOCACHEPROG_DIR: join(dir, "cache") });
  const action = idOf("a 5 GB test output");
  // The header exactly as go writes it, then an abridged body string: far shorter than BodySize.
  const header = { ID: 1, Command: "put", ActionID: b64(action), OutputID: b64(idOf("output")), BodySize: 5_000_000_000 };
  session.write(`${JSON.stringify(header)}\n\n"${"QUJD".repeat(4096)}"\n`);
  session.write(getRequest(2, action));
  const done = await session.finish(closeRequest(3));
  const answers = byId(done.responses);
  expect(answers.get(1)?.Err).toMatch(/body does not match BodySize 5000000000/);
  expect(answers.get(2)).toEqual({ ID: 2, Miss: true });
  expect(answers.get(3)).toEqual({ ID: 3 });
  expect(done.code).toBe(0);
  // Not even a temp file of the spooled body (the trim stamp is housekeeping, not an entry).
  expect((await listFiles(join(dir, "cache"))).filter((p) => !p.endsWith("trim.txt"))).toEqual([]);
});
