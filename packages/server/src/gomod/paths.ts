import * as semver from "./semver.ts";

/**
 * Module paths and versions by go's own rules (golang.org/x/mod/module: CheckPath, CheckImportPath,
 * CheckFilePath, Check, EscapePath/UnescapePath, EscapeVersion/UnescapeVersion). Every name in a
 * /gomod request passes through here before it reaches a storage key or an upstream URL, so no
 * traversal, no percent-encoding and no case trick can get past.
 */

export class InvalidModuleError extends Error {
  override name = "InvalidModuleError";
}

type PathKind = "module" | "import" | "file";

const BAD_WINDOWS_NAMES = new Set(["CON", "PRN", "AUX", "NUL", ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])]);
const FILE_NAME_PUNCTUATION = "!#$%&()+,-.=@[]^_{}~ ";

function charOK(c: string, kind: PathKind): boolean {
  if (/^[0-9A-Za-z]$/.test(c)) return true;
  if (kind === "file") return FILE_NAME_PUNCTUATION.includes(c) || (c.codePointAt(0)! >= 0x80 && /^\p{L}$/u.test(c));
  return "-._~".includes(c) || (kind === "import" && c === "+");
}

function checkElem(elem: string, kind: PathKind): void {
  if (elem === "") throw new InvalidModuleError("empty path element");
  if (/^\.+$/.test(elem)) throw new InvalidModuleError(`invalid path element ${JSON.stringify(elem)}`);
  if (elem.startsWith(".") && kind === "module") throw new InvalidModuleError("leading dot in path element");
  if (elem.endsWith(".")) throw new InvalidModuleError("trailing dot in path element");
  for (const c of elem) if (!charOK(c, kind)) throw new InvalidModuleError(`invalid char ${JSON.stringify(c)}`);
  const dot = elem.indexOf(".");
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  if (BAD_WINDOWS_NAMES.has(short.toUpperCase())) {
    throw new InvalidModuleError(`${JSON.stringify(short)} disallowed as path element component on Windows`);
  }
  if (kind !== "file" && /~\d+$/.test(short)) throw new InvalidModuleError("trailing tilde and digits in path element");
}

function checkAnyPath(path: string, kind: PathKind): void {
  // Lone surrogates do not survive a round trip through UTF-8.
  if (Buffer.from(path, "utf8").toString("utf8") !== path) throw new InvalidModuleError("invalid UTF-8");
  if (path === "") throw new InvalidModuleError("empty string");
  if (path.startsWith("-") && kind !== "file") throw new InvalidModuleError("leading dash");
  if (path.includes("//")) throw new InvalidModuleError("double slash");
  if (path.endsWith("/")) throw new InvalidModuleError("trailing slash");
  for (const elem of path.split("/")) checkElem(elem, kind);
}

function malformed(kind: PathKind, path: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw new InvalidModuleError(`malformed ${kind} path ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}

export function checkPath(path: string): void {
  malformed("module", path, () => {
    checkAnyPath(path, "module");
    const slash = path.indexOf("/");
    const first = slash < 0 ? path : path.slice(0, slash);
    if (first === "") throw new InvalidModuleError("leading slash");
    if (!first.includes(".")) throw new InvalidModuleError("missing dot in first path element");
    if (path.startsWith("-")) throw new InvalidModuleError("leading dash in first path element");
    for (const c of first)
      if (!/^[-.0-9a-z]$/.test(c)) throw new InvalidModuleError(`invalid char ${JSON.stringify(c)} in first path element`);
    if (!splitPathVersion(path).ok) throw new InvalidModuleError("invalid version");
  });
}

export function checkImportPath(path: string): void {
  malformed("import", path, () => checkAnyPath(path, "import"));
}

export function checkFilePath(path: string): void {
  malformed("file", path, () => checkAnyPath(path, "file"));
}

/** "x.y/z/v2" -> prefix "x.y/z", pathMajor "/v2"; "gopkg.in/yaml.v3" -> ".v3". */
export function splitPathVersion(path: string): { prefix: string; pathMajor: string; ok: boolean } {
  if (path.startsWith("gopkg.in/")) {
    const m = /^(gopkg\.in\/.*)\.v\d+(?:-unstable)?$/.exec(path);
    const pathMajor = m ? path.slice(m[1]!.length) : "";
    if (!m || (pathMajor[2] === "0" && pathMajor !== ".v0")) return { prefix: path, pathMajor: "", ok: false };
    return { prefix: m[1]!, pathMajor, ok: true };
  }
  const m = /\/v([0-9.]+)$/.exec(path);
  if (!m || m.index === 0) return { prefix: path, pathMajor: "", ok: true };
  const digits = m[1]!;
  if (digits.includes(".") || digits.startsWith("0") || digits === "1") return { prefix: path, pathMajor: "", ok: false };
  return { prefix: path.slice(0, m.index), pathMajor: path.slice(m.index), ok: true };
}

export function checkPathMajor(version: string, pathMajor: string): void {
  let want = pathMajor;
  if (want.startsWith(".v") && want.endsWith("-unstable")) want = want.slice(0, -"-unstable".length);
  if (version.startsWith("v0.0.0-") && want === ".v1") return;
  const m = semver.major(version);
  if (want === "") {
    if (m === "v0" || m === "v1" || semver.build(version) === "+incompatible") return;
    want = "v0 or v1";
  } else {
    if (m === want.slice(1)) return;
    want = want.slice(1);
  }
  throw new InvalidModuleError(`version ${JSON.stringify(version)} invalid: should be ${want}, not ${m}`);
}

/** module.Check: a valid path and a semantic version matching its major-version suffix. */
export function check(path: string, version: string): void {
  checkPath(path);
  if (!semver.isValid(version)) throw new InvalidModuleError(`${path}: version ${JSON.stringify(version)} invalid: not a semantic version`);
  checkPathMajor(version, splitPathVersion(path).pathMajor);
}

export function canonicalVersion(v: string): string {
  const cv = semver.canonical(v);
  return semver.build(v) === "+incompatible" ? `${cv}+incompatible` : cv;
}

/** True for the versions whose files never change: canonical and right for the path's major version. */
export function isImmutableVersion(path: string, version: string): boolean {
  try {
    check(path, version);
  } catch {
    return false;
  }
  return canonicalVersion(version) === version;
}

/** Upper-case letters become "!" + lower-case, so paths stay unique on case-insensitive file systems. */
function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** ASCII only; "!" must be followed by a-z; bare upper-case letters are not an escaped form. */
function unescapeString(escaped: string): string | null {
  for (let i = 0; i < escaped.length; i++) {
    const code = escaped.charCodeAt(i);
    if (code >= 0x80 || (code >= 0x41 && code <= 0x5a)) return null;
    if (code === 0x21 && !/[a-z]/.test(escaped[++i] ?? "")) return null;
  }
  return escaped.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function escapePath(path: string): string {
  checkPath(path);
  return escapeString(path);
}

export function escapeVersion(v: string): string {
  try {
    checkElem(v, "file");
  } catch {
    throw new InvalidModuleError(`version ${JSON.stringify(v)} invalid: disallowed version string`);
  }
  if (v.includes("!")) throw new InvalidModuleError(`version ${JSON.stringify(v)} invalid: disallowed version string`);
  return escapeString(v);
}

export function unescapePath(escaped: string): string {
  const path = unescapeString(escaped);
  if (path === null) throw new InvalidModuleError(`invalid escaped module path ${JSON.stringify(escaped)}`);
  try {
    checkPath(path);
  } catch (err) {
    throw new InvalidModuleError(`invalid escaped module path ${JSON.stringify(escaped)}: ${(err as Error).message}`);
  }
  return path;
}

export function unescapeVersion(escaped: string): string {
  const v = unescapeString(escaped);
  if (v === null) throw new InvalidModuleError(`invalid escaped version ${JSON.stringify(escaped)}`);
  try {
    checkElem(v, "file");
  } catch (err) {
    throw new InvalidModuleError(`invalid escaped version ${JSON.stringify(v)}: ${(err as Error).message}`);
  }
  return v;
}
