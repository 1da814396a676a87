import { describe, expect, it } from "vitest";
import { ConfigError, parseBytes, parseDuration, parseOptions, renderHelp, renderOptionsMarkdown, TIMER_MAX } from "../src/options.ts";

const defs = {
  dir: { flag: "dir", env: "T_DIR", kind: "string", description: "Directory." },
  maxSize: { flag: "max-size", env: "T_MAX_SIZE", kind: "bytes", default: "1GiB", description: "Budget." },
  maxAge: { flag: "max-age", env: "T_MAX_AGE", kind: "duration", default: "7d", description: "Age." },
  stats: { flag: "stats", env: "T_STATS", kind: "boolean", description: "Stats." },
  jobs: { flag: "jobs", env: "T_JOBS", kind: "int", default: "4", description: "Jobs." },
  mode: { flag: "mode", env: "T_MODE", kind: "enum", choices: ["a", "b"], default: "a", description: "Mode." },
  token: { flag: "token", env: "T_TOKEN", kind: "int", secret: true, description: "Secret." },
} as const;

describe("options schema", () => {
  it("applies defaults, env twins and flags in that order of precedence", () => {
    const d = parseOptions(defs, [], {});
    expect(d.values).toEqual({ dir: undefined, maxSize: 2 ** 30, maxAge: 7 * 86400e3, stats: false, jobs: 4, mode: "a", token: undefined });
    const e = parseOptions(defs, [], { T_DIR: "/x", T_STATS: "1", T_MAX_SIZE: "10MB" });
    expect([e.values.dir, e.values.stats, e.values.maxSize]).toEqual(["/x", true, 10e6]);
    const f = parseOptions(defs, ["--dir", "/y", "--max-size=2KiB", "--no-stats", "pos"], { T_DIR: "/x", T_STATS: "1" });
    expect([f.values.dir, f.values.maxSize, f.values.stats, f.positionals]).toEqual(["/y", 2048, false, ["pos"]]);
  });

  it("refuses values outside an option's bounds, naming them", () => {
    const bounded = {
      jobs: { flag: "jobs", env: "T_JOBS", kind: "int", default: "4", min: "1", description: "Jobs." },
      wait: { flag: "wait", env: "T_WAIT", kind: "duration", default: "30s", max: TIMER_MAX, description: "Wait." },
    } as const;
    expect(parseOptions(bounded, ["--jobs", "1", "--wait", TIMER_MAX], {}).values).toEqual({ jobs: 1, wait: 24 * 86400e3 });
    expect(() => parseOptions(bounded, ["--jobs", "0"], {})).toThrow(/--jobs "0": expected at least 1/);
    expect(() => parseOptions(bounded, [], { T_JOBS: "-1" })).toThrow(/T_JOBS "-1": expected at least 1/);
    // Node runs a longer timer after 1 ms: "30d" meant as no limit would cut at once.
    expect(() => parseOptions(bounded, ["--wait", "30d"], {})).toThrow(/--wait "30d": expected at most 24d/);
    expect(parseDuration(TIMER_MAX)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it("rejects bad values with a message naming the source, hiding secrets", () => {
    expect(() => parseOptions(defs, ["--max-size", "10XB"], {})).toThrow(/--max-size "10XB": expected a size/);
    expect(() => parseOptions(defs, [], { T_MAX_AGE: "soon" })).toThrow(/T_MAX_AGE "soon": expected a duration/);
    expect(() => parseOptions(defs, ["--mode=c"], {})).toThrow(/one of a, b/);
    expect(() => parseOptions(defs, ["--bogus"], {})).toThrow(ConfigError);
    expect(() => parseOptions(defs, ["--dir"], {})).toThrow(/needs a value/);
    const err = (() => {
      try {
        parseOptions(defs, [], { T_TOKEN: "s3cr3t" });
      } catch (e) {
        return String(e);
      }
    })();
    expect(err).toContain("secret value hidden");
    expect(err).not.toContain("s3cr3t");
  });

  it("parses units", () => {
    expect(parseDuration("1500")).toBe(1500);
    expect(parseDuration("2m")).toBe(120e3);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseBytes("512MiB")).toBe(512 * 2 ** 20);
    expect(parseBytes("3")).toBe(3);
    expect(parseBytes("3 parsecs")).toBeUndefined();
  });

  it("renders every option in help and markdown", () => {
    const help = renderHelp("usage: t", defs);
    const md = renderOptionsMarkdown(defs);
    for (const def of Object.values(defs)) {
      expect(help).toContain(`--${def.flag}`);
      expect(help).toContain(def.env);
      expect(md).toContain(def.env);
    }
  });
});

describe("a secret given as a flag", () => {
  const secrets = {
    token: { flag: "token", env: "T_TOKEN", kind: "string", secret: true, description: "Token." },
    tokenFile: { flag: "token-file", env: "T_TOKEN_FILE", kind: "string", description: "Token file." },
    password: { flag: "password", env: "T_PASSWORD", kind: "string", secret: true, description: "Password." },
    upstream: { flag: "upstream", env: "T_UPSTREAM", kind: "string", secret: true, default: "off", description: "URLs." },
    dir: { flag: "dir", env: "T_DIR", kind: "string", description: "Directory." },
  } as const;
  const warned = (flag: string, instead: string) =>
    `--${flag} on the command line is readable by every local user (ps, /proc/PID/cmdline): ${instead} instead`;

  it("is still used, with one warning per option naming the flag and what to use instead, never the value", () => {
    const parsed = parseOptions(secrets, ["--token", "s3cr3t-1", "--token=s3cr3t-2", "--password=s3cr3t-3"], { T_TOKEN: "env" });
    expect([parsed.values.token, parsed.values.password]).toEqual(["s3cr3t-2", "s3cr3t-3"]);
    expect(parsed.warnings).toEqual([warned("token", "set T_TOKEN or use --token-file"), warned("password", "set T_PASSWORD")]);
    expect(parsed.warnings.join("\n")).not.toContain("s3cr3t");
  });

  it("draws no warning from the environment twin, a -file option or a flag that is not secret", () => {
    expect(
      parseOptions(secrets, [], { T_TOKEN: "s3cr3t", T_PASSWORD: "s3cr3t", T_UPSTREAM: "https://u:s3cr3t@up.example" }).warnings,
    ).toEqual([]);
    expect(parseOptions(secrets, ["--token-file", "/run/secrets/token", "--dir=/x"], {}).warnings).toEqual([]);
  });

  it("warns about a URL only when it carries credentials, and never about the default", () => {
    for (const bare of ["https://up.example", "https://a.example,https://b.example|https://c.example", "off", ""]) {
      expect(parseOptions(secrets, [`--upstream=${bare}`], {}).warnings, bare).toEqual([]);
    }
    for (const secret of ["https://user:s3cr3t@up.example", "https://up.example/?token=s3cr3t"]) {
      const { warnings } = parseOptions(secrets, ["--upstream", secret], {});
      expect(warnings, secret).toEqual([warned("upstream", "set T_UPSTREAM")]);
    }
  });
});
