// The GitHub Action's files (action.yml, summary/action.yml, summary/summary.sh): the metadata checked
// statically, and the summary step run for real against a stand-in client. action/setup.sh runs in
// ci-action-setup.test.ts, the GitLab include in ci-gitlab-include.test.ts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./harness/bins.ts";
import { ciWorkspace, recordingClient, type Yaml } from "./harness/ci-runner.ts";
import { readYaml } from "./infra/files.ts";

const { work, remove } = ciWorkspace();

afterAll(() => remove());

describe("action.yml and summary/action.yml", () => {
  const actions: [string, Yaml][] = [
    ["action.yml", readYaml("action.yml")],
    ["summary/action.yml", readYaml("summary/action.yml")],
  ];

  it.each(actions)("%s: a composite action whose steps use only declared inputs, each input documented", (path, action) => {
    expect(action.name).toBeTruthy();
    expect(action.description.length).toBeLessThanOrEqual(125); // the Marketplace's limit
    expect(action.runs.using).toBe("composite");
    for (const [name, input] of Object.entries<Yaml>(action.inputs)) {
      expect(input.description, name).toBeTruthy();
      expect(typeof input.default, name).toBe("string");
    }
    const text = readFileSync(join(repoRoot, path), "utf8");
    for (const [, used] of text.matchAll(/inputs\.([\w-]+)/g)) expect(Object.keys(action.inputs), path).toContain(used);
    for (const step of action.runs.steps) {
      expect(step.shell, "a run step in a composite action needs a shell").toBe("bash");
      const script = /\$GITHUB_ACTION_PATH\/([\w/.-]+)/.exec(step.run)?.[1] as string;
      expect(statSync(join(repoRoot, path, "..", script)).isFile()).toBe(true);
    }
  });

  it("passes every input of action.yml to setup.sh, which reads each one", () => {
    const action = readYaml<Yaml>("action.yml");
    const script = readFileSync(join(repoRoot, "action/setup.sh"), "utf8");
    for (const name of Object.keys(action.inputs)) {
      const variable = `INPUT_${name.toUpperCase().replaceAll("-", "_")}`;
      expect(action.runs.steps[0].env[variable], variable).toBe(`\${{ inputs.${name} }}`);
      expect(script, variable).toContain(variable);
    }
  });

  it("has scripts shellcheck finds nothing in", () => {
    const run = spawnSync("shellcheck", ["action/setup.sh", "summary/summary.sh"], { cwd: repoRoot, encoding: "utf8" });
    expect(run.stdout).toBe("");
    expect(run.status).toBe(0);
  });
});

describe("summary/summary.sh", () => {
  const summarize = (env: Record<string, string>) =>
    spawnSync("bash", [join(repoRoot, "summary/summary.sh")], { env: { PATH: process.env["PATH"] ?? "", ...env }, encoding: "utf8" });

  it("runs `gocacheprog summary <stats file>`, and never fails the job", () => {
    const dir = mkdtempSync(join(work, "summary-"));
    const client = recordingClient(dir);
    const stats = join(dir, "stats.jsonl");
    writeFileSync(stats, '{"gets":1}\n');
    expect(summarize({ GOCACHEPROG: client, GOCACHEPROG_STATS_FILE: stats }).status).toBe(0);
    expect(readFileSync(join(dir, "calls"), "utf8")).toBe(`summary ${stats}\n`);
    const failing = summarize({ GOCACHEPROG: "/bin/false", GOCACHEPROG_STATS_FILE: stats });
    expect(failing.status).toBe(0);
    expect(failing.stdout).toContain("::warning");
    const none = summarize({ GOCACHEPROG: client, INPUT_STATS_FILE: join(dir, "missing") });
    expect(none.status).toBe(0);
    expect(none.stdout).toContain("no stats recorded");
  });
});
