import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { goCommandArgv } from "../ops/go-process.ts";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Environment that changes which ActionIDs go computes: target platform, flags, cgo, toolchain and
 * experiments. Everything else in the environment (PATH, HOME, CI variables) is left out so that two
 * runners of the same job agree.
 */
const KEY_ENV = [
  "GOOS",
  "GOARCH",
  "GOFLAGS",
  // Workspace mode or not (GOWORK=off, another go.work) changes the build list, and so the IDs.
  "GOWORK",
  "CGO_ENABLED",
  "GOEXPERIMENT",
  "GOAMD64",
  "GOARM",
  "GOARM64",
  "GO386",
  "GOTOOLCHAIN",
  "GOROOT",
  "GOVERSION",
  "CC",
  "CGO_CFLAGS",
  "CGO_LDFLAGS",
] as const;

export interface BuildKeyInputs {
  /** GOCACHEPROG_KEY: replaces everything else (one key per repository and platform in CI, say). */
  override?: string;
  env: Env;
  cwd: string;
  /** The go command's own arguments (Linux: from /proc, see goCommandArgv); build tags and packages live here. */
  goArgs?: readonly string[];
}

/**
 * The build key: what makes the next build ask for the same ActionIDs as this one. By default the go
 * command's working directory and main module, its command line, the environment above and the Go
 * version; GOCACHEPROG_KEY instead when set. Sent as a sha256, so none of it (paths, flags) leaves
 * the machine in clear text.
 */
export function buildKey(inputs: BuildKeyInputs): Buffer {
  if (inputs.override) return createHash("sha256").update(`gocacheprog key v1 override\0${inputs.override}`).digest();
  const parts: Record<string, string | readonly string[] | undefined> = {
    cwd: inputs.cwd,
    module: mainModule(inputs.cwd),
    go: inputs.goArgs && keyArgs(inputs.goArgs),
    version: goVersion(inputs.env),
  };
  for (const name of KEY_ENV) parts[name] = inputs.env[name];
  return createHash("sha256")
    .update(`gocacheprog key v1\0${JSON.stringify(parts)}`)
    .digest();
}

/**
 * Flags whose value (a path) changes no ActionID go asks for. Their presence can: -o makes go build
 * link what it would discard, -coverprofile turns coverage on. So the flag stays, its value goes.
 */
const PATH_VALUED_FLAGS = new Set(["o", "coverprofile", "outputdir"]);
/** Flags that only make a build print more (go test and vet key test results and vet runs on -v and -json). */
const QUIET_PRINT_FLAGS = new Set(["v", "x", "json", "work"]);
const BUILDING = new Set(["build", "install", "run"]);

/**
 * The command line as far as it decides what go asks: output paths (dlv's random
 * `-o __debug_binNNNN`, a temporary `-coverprofile`) as bare flags, a build's printing flags and
 * -ldflags left out (`-X main.date=...` differs every run and reaches only the link, an action go
 * never keeps in a GOCACHEPROG; a test's stay, its binary's ID keys the test results).
 */
export function keyArgs(args: readonly string[]): string[] {
  const subcommand = (args[0] === "-C" ? args[2] : args[0]) ?? "";
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--?([^=]+)(=.*)?$/.exec(arg);
    const name = m?.[1];
    const inline = m?.[2] !== undefined;
    if (name !== undefined && (PATH_VALUED_FLAGS.has(name) || (name === "ldflags" && BUILDING.has(subcommand)))) {
      if (name !== "ldflags") kept.push(`-${name}`);
      // Its value comes as the next argument unless it was given with "=".
      if (!inline) i++;
      continue;
    }
    if (name !== undefined && !inline && QUIET_PRINT_FLAGS.has(name) && BUILDING.has(subcommand)) continue;
    kept.push(arg);
  }
  return kept;
}

/** The go command's arguments without argv[0] (Linux; see goCommandArgv): how go was found (a path that differs per runner image) is not what it was asked. */
export function parentArgs(): string[] | undefined {
  return goCommandArgv()?.slice(1);
}

/** The `module` line of the nearest go.mod at or above `dir` (GOWORK setups key on the directory alone). */
function mainModule(dir: string): string | undefined {
  for (let current = dir, i = 0; i < 64; i++) {
    try {
      const text = readFileSync(join(current, "go.mod"), "utf8");
      return /^\s*module\s+"?([^\s"]+)"?/m.exec(text)?.[1] ?? "";
    } catch {
      const parent = dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
  return undefined;
}

/** First line of $GOROOT/VERSION when go passed GOROOT down; the toolchain's own ID is in every ActionID anyway. */
function goVersion(env: Env): string | undefined {
  if (!env.GOROOT) return undefined;
  try {
    return readFileSync(join(env.GOROOT, "VERSION"), "utf8").split("\n")[0];
  } catch {
    return undefined;
  }
}
