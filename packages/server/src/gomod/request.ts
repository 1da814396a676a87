import { InvalidModuleError, isImmutableVersion, unescapePath, unescapeVersion } from "./paths.ts";

/**
 * What a /gomod request asks for, parsed and validated. `file` (the path below /gomod/) is only ever
 * built from validated parts, so it is safe to append to an upstream URL and to hash into a key.
 */

export type FileKind =
  | "list"
  | "latest"
  | "info"
  | "mod"
  | "zip"
  /** `@v/<query>.info` where the "version" is a branch, a prefix or another non-canonical name. */
  | "query"
  | "sumdb-supported"
  | "sumdb-latest"
  | "sumdb-lookup"
  | "sumdb-tile";

export interface ProxyRequest {
  kind: FileKind;
  file: string;
  /** Immutable answers are stored for good; the others are refreshed after --gomod-mutable-ttl. */
  immutable: boolean;
  /** The module version a .info, .mod or .zip belongs to (unescaped), for validating the upstream's answer. */
  module?: { path: string; version: string };
  /** Exact size of a hash tile (tiles of data records vary). */
  tileBytes?: number;
}

/**
 * go takes any checksum database name that is https://host[/path] with nothing to escape
 * (modfetch/sumdb.go, dbDial): upper case and "_" included. A name refused here would be a hard error
 * for go (only 404 and 410 send it on), so the pattern allows every unreserved URL character.
 */
const SUMDB_NAME =
  /^sumdb\/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?(?::\d{1,5})?(?:\/[A-Za-z0-9._~-]+)*?)\/(supported|latest|lookup\/.+|tile\/.+)$/;
const TILE = /^tile\/(\d{1,2})\/(\d{1,2}|data)\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d{1,9}))?$/;
/** The checksum database server's own syntax check for lookups (golang.org/x/mod/sumdb). */
const LOOKUP = /^lookup\/([^@]+)@(v[0-9]+\.[0-9]+\.[0-9]+(?:-[^@]*)?(?:\+incompatible)?)$/;

/**
 * `raw` is the URL path after "/gomod/". go percent-encodes the "!" of its case encoding (%21), so the
 * path is decoded first and everything below checks the decoded form, which is also what goes
 * upstream. Throws InvalidModuleError (400) when malformed.
 */
export function parseProxyPath(raw: string): ProxyRequest {
  const known = parsed.get(raw);
  if (known) return known;
  const request = parse(raw);
  // Bounded: a flood of distinct paths only resets it; a fleet asks for the same few thousand, of
  // ordinary length (a path may be ~16 KiB: 10,000 of those would be ~300 MB).
  if (raw.length > PARSED_PATH_MAX) return request;
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(raw, request);
  return request;
}

/**
 * go's path rules cost more than the rest of a warm answer from memory, and a fleet asks for the same
 * files all day: parsed requests (read-only to their users) are kept by their raw path.
 */
const parsed = new Map<string, ProxyRequest>();
const PARSED_MAX = 10_000;
const PARSED_PATH_MAX = 512;

/** The path below /gomod/, percent-decoded and checked before any of its parts is looked at. */
function decodePath(raw: string): string {
  let rest: string;
  try {
    rest = decodeURIComponent(raw);
  } catch {
    throw new InvalidModuleError("malformed percent-encoding");
  }
  if (!/^[\x21-\x7e]*$/.test(rest)) throw new InvalidModuleError("module proxy paths are printable ASCII without spaces");
  // The decoded path goes upstream as it is: a "." or ".." element (%2F.. in the request) would leave
  // the upstream's base path there, with its credentials. go's rules allow none anywhere.
  if (rest.split("/").some((element) => element === "." || element === ".."))
    throw new InvalidModuleError('module proxy paths have no "." or ".." elements');
  return rest;
}

function parse(raw: string): ProxyRequest {
  const rest = decodePath(raw);
  if (rest.startsWith("sumdb/")) return parseSumdbPath(rest);

  if (rest.endsWith("/@latest")) {
    const escapedPath = rest.slice(0, -"/@latest".length);
    unescapePath(escapedPath);
    return { kind: "latest", file: rest, immutable: false };
  }
  const at = rest.indexOf("/@v/");
  if (at < 0) throw new InvalidModuleError(`not a module proxy path: expected <module>/@v/... or <module>/@latest`);
  const path = unescapePath(rest.slice(0, at));
  const name = rest.slice(at + "/@v/".length);
  if (name === "list") return { kind: "list", file: rest, immutable: false };
  const m = /^(.+)\.(info|mod|zip)$/.exec(name);
  if (!m) throw new InvalidModuleError(`not a module proxy file: ${JSON.stringify(name)} (expected list, <version>.info, .mod or .zip)`);
  const version = unescapeVersion(m[1]!);
  const ext = m[2] as "info" | "mod" | "zip";
  if (isImmutableVersion(path, version)) {
    return { kind: ext, file: rest, immutable: true, module: { path, version } };
  }
  // go asks for .mod and .zip by canonical version only; a query (a branch, "v1.2") may only be resolved by .info.
  if (ext !== "info") throw new InvalidModuleError(`${path}@${version}: .${ext} needs a canonical version of this module`);
  return { kind: "query", file: rest, immutable: false };
}

/** What DELETE /gomod/<module>/@v/<version> removes: the version's files, then the module's cached mutable answers. */
export interface PurgeRequest {
  module: { path: string; version: string };
  /** .info, .mod and .zip, named exactly as a GET for each of them names it (so they share its storage ID). */
  files: ProxyRequest[];
  /** @v/list and @latest: they may name the purged version, and are refetched once dropped. */
  answers: ProxyRequest[];
}

/**
 * `raw` is the URL path after "/gomod/" of a purge: `<module>/@v/<version>`, case-encoded like a GET's,
 * with a canonical version (the only kind whose files are stored for good). Throws InvalidModuleError (400).
 */
export function parsePurgePath(raw: string): PurgeRequest {
  const rest = decodePath(raw);
  const at = rest.indexOf("/@v/");
  if (at < 0 || rest.startsWith("sumdb/"))
    throw new InvalidModuleError("not a module version: expected <module>/@v/<version> (its .info, .mod and .zip are purged)");
  const escapedPath = rest.slice(0, at);
  const escapedVersion = rest.slice(at + "/@v/".length);
  const path = unescapePath(escapedPath);
  const version = unescapeVersion(escapedVersion);
  if (!isImmutableVersion(path, version))
    throw new InvalidModuleError(
      `${path}@${version}: a purge names one canonical version of this module (such as v1.2.3), not a query or a file`,
    );
  const module = { path, version };
  const files = (["info", "mod", "zip"] as const).map(
    (kind): ProxyRequest => ({ kind, file: `${escapedPath}/@v/${escapedVersion}.${kind}`, immutable: true, module }),
  );
  const answers: ProxyRequest[] = [
    { kind: "list", file: `${escapedPath}/@v/list`, immutable: false },
    { kind: "latest", file: `${escapedPath}/@latest`, immutable: false },
  ];
  return { module, files, answers };
}

function parseSumdbPath(rest: string): ProxyRequest {
  const m = SUMDB_NAME.exec(rest);
  if (!m) throw new InvalidModuleError("not a checksum database path: expected sumdb/<name>/{supported,latest,lookup/...,tile/...}");
  const op = m[2]!;
  if (op === "supported") return { kind: "sumdb-supported", file: rest, immutable: false };
  if (op === "latest") return { kind: "sumdb-latest", file: rest, immutable: false };
  if (op.startsWith("lookup/")) {
    const lookup = LOOKUP.exec(op);
    if (!lookup) throw new InvalidModuleError("invalid module@version syntax in checksum database lookup");
    unescapePath(lookup[1]!);
    unescapeVersion(lookup[2]!);
    return { kind: "sumdb-lookup", file: rest, immutable: true };
  }
  const tile = TILE.exec(op);
  if (!tile) throw new InvalidModuleError("invalid tile syntax");
  const height = Number(tile[1]);
  const width = tile[4] === undefined ? undefined : Number(tile[4]);
  if (height < 1 || height > 30) throw new InvalidModuleError("invalid tile height");
  if (width !== undefined && (width < 1 || width >= 2 ** height)) throw new InvalidModuleError("invalid partial tile width");
  // A full tile never changes; a partial one (.p/<width>) is superseded as the log grows.
  const request: ProxyRequest = { kind: "sumdb-tile", file: rest, immutable: width === undefined };
  if (tile[2] !== "data") request.tileBytes = (width ?? 2 ** height) * 32;
  return request;
}
