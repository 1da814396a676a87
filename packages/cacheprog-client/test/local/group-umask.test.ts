// A client directory shared by several users of one group (a build box's shared cache, a docker cache
// mount used by stages with different USERs), with umask 002 as the group asks for. cmd/go creates its
// own cache files 0666 and directories 0777 and lets the umask decide, so such a GOCACHE works for the
// whole group; the client's files must too, or another member's put of an action already recorded
// fails (EACCES on the record) and go prints a warning for each such put while nothing is stored.
// Switching users needs root: skipped otherwise.
import { spawn } from "node:child_process";
import { chmod, chown, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { BIN, buildBin, closeRequest, getRequest, idOf, putRequest, sha256, type WireResponse } from "../helpers.ts";

const GROUP = 4242;
const asRoot = process.getuid?.() === 0;
let dir: string;
beforeAll(() => {
  if (asRoot) buildBin();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gcp-review37-umask-"));
  // The group's directory: setgid, so what anyone creates inside belongs to the group.
  if (asRoot) await chown(dir, 0, GROUP);
  await chmod(dir, 0o2775);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** One session of the bin as `uid` (in the shared group) with umask 002. */
function runAs(uid: number, input: string): Promise<{ code: number | null; responses: WireResponse[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", 'umask 002 && exec "$0" "$1"', process.execPath, BIN], {
      uid,
      gid: GROUP,
      env: { PATH: process.env.PATH, HOME: dir, GOCACHEPROG_DIR: join(dir, "client") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const responses = stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as WireResponse);
      resolve({ code, responses, stderr });
    });
    child.stdin.end(input);
  });
}

it.skipIf(!asRoot)("a second user of the group can put an action the first one recorded, as in go's own cache", async () => {
  const action = idOf("test result, re-run after go clean -testcache");
  const body = Buffer.from("ok  \texample.com/pkg\t0.012s\n");
  const first = await runAs(4001, putRequest(1, action, body) + closeRequest(2));
  expect(first.code, first.stderr).toBe(0);
  expect(first.responses.find((r) => r.ID === 1)?.Err).toBeUndefined();

  const again = Buffer.from("ok  \texample.com/pkg\t0.015s\n");
  const second = await runAs(4002, putRequest(1, action, body) + putRequest(2, action, again) + getRequest(3, action) + closeRequest(4));
  expect(second.code, second.stderr).toBe(0);
  expect(second.responses.filter((r) => r.Err !== undefined)).toEqual([]);
  expect(second.responses.find((r) => r.ID === 3)?.OutputID).toBe(sha256(again).toString("base64"));
  const record = await stat(join(dir, "client", action.toString("hex").slice(0, 2), `${action.toString("hex")}-a`));
  expect(record.mode & 0o060).toBe(0o060);
});
