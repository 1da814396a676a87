import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { clientBin } from "./harness/bins.ts";

/**
 * The real go: `go run` of a program that shuts down gracefully on Ctrl-C. The terminal's SIGINT
 * reaches the whole foreground group (here: a group of its own, as a shell job would be). go ignores
 * it and waits for the program; the client must not die of it, or go stops with
 * "GOCACHEPROG exited pre-Close" instead of returning the program's exit status.
 */
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-signals-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROGRAM = `package main

import (
	"os"
	"os/signal"
	"time"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	os.Stdout.WriteString("ready\\n")
	<-c
	time.Sleep(500 * time.Millisecond)
	os.Stdout.WriteString("graceful\\n")
}
`;

/** `go run .` in its own process group, Ctrl-C to the group once the program is ready; what go ended with. */
async function interruptedRun(mod: string, cacheprog: boolean) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    GOCACHE: join(dir, cacheprog ? "gocache" : "gocache-plain"),
    GOPATH: join(dir, "gopath"),
    GOTOOLCHAIN: "local",
    GOPROXY: "off",
    GOFLAGS: "",
    ...(cacheprog ? { GOCACHEPROG: `${process.execPath} ${clientBin}` } : {}),
  };
  const go = spawn("go", ["run", "."], { cwd: mod, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  go.stderr.on("data", (d) => {
    stderr += d;
  });
  const ready = new Promise<void>((resolve) => {
    go.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.includes("ready\n")) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => go.on("close", (code) => resolve(code)));
  await Promise.race([ready, exited]);
  expect(stdout, stderr).toContain("ready");
  process.kill(-(go.pid as number), "SIGINT");
  return { code: await exited, stdout, stderr };
}

it("go run: Ctrl-C to the job's process group lets the program shut down gracefully, and go ends as without a GOCACHEPROG", async () => {
  const mod = join(dir, "mod");
  await mkdir(mod);
  await writeFile(join(mod, "go.mod"), "module example.com/sig\n\ngo 1.24\n");
  await writeFile(join(mod, "main.go"), PROGRAM);
  // Plain go: the program shuts down gracefully; go run itself exits 1 when interrupted, saying nothing.
  const plain = await interruptedRun(mod, false);
  expect(plain.stdout).toBe("ready\ngraceful\n");
  expect(await interruptedRun(mod, true)).toEqual(plain);
}, 240_000);
