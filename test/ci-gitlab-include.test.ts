// The GitLab include (ci/gitlab/gocacheprog.yml): its before_script run as GitLab's bash runs it, downloading
// the "release" from a file:// directory, and its after_script against a stand-in client.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBundle } from "./harness/bins.ts";
import { arch, ciWorkspace, makeRelease, recordingClient, type Yaml } from "./harness/ci-runner.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";
import { readYaml } from "./infra/files.ts";

const { work, release, remove } = ciWorkspace();
const token = newToken();
let server: CacheServer;

beforeAll(async () => {
  makeRelease(release, clientBundle);
  server = await startCacheServer({ tokens: [{ token, scope: "read-write", namespace: "ci" }] });
});

afterAll(async () => {
  await server?.close();
  remove();
});

describe("ci/gitlab/gocacheprog.yml", () => {
  const include = readYaml<Yaml>("ci/gitlab/gocacheprog.yml");
  const job = include[".gocacheprog"];

  /** The before_script as GitLab's bash runs it (errexit, pipefail), then the environment it leaves. */
  function beforeScript(label: string, variables: Record<string, string>) {
    const project = join(work, label);
    mkdirSync(project);
    const script = `${job.before_script.join("\n")}\nenv > "${project}/env.out"\n`;
    const run = spawnSync("bash", ["-eo", "pipefail", "-c", script], {
      env: { PATH: process.env["PATH"] ?? "", HOME: project, CI_PROJECT_DIR: project, ...include.variables, ...variables },
      encoding: "utf8",
    });
    const env = run.status === 0 ? readFileSync(join(project, "env.out"), "utf8") : "";
    return { status: run.status, output: run.stdout + run.stderr, env, project };
  }

  it("is a hidden job with before_script/after_script and an OIDC variant, and shellcheck finds nothing in it", () => {
    expect(Object.keys(include).sort()).toEqual([".gocacheprog", ".gocacheprog-oidc", "variables"]);
    expect(include[".gocacheprog-oidc"].id_tokens.GOCACHEPROG_ID_TOKEN.aud).toBe("$GOCACHEPROG_URL");
    const file = join(work, "gitlab.sh");
    writeFileSync(file, `#!/bin/bash\n${[...job.before_script, ...job.after_script].join("\n")}\n`);
    const check = spawnSync("shellcheck", [file], { encoding: "utf8" });
    expect(check.stdout).toBe("");
  });

  it("installs the checked release asset, exports GOCACHEPROG and the stats file, and summarizes after the job", () => {
    const run = beforeScript("gitlab", {
      GOCACHEPROG_DOWNLOAD_URL: `file://${release}`,
      GOCACHEPROG_URL: server.url,
      GOCACHEPROG_GOPROXY: "true",
      GOCACHEPROG_CANONICALIZE_MTIMES: "false",
      GOCACHEPROG_ID_TOKEN: token,
    });
    expect(run.status, run.output).toBe(0);
    const client = join(run.project, ".gocacheprog/bin/gocacheprog");
    expect(run.env).toContain(`GOCACHEPROG=${client}\n`);
    expect(run.env).toContain(`GOCACHEPROG_STATS_FILE=${join(run.project, ".gocacheprog/stats.jsonl")}\n`);
    expect(run.env).toMatch(new RegExp(`GOPROXY=${server.url}/gomod`));
    expect(run.env).toContain(`GOCACHEPROG_TOKEN=${token}\n`);
    expect(spawnSync(client, ["--version"], { encoding: "utf8" }).stdout).toMatch(/^gocacheprog /);

    // An https server: go gets the token for /gomod from the client (GOAUTH); over http it would get none.
    expect(run.env).not.toContain("GOAUTH=");
    const https = beforeScript("gitlab-https", {
      GOCACHEPROG_DOWNLOAD_URL: `file://${release}`,
      GOCACHEPROG_URL: "https://cache.example",
      GOCACHEPROG_GOPROXY: "true",
      GOCACHEPROG_CANONICALIZE_MTIMES: "false",
    });
    expect(https.status, https.output).toBe(0);
    expect(https.env).toContain(`GOAUTH=netrc;${join(https.project, ".gocacheprog/bin/gocacheprog")} goauth\n`);

    const tampered = join(work, "gitlab-tampered");
    makeRelease(tampered, clientBundle);
    writeFileSync(join(tampered, `gocacheprog-linux-${arch}`), "#!/bin/sh\n");
    expect(beforeScript("gitlab-bad", { GOCACHEPROG_DOWNLOAD_URL: `file://${tampered}` }).status).not.toBe(0);

    const dir = mkdtempSync(join(work, "gitlab-after-"));
    mkdirSync(join(dir, ".gocacheprog/bin"), { recursive: true });
    copyFileSync(recordingClient(dir), join(dir, ".gocacheprog/bin/gocacheprog"));
    writeFileSync(join(dir, ".gocacheprog/stats.jsonl"), '{"gets":1}\n');
    const after = spawnSync("bash", ["-c", job.after_script.join("\n")], {
      env: { PATH: process.env["PATH"] ?? "", CI_PROJECT_DIR: dir },
      encoding: "utf8",
    });
    expect(after.status).toBe(0);
    expect(readFileSync(join(dir, "calls"), "utf8")).toBe(`summary ${join(dir, ".gocacheprog/stats.jsonl")}\n`);
  });
});
