/**
 * Go's semantic versions (golang.org/x/mod/semver), only as much as the module proxy needs to tell a
 * canonical version (an immutable file) from a query (a branch, a prefix, "latest"). Go's rules, not
 * npm's: the leading "v" is required, "v1" and "v1.2" are valid shorthands, build metadata is
 * allowed but never canonical.
 */

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  /** ".0.0" or ".0" when minor or patch were left out. */
  short: string;
  prerelease: string;
  build: string;
}

function parse(v: string): Parsed | null {
  if (!v.startsWith("v")) return null;
  const p: Parsed = { major: "", minor: "", patch: "", short: "", prerelease: "", build: "" };
  let rest = v.slice(1);
  let n = parseNumber(rest);
  if (!n) return null;
  [p.major, rest] = n;
  if (rest === "") return { ...p, minor: "0", patch: "0", short: ".0.0" };
  if (!rest.startsWith(".")) return null;
  n = parseNumber(rest.slice(1));
  if (!n) return null;
  [p.minor, rest] = n;
  if (rest === "") return { ...p, patch: "0", short: ".0" };
  if (!rest.startsWith(".")) return null;
  n = parseNumber(rest.slice(1));
  if (!n) return null;
  [p.patch, rest] = n;
  if (rest.startsWith("-")) {
    const m = /^-[0-9A-Za-z.-]*/.exec(rest)![0];
    if (!validIdentifiers(m.slice(1), true)) return null;
    p.prerelease = m;
    rest = rest.slice(m.length);
  }
  if (rest.startsWith("+")) {
    if (!validIdentifiers(rest.slice(1), false)) return null;
    p.build = rest;
    rest = "";
  }
  return rest === "" ? p : null;
}

/** A run of digits without a leading zero (except "0" itself); returns it and what follows. */
function parseNumber(v: string): [string, string] | null {
  const m = /^\d+/.exec(v);
  if (!m || (m[0].length > 1 && m[0].startsWith("0"))) return null;
  return [m[0], v.slice(m[0].length)];
}

/** Dot-separated non-empty identifiers of [0-9A-Za-z-]; numeric prerelease ones without leading zeros. */
function validIdentifiers(text: string, prerelease: boolean): boolean {
  return text.split(".").every((id) => /^[0-9A-Za-z-]+$/.test(id) && !(prerelease && /^0\d+$/.test(id)));
}

export function isValid(v: string): boolean {
  return parse(v) !== null;
}

/** "v1.2" -> "v1.2.0", "v1.2.3+meta" -> "v1.2.3"; "" when invalid. */
export function canonical(v: string): string {
  const p = parse(v);
  if (!p) return "";
  if (p.build !== "") return v.slice(0, v.length - p.build.length);
  return v + p.short;
}

/** "v2.1.0" -> "v2"; "" when invalid. */
export function major(v: string): string {
  const p = parse(v);
  return p ? `v${p.major}` : "";
}

/** "+incompatible" for "v2.0.0+incompatible"; "" when none or invalid. */
export function build(v: string): string {
  return parse(v)?.build ?? "";
}
