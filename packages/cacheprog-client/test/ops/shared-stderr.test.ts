import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { BIN, BinSession, buildBin } from "../helpers.ts";

/**
 * go hands the child its own stderr (cmd.Stderr = os.Stderr): fd 2 of the client is the same open
 * file description as go's stderr, and that of every program go runs with os.Stderr while the client
 * lives (go run, go generate, go tool). O_NONBLOCK lives on the description, so when the client's
 * first log line makes Node open process.stderr as a libuv pipe (uv_pipe_open sets O_NONBLOCK), go and
 * those programs get EAGAIN on a full stderr pipe instead of waiting: their output is lost.
 */
let dir: string;
beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-stderr-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const O_NONBLOCK = 0o4000;

async function stderrFlags(pid: number): Promise<number> {
  const info = await readFile(`/proc/${pid}/fdinfo/2`, "utf8");
  return Number.parseInt(/flags:\s*([0-7]+)/.exec(info)?.[1] ?? "0", 8);
}

it("does not switch go's shared stderr to non-blocking mode when it logs a warning mid-session", async () => {
  const session = new BinSession({}, [`--dir=${dir}`]);
  await session.waitForResponses(1);
  expect((await stderrFlags(session.child.pid as number)) & O_NONBLOCK).toBe(0);
  // Any warning will do: an unknown command is answered with Err and logged at the default level.
  session.write(`${JSON.stringify({ ID: 1, Command: "frobnicate" })}\n\n`);
  await session.waitForResponses(2);
  await new Promise((r) => setTimeout(r, 100));
  const flags = await stderrFlags(session.child.pid as number);
  await session.finish();
  expect(session.stderr).toContain("unknown command");
  expect(flags & O_NONBLOCK).toBe(0);
});

it("leaves another writer of go's stderr (a go run program) able to wait on a full pipe", async () => {
  // sh plays go: the client and a later program share sh's stderr, a pipe this test drains late.
  const script = `
    mkfifo "$D/in"
    "$NODE" "$BIN" --dir="$D/cache" < "$D/in" > "$D/out" &
    exec 3> "$D/in"
    printf '{"ID":1,"Command":"frobnicate"}\\n\\n' >&3
    sleep 1
    head -c 300000 /dev/zero >&2
    echo "$?" > "$D/status"
    exec 3>&-
    wait`;
  const child = spawn("sh", ["-c", script], {
    env: { PATH: process.env.PATH, D: dir, NODE: process.execPath, BIN },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const closed = new Promise((r) => child.on("close", r));
  // Nobody reads the pipe for 3 s: a blocking writer waits, a non-blocking one fails with EAGAIN.
  await new Promise((r) => setTimeout(r, 3000));
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString("latin1").replace(/\0/g, "");
  });
  await closed;
  expect(stderr).not.toContain("Resource temporarily unavailable");
  expect((await readFile(join(dir, "status"), "utf8")).trim()).toBe("0");
}, 20_000);
