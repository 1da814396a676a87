import { ConfigError } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { helpText, parseCommandLine, parseListen, serverOptionDefs } from "../../src/ops/config.ts";
import { redisConnection } from "../../src/ops/wiring.ts";

describe("server options", () => {
  it("defaults to the embedded store on loopback:8080 under the XDG data directory", () => {
    const { command, options } = parseCommandLine([], { XDG_DATA_HOME: "/xdg" });
    expect(command).toBe("serve");
    expect(options.listen).toBe("127.0.0.1:8080");
    expect(options.dataDir).toBe("/xdg/gocacheprog-server");
    expect([options.s3Bucket, options.redisUrl, options.tokensFile]).toEqual([undefined, undefined, undefined]);
    expect([options.inlineMax, options.maxBody]).toEqual([16 * 1024, 2 ** 30]);
  });

  it("reads GOCACHEPROG_SERVER_* twins, with flags winning", () => {
    const env = { GOCACHEPROG_SERVER_S3_BUCKET: "b", GOCACHEPROG_SERVER_LISTEN: "0.0.0.0:9000", GOCACHEPROG_SERVER_MAX_AGE: "2d" };
    const { options } = parseCommandLine(["gc", "--listen", "[::1]:7000"], env);
    expect([options.s3Bucket, options.listen, options.maxAge]).toEqual(["b", "[::1]:7000", 2 * 86400e3]);
    for (const def of Object.values(serverOptionDefs)) expect(def.env).toMatch(/^GOCACHEPROG_SERVER_[A-Z0-9_]+$/);
  });

  it("refuses a timer's duration past 24d and in-flight counts below their meaning", () => {
    for (const flag of ["gc-interval", "backend-timeout", "idle-timeout", "shutdown-timeout", "gomod-upstream-timeout"]) {
      expect(() => parseCommandLine([`--${flag}`, "30d"], {}), flag).toThrow(/expected at most 24d/);
    }
    expect(parseCommandLine(["--gc-interval", "24d"], {}).options.gcInterval).toBe(24 * 86400e3);
    expect(() => parseCommandLine(["--prefetch-concurrency", "0"], {})).toThrow(/expected at least 1/);
    expect(() => parseCommandLine(["--max-in-flight", "-1"], {})).toThrow(/expected at least 0/);
  });

  it("refuses unknown commands and bad listen addresses", () => {
    expect(() => parseCommandLine(["serve", "extra"], {})).toThrow(ConfigError);
    expect(() => parseCommandLine(["compact"], {})).toThrow(/unknown command/);
    expect(() => parseCommandLine(["--listen", "8080"], {})).toThrow(/host:port/);
    expect(parseListen(":8080")).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(parseListen("[::1]:80")).toEqual({ host: "::1", port: 80 });
  });

  it("never echoes a mistyped flag's value (a Go-style -flag=secret, or the words after -tokens)", () => {
    const message = (argv: string[]) => {
      try {
        parseCommandLine(argv, {});
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(message(["-redis-url=redis://:s3cret@redis:6379"])).toBe('unknown command "-redis-url=…" (see --help)');
    expect(message(["serve", "-tokens", "s3cret-token-0123456789 read ns"])).toBe('unexpected argument "-tokens" (and 1 more)');
  });

  it("warns, once per option and without the value, about a secret given as a flag", () => {
    const argv = ["--tokens", "s3cret-token-0123456789 read ns", "--redis-password=s3cret", "--redis-url", "redis://:s3cret@r:6379"];
    const { options, warnings } = parseCommandLine([...argv, "--listen", "0.0.0.0:8080"], {});
    expect(options.tokens).toBe("s3cret-token-0123456789 read ns");
    expect(warnings).toEqual([
      "--redis-url on the command line is readable by every local user (ps, /proc/PID/cmdline): set GOCACHEPROG_SERVER_REDIS_URL instead",
      "--redis-password on the command line is readable by every local user (ps, /proc/PID/cmdline): set GOCACHEPROG_SERVER_REDIS_PASSWORD instead",
      "--tokens on the command line is readable by every local user (ps, /proc/PID/cmdline): set GOCACHEPROG_SERVER_TOKENS or use --tokens-file instead",
    ]);
    expect(warnings.join("\n")).not.toContain("s3cret");
    const env = { GOCACHEPROG_SERVER_TOKENS: "s3cret-token-0123456789 read ns", GOCACHEPROG_SERVER_REDIS_PASSWORD: "s3cret" };
    expect(parseCommandLine(["--tokens-file", "/run/tokens", "--listen", "0.0.0.0:8080"], env).warnings).toEqual([]);
    // The README's own commands: URLs that carry no credentials.
    const bare = ["--redis-url", "redis://redis:6379", "--gomod-upstream", "https://goproxy.corp.example"];
    expect(parseCommandLine(bare, {}).warnings).toEqual([]);
  });

  it("--help lists every option and its environment twin", () => {
    const help = helpText();
    for (const def of Object.values(serverOptionDefs)) {
      expect(help).toContain(`--${def.flag}`);
      expect(help).toContain(def.env);
    }
  });
});

describe("Redis addressing", () => {
  const optionsFrom = (argv: string[]) => parseCommandLine(argv, {}).options;

  it("is off by default, standalone by URL, Sentinel or Cluster by their node lists", () => {
    expect(redisConnection(optionsFrom([]))).toBeUndefined();
    expect(redisConnection(optionsFrom(["--redis-url", "redis://r:6379/2"]))).toEqual({ url: "redis://r:6379/2" });
    expect(
      redisConnection(optionsFrom(["--redis-sentinels", "s1:26379, s2:26380", "--redis-sentinel-name", "cache", "--redis-password", "pw"])),
    ).toEqual({
      redisOptions: {
        sentinels: [
          { host: "s1", port: 26379 },
          { host: "s2", port: 26380 },
        ],
        name: "cache",
        password: "pw",
      },
    });
    expect(redisConnection(optionsFrom(["--redis-cluster-nodes", "n1:7000,n2:7001"]))).toEqual({
      cluster: {
        nodes: [
          { host: "n1", port: 7000 },
          { host: "n2", port: 7001 },
        ],
        options: { redisOptions: { password: undefined } },
      },
    });
  });

  it("refuses two ways at once and malformed node lists", () => {
    expect(() => redisConnection(optionsFrom(["--redis-url", "redis://r", "--redis-cluster-nodes", "n1:7000"]))).toThrow(
      /not --redis-url and --redis-cluster-nodes/,
    );
    expect(() => redisConnection(optionsFrom(["--redis-sentinels", "s1"]))).toThrow(/invalid --redis-sentinels "s1"/);
  });
});
