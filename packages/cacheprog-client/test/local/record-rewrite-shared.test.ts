// Two go commands on one client directory (go vet beside go test, gopls beside a terminal build, a
// warm-start stream re-storing what another session answers from) put the same action again while
// the other looks it up. The action record is rewritten in place; a reader must then see the old
// record or the new one, never an empty file: that is a miss, and go rebuilds what was cached.
// cmd/go's own cache writes its index entries the same way and truncates only after the write for
// exactly this reason (cache.go, putIndexEntry: "does not — even temporarily! — undo the effect of
// the first write").
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { BinSession, buildBin, closeRequest, getRequest, idOf, putRequest, runBin } from "../helpers.ts";

let dir: string;
beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gcp-review37-record-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ROUNDS = 3000;

it("a get never misses an entry that another process is putting again at the same time", { timeout: 120_000 }, async () => {
  const action = idOf("shared action");
  const body = Buffer.from("package archive bytes, the same in both go commands");
  const env = { GOCACHEPROG_DIR: dir };
  const first = await runBin(env, putRequest(1, action, body) + closeRequest(2));
  expect(first.code).toBe(0);

  // One session re-puts the entry over and over (the same bytes: go's builds are reproducible) while
  // another asks for it just as often; both bins run at once on the same directory.
  const writer = new BinSession(env);
  const reader = new BinSession(env);
  let puts = "";
  let gets = "";
  for (let i = 1; i <= ROUNDS; i++) {
    puts += putRequest(i, action, body);
    gets += getRequest(i, action);
  }
  const [wrote, read] = await Promise.all([writer.finish(puts + closeRequest(ROUNDS + 1)), reader.finish(gets + closeRequest(ROUNDS + 1))]);
  expect(wrote.code).toBe(0);
  expect(read.code).toBe(0);
  expect(wrote.responses.filter((r) => r.Err !== undefined)).toEqual([]);
  const answers = read.responses.filter((r) => r.ID >= 1 && r.ID <= ROUNDS);
  expect(answers).toHaveLength(ROUNDS);
  const misses = answers.filter((r) => r.Miss === true || r.DiskPath === undefined).length;
  expect(misses, `${misses} of ${ROUNDS} gets missed an entry that was there all along`).toBe(0);
});
