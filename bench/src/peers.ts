import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { PEER_BIN_DIR } from "./paths.ts";

const run = promisify(execFile);

/** Peers are pinned so a re-run measures the same code; bump deliberately. */
const GO_TOOL_CACHE = "github.com/bradfitz/go-tool-cache@v0.0.0-20260722201841-0bb331e19f64";
const GO_CACHE_PLUGIN = "github.com/tailscale/go-cache-plugin@v0.1.1";
export interface PeerBins {
  goCacher?: string;
  gocached?: string;
  goCachePlugin?: string;
  /** Per peer: how it was built, or exactly why it is absent. */
  status: Record<string, string>;
}

function buildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOBIN: PEER_BIN_DIR, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", GOWORK: "off" };
}

/** Installs `pkg@version` unless the stamp beside the binary says that version is already there. */
async function goInstall(bin: string, pkgAtVersion: string): Promise<string> {
  const path = join(PEER_BIN_DIR, bin);
  const stamp = `${path}.version`;
  const have = await readFile(stamp, "utf8").catch(() => "");
  if (existsSync(path) && have.trim() === pkgAtVersion) return path;
  await run("go", ["install", pkgAtVersion], { cwd: PEER_BIN_DIR, env: buildEnv(), timeout: 600_000 });
  await writeFile(stamp, `${pkgAtVersion}\n`);
  return path;
}

function firstLines(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr && e.stderr.trim() !== "" ? e.stderr : (e.message ?? String(err))).trim();
  return text.split("\n").slice(-4).join(" | ");
}

/**
 * Why `go install` failed, without any address: the module proxy's status and message when it refused
 * ("403 Forbidden: This module version is not available."), else go's last lines with URLs removed.
 * A registry's host name never goes into a report.
 */
export function refusal(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr && e.stderr.trim() !== "" ? e.stderr : (e.message ?? String(err))).trim();
  const status = /:\s(\d{3}\s[A-Za-z][A-Za-z ]*?)\s*$/m.exec(text)?.[1];
  const message = /server response:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (status) return `the module proxy refused it: ${[status, message].filter(Boolean).join(": ")}`;
  return firstLines(err).replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>");
}

export async function ensurePeers(log: (line: string) => void): Promise<PeerBins> {
  await mkdir(PEER_BIN_DIR, { recursive: true });
  const bins: PeerBins = { status: {} };
  const [module, version] = GO_TOOL_CACHE.split("@") as [string, string];
  try {
    bins.goCacher = await goInstall("go-cacher", `${module}/cmd/go-cacher@${version}`);
    bins.gocached = await goInstall("gocached", `${module}/cmd/gocached@${version}`);
    bins.status["gocached"] = `go-cacher + gocached from ${GO_TOOL_CACHE} (module proxy)`;
  } catch (err) {
    bins.goCacher = undefined;
    bins.gocached = undefined;
    bins.status["gocached"] = `not built: go install ${GO_TOOL_CACHE}: ${refusal(err)}`;
  }
  log(`peer gocached: ${bins.status["gocached"]}`);

  const [pluginModule, pluginVersion] = GO_CACHE_PLUGIN.split("@") as [string, string];
  const pluginPkg = `${pluginModule}/cmd/go-cache-plugin@${pluginVersion}`;
  try {
    bins.goCachePlugin = await goInstall("go-cache-plugin", pluginPkg);
    bins.status["go-cache-plugin"] = `${GO_CACHE_PLUGIN} (module proxy)`;
  } catch (err) {
    // On this project's machines the module proxy answers 403 "This module version is not
    // available" for go-cache-plugin and its library creachadair/gocache; say exactly that.
    bins.status["go-cache-plugin"] = `not built: go install ${pluginPkg}: ${refusal(err)}`;
  }
  log(`peer go-cache-plugin: ${bins.status["go-cache-plugin"]}`);
  return bins;
}
