/**
 * One schema per bin drives flag parsing, the environment twins, `--help` and the README tables,
 * so none of those can disagree. Plain parsers, no schema library: building zod schemas for the client's
 * options on every go command cost several ms of its start-up, and the values are all parsed from text.
 */
export type OptionKind = "string" | "boolean" | "int" | "duration" | "bytes" | "enum";

export interface OptionDef {
  /** Long flag name without dashes, e.g. "max-size". */
  readonly flag: string;
  /** Environment twin, e.g. "GOCACHEPROG_MAX_SIZE". */
  readonly env: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** Default in the same text form a user would type. */
  readonly default?: string;
  readonly choices?: readonly string[];
  /**
   * Never echoed back in errors or logs. Given as a flag it still works, with a warning: argv is
   * readable by every local user. A `<flag>-file` option, where the schema has one, is named as the way out.
   */
  readonly secret?: boolean;
  /** Bounds of an int, duration or bytes value, in the same text form; outside them is a ConfigError. */
  readonly min?: string;
  readonly max?: string;
}

/**
 * The longest duration a timer takes: node runs a setTimeout of more than 2^31-1 ms (24.8 days) after
 * 1 ms, so a "no limit" of 30d would cut at once. Every duration that ends up in a timer has it as max.
 */
export const TIMER_MAX = "24d";

type KindValue<K extends OptionKind> = K extends "boolean" ? boolean : K extends "string" | "enum" ? string : number;
type HasValue<D extends OptionDef> = D extends { kind: "boolean" } ? true : D extends { default: string } ? true : false;

export type OptionValues<Defs extends Record<string, OptionDef>> = {
  -readonly [K in keyof Defs]: HasValue<Defs[K]> extends true ? KindValue<Defs[K]["kind"]> : KindValue<Defs[K]["kind"]> | undefined;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };
const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** "1500", "30s", "5m", "7d" -> milliseconds (a bare number is milliseconds). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (DURATION_UNITS[m[2] ?? "ms"] ?? 1));
}

/**
 * The largest size parseBytes takes: 2^53-1 bytes (8 PiB less one byte), the largest whole number a
 * JS number holds exactly. Past it a size loses bytes, and past 2^64 it wraps where it goes out as a
 * uint64 (the prefetch request's max_bytes), so such a value is refused rather than changed.
 */
export const MAX_BYTES = Number.MAX_SAFE_INTEGER;

/** "1048576", "512MiB", "10GB" -> bytes; undefined for anything else, a size over MAX_BYTES included. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] ?? "").toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes <= MAX_BYTES ? bytes : undefined;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

/** A kind's parser: the value, or undefined when the text is not one. */
type Parse = (text: string) => unknown;

/** Per kind, the parser and what the error says was expected; "string" takes any text. */
function parserFor(def: OptionDef): [Parse, string] {
  switch (def.kind) {
    case "string":
      return [(s) => s, ""];
    case "boolean":
      return [(s) => (TRUE.has(s.toLowerCase()) ? true : FALSE.has(s.toLowerCase()) ? false : undefined), "expected 1/0, true/false"];
    case "int":
      return [(s) => (/^-?\d+$/.test(s.trim()) ? Number(s) : undefined), "expected a whole number"];
    case "duration":
      return [parseDuration, "expected a duration like 500ms, 30s, 5m, 12h or 7d"];
    case "bytes":
      return [parseBytes, `expected a size like 1048576, 512MiB or 10GB, at most ${MAX_BYTES} bytes (8 PiB)`];
    case "enum":
      return [(s) => (def.choices?.includes(s) ? s : undefined), `expected one of ${def.choices?.join(", ")}`];
  }
}

export interface ParsedOptions<Defs extends Record<string, OptionDef>> {
  values: OptionValues<Defs>;
  help: boolean;
  version: boolean;
  positionals: string[];
  /**
   * Said, not thrown, and left to the caller: each bin logs them through its own logger, after
   * --log / --log-level is known (the client's stdout is go's protocol stream).
   */
  warnings: string[];
}

/** Precedence: flag, then environment twin, then default. */
export function parseOptions<Defs extends Record<string, OptionDef>>(
  defs: Defs,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedOptions<Defs> {
  const byFlag = new Map<string, [string, OptionDef]>();
  for (const [key, def] of Object.entries(defs)) byFlag.set(def.flag, [key, def]);

  const fromFlags = new Map<string, string>();
  const positionals: string[] = [];
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (arg === "--version") {
      version = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const negated = name.startsWith("no-") && byFlag.get(name.slice(3))?.[1].kind === "boolean";
    const entry = byFlag.get(negated ? name.slice(3) : name);
    if (!entry) throw new ConfigError(`unknown flag --${name} (see --help)`);
    const [key, def] = entry;
    if (negated) fromFlags.set(key, "false");
    else if (eq !== -1) fromFlags.set(key, arg.slice(eq + 1));
    else if (def.kind === "boolean") fromFlags.set(key, "true");
    else {
      const next = argv[++i];
      if (next === undefined) throw new ConfigError(`flag --${name} needs a value`);
      fromFlags.set(key, next);
    }
  }

  const values: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const [key, def] of Object.entries(defs)) {
    const flagText = fromFlags.get(key);
    const envText = env[def.env];
    const [text, source] =
      flagText !== undefined
        ? [flagText, `--${def.flag}`]
        : envText !== undefined && envText !== ""
          ? [envText, def.env]
          : [def.default, "default"];
    if (text === undefined) {
      values[key] = def.kind === "boolean" ? false : undefined;
      continue;
    }
    const [parse, expected] = parserFor(def);
    const value = parse(text);
    if (value === undefined) {
      const shown = def.secret ? "(secret value hidden)" : JSON.stringify(text);
      throw new ConfigError(`invalid ${source} ${shown}: ${expected}`);
    }
    const outside = boundBroken(def, parse, value);
    if (outside) throw new ConfigError(`invalid ${source} ${JSON.stringify(text)}: expected ${outside}`);
    values[key] = value;
    if (def.secret && flagText !== undefined && exposesSecret(def, flagText)) {
      warnings.push(secretFlagWarning(def, byFlag.get(`${def.flag}-file`)?.[1]));
    }
  }
  return { values: values as OptionValues<Defs>, help, version, positionals, warnings };
}

/** What a value outside the option's bounds was expected to be ("at least 1"), or undefined. */
function boundBroken(def: OptionDef, parse: Parse, value: unknown): string | undefined {
  if (typeof value !== "number") return undefined;
  if (def.min !== undefined && value < (parse(def.min) as number)) return `at least ${def.min}`;
  if (def.max !== undefined && value > (parse(def.max) as number)) return `at most ${def.max}`;
  return undefined;
}

/**
 * Whether a secret option's flag text puts a secret in argv. The default is printed by --help, and a
 * URL-valued secret (--redis-url, --gomod-upstream) is one for its userinfo or query alone: a warning
 * on `--redis-url redis://redis:6379` would teach people to ignore it.
 */
function exposesSecret(def: OptionDef, text: string): boolean {
  if (text === "" || text === def.default) return false;
  return !text.includes("://") || /[@?]/.test(text);
}

/** Names the flag and its replacements only: the value itself must not reach a log either. */
function secretFlagWarning(def: OptionDef, fileDef: OptionDef | undefined): string {
  const instead = fileDef ? `set ${def.env} or use --${fileDef.flag}` : `set ${def.env}`;
  return `--${def.flag} on the command line is readable by every local user (ps, /proc/PID/cmdline): ${instead} instead`;
}

function flagLabel(def: OptionDef): string {
  if (def.kind === "boolean") return `--${def.flag}`;
  const placeholder = def.kind === "enum" ? (def.choices ?? []).join("|") : def.kind;
  return `--${def.flag} <${placeholder}>`;
}

/**
 * An argument the parser did not take, as an error message may show it: up to its "=" only, and the
 * ones after it counted, not shown. A Go-style single-dash flag (-token=..., -tokens "tok read ns")
 * lands among the positionals with its value, and stderr goes to CI and container logs.
 */
export function shownArguments(args: readonly string[]): string {
  const first = JSON.stringify((args[0] ?? "").replace(/=.*/s, "=…"));
  return args.length > 1 ? `${first} (and ${args.length - 1} more)` : first;
}

export function renderHelp(usage: string, defs: Record<string, OptionDef>): string {
  const rows = Object.values(defs).map((def) => {
    const dflt = def.default !== undefined && def.default !== "" ? ` (default ${def.default})` : "";
    return [`  ${flagLabel(def)}`, `      ${def.description}${dflt}\n      env: ${def.env}`];
  });
  const body = rows.map(([flag, text]) => `${flag}\n${text}`).join("\n");
  return `${usage}\n\nOptions (flags win over their environment twins):\n${body}\n  -h, --help\n      Print this help and exit.\n  --version\n      Print the version and exit.\n`;
}

/** The README's configuration tables are generated from this and checked by a test. */
export function renderOptionsMarkdown(defs: Record<string, OptionDef>): string {
  const lines = ["| Flag | Environment | Default | Description |", "| --- | --- | --- | --- |"];
  for (const def of Object.values(defs)) {
    const dflt = def.default !== undefined && def.default !== "" ? `\`${def.default}\`` : "";
    lines.push(`| \`${flagLabel(def)}\` | \`${def.env}\` | ${dflt} | ${def.description.replaceAll("|", "\\|")} |`);
  }
  return lines.join("\n");
}
