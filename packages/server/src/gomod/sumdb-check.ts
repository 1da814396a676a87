import { ConfigError } from "@gocacheprog/common";
import type { OutputBody } from "../cache/outputs.ts";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import type { GomodMetrics } from "./metrics.ts";
import { escapePath, escapeVersion, InvalidModuleError } from "./paths.ts";
import { type ProxyRequest, parseProxyPath } from "./request.ts";
import { UpstreamError } from "./upstream.ts";

/**
 * A module's .zip and .mod are stored for good and served to the whole fleet, so before they are
 * stored they are compared with the checksum database's record (--gomod-sumdb), asked through the
 * upstream like go's own lookups: a file the upstream served wrong would otherwise fail every build
 * against go.sum until someone deleted it from storage by hand.
 */

/** What the database records for one file, or why nothing is compared. */
export type Expected = { hash: string } | { hash?: undefined; result: "unknown" | "lookup-failed" | "excluded" };

/** The store's own answer for a lookup (cached, coalesced and checked like go's lookups). */
export type Lookup = (request: ProxyRequest, hops: number) => Promise<{ found: true; body: OutputBody } | { found: false }>;

/**
 * After a lookup failed, fills store unverified for this long without asking: the lookup runs beside
 * the file's own fetch, but a hung upstream would still hold every fill for its full timeout.
 */
const LOOKUP_RETRY_MS = 30_000;

/** The database name from a GOSUMDB-style value ("name", "name+key", "name+key url"); undefined = off. */
export function parseSumdbName(value: string, flag = "--gomod-sumdb"): string | undefined {
  const name = value.trim().split(/[+\s]/, 1)[0]!;
  if (name === "" || name === "off") return undefined;
  try {
    parseProxyPath(`sumdb/${name}/supported`);
  } catch {
    throw new ConfigError(`${flag}: ${JSON.stringify(name)} is not a checksum database name`);
  }
  return name;
}

/**
 * GONOSUMDB's syntax (golang.org/x/mod/module MatchPrefixPatterns): comma-separated globs, each
 * matching a module path's first as many elements as it has.
 */
export function parseNoSumdb(value: string, flag = "--gomod-nosumdb"): (path: string) => boolean {
  const globs = value
    .split(",")
    // Trimmed, unlike go: "a, b" is a natural way to write a flag, and no module path holds a space.
    .map((glob) => glob.trim().replace(/\/$/, ""))
    .filter((glob) => glob !== "")
    .map((glob) => ({ elements: glob.split("/").length, re: globRegExp(glob, flag) }));
  return (path) => {
    const elements = path.split("/");
    return globs.some((glob) => elements.length >= glob.elements && glob.re.test(elements.slice(0, glob.elements).join("/")));
  };
}

/** go's path.Match without character classes: '*' and '?' within one element, '\' escapes. */
function globRegExp(glob: string, flag: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    let c = glob[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") throw new ConfigError(`${flag}: ${JSON.stringify(glob)}: character classes ([...]) are not supported`);
    else {
      if (c === "\\") {
        if (i + 1 === glob.length) throw new ConfigError(`${flag}: ${JSON.stringify(glob)} ends with a lone \\`);
        c = glob[++i]!;
      }
      re += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`, "u");
}

export class SumdbCheck {
  private lookupFailedUntil = -Infinity;
  private readonly logLookupFailed: (fields: Record<string, unknown>) => void;

  constructor(
    readonly name: string,
    private readonly excluded: (path: string) => boolean,
    private readonly deps: { lookup: Lookup; metrics: GomodMetrics; logger: Logger; now: () => number },
  ) {
    this.logLookupFailed = throttledLog(deps.logger, "warn", "checksum database lookup failed; module files stored unverified");
  }

  /**
   * The h1 the database records for the .zip or .mod `request` asks for. Never throws: a lookup that
   * fails stores the file unverified (with its structural checks) rather than refusing it. go verifies
   * every file against go.sum or the database itself on the builder, so this check is a second line
   * that keeps a wrong file out of storage; refusing would fail builds that go itself would pass (a
   * go.sum line needs no lookup), and a closed network (GOPROXY=server,off) would stop at the first
   * hiccup of the database's path through the upstream.
   */
  async expected(request: ProxyRequest, hops: number): Promise<Expected> {
    const { path, version } = request.module!;
    if (this.excluded(path)) return { result: "excluded" };
    if (this.deps.now() < this.lookupFailedUntil) return { result: "lookup-failed" };
    try {
      const lookup = parseProxyPath(`sumdb/${this.name}/lookup/${escapePath(path)}@${escapeVersion(version)}`);
      const answer = await this.deps.lookup(lookup, hops);
      if (!answer.found) return { result: "unknown" };
      const key = `${path} ${request.kind === "mod" ? `${version}/go.mod` : version} h1:`;
      const hash = recordedHash(await readAll(answer.body), key);
      return hash ? { hash } : { result: "unknown" };
    } catch (err) {
      // A version the database's syntax does not allow has no record there.
      if (err instanceof InvalidModuleError) return { result: "unknown" };
      if (err instanceof UpstreamError) this.lookupFailedUntil = this.deps.now() + LOOKUP_RETRY_MS;
      const { message, upstream, detail } = err as UpstreamError;
      this.logLookupFailed({ module: `${path}@${version}`, err: message, upstream, detail });
      return { result: "lookup-failed" };
    }
  }

  /**
   * Throws UpstreamError (502, nothing stored) when `actual` is not what the database records; the
   * route logs it (throttled) with its message, which names both hashes.
   */
  verify(request: ProxyRequest, expected: Expected, actual: string | undefined): void {
    const kind = request.kind;
    if (expected.hash === undefined || expected.hash === actual) {
      this.deps.metrics.sumdbChecks.inc({ kind, result: expected.hash === undefined ? expected.result : "match" });
      return;
    }
    const module = `${request.module!.path}@${request.module!.version}`;
    this.deps.metrics.sumdbChecks.inc({ kind, result: "mismatch" });
    this.deps.metrics.upstreamFetches.inc({ kind, outcome: "mismatch" });
    throw new UpstreamError(
      "mismatch",
      `${module}: the upstream's .${kind} does not match the checksum database ${this.name} (it hashes to ${actual}, the database records ${expected.hash}); not stored`,
    );
  }
}

/**
 * The hash on the record's first line for `key` ("<path> <version>[/go.mod] h1:"), as go reads a
 * lookup (sumdb Client.Lookup, then checkSumDB): the record is the text between the record number's
 * line and the first blank line, and go judges by the first line with the key.
 */
function recordedHash(lookup: string, key: string): string | undefined {
  const record = lookup.slice(lookup.indexOf("\n") + 1, lookup.indexOf("\n\n") + 1);
  const line = record.split("\n").find((l) => l.startsWith(key));
  return line === undefined ? undefined : line.slice(key.length - "h1:".length);
}

/** A lookup answer is at most 1 MiB (MAX_ANSWER_BYTES): checked when it was filled. */
async function readAll(body: OutputBody): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
