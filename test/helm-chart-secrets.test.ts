// The Helm chart renders server.extraEnv into a ConfigMap: readable by anyone who may read the namespace's
// configuration, shown by `kubectl describe`, and kept in git with the values file. The server's secret
// options (tokens, the Redis URL or password, a module proxy upstream with user:password@) must come from a
// Secret instead, and the chart must not quietly put them in the ConfigMap.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { serverOptionDefs } from "../packages/server/src/ops/config.ts";
import { byKind, chartDir, helmBin, renderChart } from "./infra/files.ts";

const SECRET = "s3cr3t-XYZ";

/** A value for each secret option that carries SECRET the way an operator would write it. */
const secretValues: Record<string, string> = {
  GOCACHEPROG_SERVER_REDIS_URL: `redis://:${SECRET}@redis:6379/0`,
  GOCACHEPROG_SERVER_REDIS_PASSWORD: SECRET,
  GOCACHEPROG_SERVER_TOKENS: `${SECRET}-0123456789abcdef read-write team`,
  GOCACHEPROG_SERVER_GOMOD_UPSTREAM: `https://ci:${SECRET}@proxy.example.com/go`,
};

/** `helm template` with the embedded values plus `set`: everything it printed, and whether it rendered. */
function template(set: Record<string, string>): { rendered: boolean; output: string } {
  const args = ["template", "gocacheprog", chartDir, "-f", `${chartDir}/ci/embedded-values.yaml`];
  for (const [key, value] of Object.entries(set)) args.push("--set-string", `${key}=${value}`);
  const run = spawnSync(helmBin, args, { encoding: "utf8" });
  return { rendered: run.status === 0, output: run.stdout + run.stderr };
}

describe("the chart keeps the server's secret options out of its ConfigMap", () => {
  const secretEnvs = Object.values(serverOptionDefs)
    .filter((def) => "secret" in def && def.secret)
    .map((def) => def.env);

  it("knows a value for every secret option", () => {
    expect(Object.keys(secretValues).sort()).toEqual([...secretEnvs].sort());
  });

  it.each(secretEnvs)("refuses %s in server.extraEnv, naming the Secret to use, without echoing the value", (env) => {
    const { rendered, output } = template({ [`server.extraEnv.${env}`]: secretValues[env]! });
    expect(output).not.toContain(SECRET);
    expect(rendered).toBe(false);
    expect(output).toMatch(/Secret/);
  });

  it("still takes an upstream without credentials in server.extraEnv", () => {
    const { rendered, output } = template({ "server.extraEnv.GOCACHEPROG_SERVER_GOMOD_UPSTREAM": "https://proxy.golang.org" });
    expect(rendered).toBe(true);
    expect(output).toContain('GOCACHEPROG_SERVER_GOMOD_UPSTREAM: "https://proxy.golang.org"');
  });

  it("reads the upstream from gomod.upstreamExistingSecret", () => {
    const objects = renderChart(["ci/embedded-values.yaml"], { "gomod.upstreamExistingSecret": "gomod-upstream" });
    expect(byKind(objects, "ConfigMap").data.GOCACHEPROG_SERVER_GOMOD_UPSTREAM).toBeUndefined();
    const container = byKind(objects, "Deployment").spec.template.spec.containers[0];
    expect(container.env).toContainEqual({
      name: "GOCACHEPROG_SERVER_GOMOD_UPSTREAM",
      valueFrom: { secretKeyRef: { name: "gomod-upstream", key: "gomod-upstream" } },
    });
  });
});
