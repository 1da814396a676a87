// Static checks of the deployable files (no Docker engine here): they parse, reference each other
// consistently, and only use server options that exist. infra-run.test.ts runs what they run.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serverOptionDefs } from "../packages/server/src/ops/config.ts";
import { repoRoot } from "./harness/bins.ts";
import { execForm, instructions, keyValues, labels, readDockerfile, readYaml, type Stage } from "./infra/files.ts";

const serverEnvNames = new Set<string>(Object.values(serverOptionDefs).map((d) => d.env));
/** A build arg or ENV with such a name would put a credential into the image or its history. */
const SECRET_NAME = /(TOKENS?|SECRET|PASSWORD|ACCESS_KEY|REDIS_URL)$/;

/** .dockerignore patterns: `**` spans directories, `*` stays within one. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*\*/g, "\0")
    .replace(/\*/g, "[^/]*")
    .replace(/\0/g, ".*");
  return new RegExp(`^${body}$`);
}

function expectKnownServerEnv(names: Iterable<string>): void {
  for (const name of names) if (name.startsWith("GOCACHEPROG_SERVER_")) expect(serverEnvNames, name).toContain(name);
}

function expectNoSecretsInImage(stages: Stage[]): void {
  for (const stage of stages) {
    for (const keyword of ["ARG", "ENV"] as const) {
      for (const name of keyValues(stage, keyword).keys()) expect(name, `${keyword} ${name}`).not.toMatch(SECRET_NAME);
    }
  }
}

/** Every Dockerfile in the repository, linted by the same rules (there is no Docker engine here to build them). */
const DOCKERFILES = ["infra/server.Dockerfile", "infra/client.Dockerfile", "examples/docker-build/Dockerfile"];
/** The images the release workflow publishes. */
const PUBLISHED = ["infra/server.Dockerfile", "infra/client.Dockerfile"];

describe.each(DOCKERFILES)("Dockerfile lint: %s", (path) => {
  const stages = readDockerfile(path);
  const final = stages.at(-1) as Stage;

  it("bases every stage on a pinned tag, an earlier stage or scratch (never latest or untagged)", () => {
    const names = new Set<string>();
    for (const stage of stages) {
      if (!names.has(stage.base) && stage.base !== "scratch") {
        expect(stage.base, `FROM ${stage.base}`).toMatch(/^[a-z0-9.\-/]+:[\w][\w.-]*$/);
        expect(stage.base.split(":")[1]).not.toBe("latest");
      }
      if (stage.name) names.add(stage.name);
    }
  });

  it("runs as a non-root user with an exec-form command and no secret in an ARG or ENV", () => {
    const user = instructions(final, "USER").at(-1)?.args ?? "root";
    expect(user.split(":")[0]).not.toMatch(/^(root|0)$/);
    for (const keyword of ["CMD", "ENTRYPOINT"]) {
      for (const { args } of instructions(final, keyword)) expect(() => execForm(args), `${keyword} ${args}`).not.toThrow();
    }
    expectNoSecretsInImage(stages);
  });
});

describe.each(PUBLISHED)("published image: %s", (path) => {
  const final = readDockerfile(path).at(-1) as Stage;

  it("carries the OCI labels the release workflow fills in", () => {
    const found = labels(final);
    for (const key of ["title", "description", "version", "revision", "source"]) {
      expect(found.get(`org.opencontainers.image.${key}`), key).toBeTruthy();
    }
    expect(found.get("org.opencontainers.image.licenses")).toBe("Apache-2.0");
    const args = keyValues(final, "ARG");
    for (const arg of ["VERSION", "REVISION", "SOURCE"]) expect(args.has(arg), arg).toBe(true);
  });
});

describe("infra/client.Dockerfile", () => {
  const stages = readDockerfile("infra/client.Dockerfile");

  it("is scratch plus the executable of the target architecture, nothing else", () => {
    expect(stages).toHaveLength(1);
    const [image] = stages as [Stage];
    expect(image.base).toBe("scratch");
    expect(instructions(image, "RUN")).toEqual([]);
    expect(instructions(image, "COPY").map((c) => [c.flags, c.args])).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build arg, not a JS template
      [["chmod=0755"], "gocacheprog-linux-${TARGETARCH} /gocacheprog"],
    ]);
  });
});

describe("infra/server.Dockerfile", () => {
  const stages = readDockerfile("infra/server.Dockerfile");
  const final = stages.at(-1) as Stage;

  it("is multi-stage with a small final base, non-root user, healthcheck and exec-form CMD", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(final.base).toBe("node:24-bookworm-slim");
    const user = instructions(final, "USER").at(-1)?.args ?? "root";
    expect(user.split(":")[0]).not.toMatch(/^(root|0)$/);
    expect(execForm(instructions(final, "HEALTHCHECK")[0]?.args ?? "")).toEqual(["node", "/app/healthcheck.mjs"]);
    expect(execForm(instructions(final, "CMD")[0]?.args ?? "")[0]).toBe("node");
    expectNoSecretsInImage(stages);
    expectKnownServerEnv(keyValues(final, "ENV").keys());
  });

  it("installs production dependencies only into the image, after copying every workspace manifest", () => {
    const prodDeps = stages.find((s) => s.name === "prod-deps") as Stage;
    expect(instructions(prodDeps, "RUN").map((r) => r.args)).toContainEqual(
      expect.stringMatching(/npm ci --omit=dev --workspace gocacheprog-server/),
    );
    const copied = instructions(stages[0] as Stage, "COPY").flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    const root = JSON.parse(readFileSync(`${repoRoot}/package.json`, "utf8")) as { workspaces: string[] };
    for (const workspace of root.workspaces) expect(copied).toContain(`${workspace}/package.json`);
    expect(copied).toContain("package-lock.json");
    // The final stage takes node_modules from prod-deps, never from the build stage (which has dev deps).
    const fromBuild = instructions(final, "COPY").filter((c) => c.flags.includes("from=build"));
    expect(fromBuild.map((c) => c.args)).toEqual(["/app/packages/server/dist packages/server/dist"]);
  });

  it("sends every file it COPYs into the build context (server.Dockerfile.dockerignore)", () => {
    const ignore = readFileSync(`${repoRoot}/infra/server.Dockerfile.dockerignore`, "utf8").split("\n");
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
    const sources = stages.flatMap((s) => instructions(s, "COPY").filter((c) => c.flags.every((f) => !f.startsWith("from="))));
    for (const source of sources.flatMap((c) => c.args.split(/\s+/).slice(0, -1))) {
      const isDir = statSync(join(repoRoot, source)).isDirectory();
      const covered = allowed.some((p) => (isDir ? p.startsWith(`${source}/`) : globToRegExp(p).test(source)));
      expect(covered, `${source} is excluded from the build context`).toBe(true);
    }
  });
});

describe("infra/compose.yaml", () => {
  // biome-ignore lint/suspicious/noExplicitAny: compose is checked field by field
  const compose = readYaml<any>("infra/compose.yaml");
  const services = compose.services;

  it("has the server, Redis with append-only persistence, an S3 store and a bucket-creating init", () => {
    expect(Object.keys(services).sort()).toEqual(["redis", "s3", "s3-init", "server"]);
    expect(services.redis.command.join(" ")).toContain("--appendonly yes");
    expect(services.redis.volumes).toContain("redis-data:/data");
    expect(services.s3.volumes).toContain("s3-data:/data");
    expect(services["s3-init"].command.join("\n")).toMatch(/create-bucket --bucket "\$\$BUCKET"/);
    expect(services["s3-init"].restart).toBe("no");
    expect(Object.keys(compose.volumes).sort()).toEqual(["redis-data", "s3-data", "server-data"]);
  });

  it("starts the server only once its backends are ready, and health-checks it", () => {
    expect(services.server.depends_on).toEqual({
      redis: { condition: "service_healthy" },
      "s3-init": { condition: "service_completed_successfully" },
    });
    expect(services.redis.healthcheck.test).toEqual(["CMD", "redis-cli", "ping"]);
    expect(services.server.healthcheck.test).toEqual(["CMD", "node", "/app/healthcheck.mjs"]);
  });

  it("wires the server to the services by name and reads tokens from a secret", () => {
    const env = services.server.environment;
    expectKnownServerEnv(Object.keys(env));
    expect(env.GOCACHEPROG_SERVER_REDIS_URL).toBe("redis://redis:6379/0");
    expect(env.GOCACHEPROG_SERVER_S3_ENDPOINT).toBe("http://s3:7070");
    expect(services.s3.command).toContain(":7070");
    expect(env.GOCACHEPROG_SERVER_S3_BUCKET).toBe(services["s3-init"].environment.BUCKET);
    expect(services.server.secrets).toEqual(["gocacheprog_tokens"]);
    expect(env.GOCACHEPROG_SERVER_TOKENS_FILE).toBe("/run/secrets/gocacheprog_tokens");
    expect(compose.secrets.gocacheprog_tokens.file).toBeDefined();
    expect(services.server.read_only).toBe(true);
    // Only the server is published; Redis and S3 stay on the compose network.
    expect(services.redis.ports).toBeUndefined();
    expect(services.s3.ports).toBeUndefined();
  });
});

describe("examples/docker-build/Dockerfile", () => {
  const stages = readDockerfile("examples/docker-build/Dockerfile");
  const build = stages.find((s) => s.name === "build") as Stage;

  it("downloads modules in their own layer before copying sources, then builds with the cache", () => {
    const steps = build.instructions.map((i) => `${i.keyword} ${i.args}`);
    const at = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s));
    expect(at(/^COPY go\.mod go\.sum \.\/$/)).toBeGreaterThan(-1);
    expect(at(/^COPY go\.mod go\.sum/)).toBeLessThan(at(/^RUN .*go mod download/));
    expect(at(/^RUN .*go mod download/)).toBeLessThan(at(/^COPY \. \./));
    expect(at(/^COPY \. \./)).toBeLessThan(at(/go build/));
    expect(steps[at(/go build/)]).toMatch(/GOCACHEPROG=\/usr\/local\/bin\/gocacheprog .*GOCACHEPROG_URL="\$\{GOCACHEPROG_URL\}"/);
    // The client from the released client image (infra/client.Dockerfile puts it at /gocacheprog).
    const copy = instructions(build, "COPY").find((c) => c.args.endsWith(" /usr/local/bin/gocacheprog"));
    expect(copy).toMatchObject({ flags: ["from=gocacheprog"], args: "/gocacheprog /usr/local/bin/gocacheprog" });
    expect(stages[0]?.name).toBe("gocacheprog");
    expect(stages[0]?.base).toMatch(/^ghcr\.io\/[a-z0-9-]+\/gocacheprog:\d+$/);
    expect(build.base).toBe("golang:1.26-bookworm");
  });

  it("downloads modules through the server's module proxy, with go's default proxy behind it on any error", () => {
    const download = instructions(build, "RUN").find((r) => r.args.includes("go mod download"));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template
    expect(download?.args).toContain('export GOPROXY="${GOCACHEPROG_URL}/gomod|$(go env GOPROXY)"');
    // The token reaches go through the client as a GOAUTH command, from the secret's file: in no URL or variable.
    expect(download?.args).toContain(
      'export GOCACHEPROG_TOKEN_FILE=/run/secrets/gocacheprog_token GOAUTH="netrc;/usr/local/bin/gocacheprog goauth"',
    );
    expect(download?.args).not.toMatch(/\$\(cat /);
    expect(download?.flags).toContain("mount=type=secret,id=gocacheprog_token");
  });

  it("passes the URL as a build arg and the token only as a BuildKit secret", () => {
    expect(keyValues(build, "ARG").has("GOCACHEPROG_URL")).toBe(true);
    expectNoSecretsInImage(stages);
    const goBuild = instructions(build, "RUN").find((r) => r.args.includes("go build"));
    expect(goBuild?.flags).toContain("mount=type=secret,id=gocacheprog_token");
    expect(goBuild?.args).toContain("GOCACHEPROG_TOKEN_FILE=/run/secrets/gocacheprog_token");
  });

  it("canonicalizes the copied sources' mtimes before go, without failing the build when it cannot", () => {
    const goBuild = instructions(build, "RUN").find((r) => r.args.includes("go build"));
    expect(goBuild?.args).toMatch(/^\/usr\/local\/bin\/gocacheprog canonicalize-mtimes \. \|\| true;/);
  });

  it("ships only the binary in a small non-root final image", () => {
    const final = stages.at(-1) as Stage;
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(final.base).toMatch(/^(gcr\.io\/distroless\/static|alpine)/);
    expect(instructions(final, "COPY").every((c) => c.flags.includes("from=build"))).toBe(true);
    expect(instructions(final, "USER")[0]?.args).toBe("nonroot:nonroot");
  });
});

describe("examples/ci", () => {
  /** A GitHub Actions expression as written in a workflow. */
  const expr = (inner: string) => ["$", `{{ ${inner} }}`].join("");

  it("GitHub Actions: the gocacheprog action, RW token on main pushes, RO and readonly for pull requests, a summary always", () => {
    // biome-ignore lint/suspicious/noExplicitAny: workflow is checked field by field
    const workflow = readYaml<any>("examples/ci/github-actions.yml");
    const { main, "pull-request": pr } = workflow.jobs;
    expect(main.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(pr.if).toBe("github.event_name == 'pull_request'");
    // biome-ignore lint/suspicious/noExplicitAny: steps are checked field by field
    const step = (job: any, uses: string) => job.steps.find((s: { uses?: string }) => s.uses?.replace(/@.*/, "") === uses);
    // One build key for both: a pull request's warm start reads the manifests main's pushes left.
    const key = ["github.repository", "runner.os", "runner.arch"].map(expr).join("-");
    expect(step(main, "YOUR-ORG/gocacheprog").with).toEqual({
      url: expr("vars.GOCACHEPROG_URL"),
      token: expr("secrets.GOCACHEPROG_TOKEN_RW"),
      goproxy: "true",
      key,
    });
    expect(step(pr, "YOUR-ORG/gocacheprog").with).toEqual({
      url: expr("vars.GOCACHEPROG_URL"),
      token: expr("secrets.GOCACHEPROG_TOKEN_RO"),
      readonly: "true",
      goproxy: "true",
      key,
    });
    for (const job of [main, pr]) {
      expect(step(job, "YOUR-ORG/gocacheprog/summary").if).toBe("always()");
      // The build cache's prefetch beside the module download, before the first go command that builds.
      const runs: string[] = job.steps.map((s: { run?: string }) => s.run ?? "");
      const warmAt = runs.findIndex((run) => run.includes("gocacheprog warm & go mod download; wait"));
      expect(warmAt).toBeGreaterThan(0);
      expect(job.steps[warmAt].shell).toBe("bash");
      expect(runs.findIndex((run) => run.startsWith("go build"))).toBeGreaterThan(warmAt);
      // The action's inputs only: anything else would be ignored by the runner with a warning.
      const inputs = Object.keys(readYaml<{ inputs: object }>("action.yml").inputs);
      for (const key of Object.keys(step(job, "YOUR-ORG/gocacheprog").with)) expect(inputs).toContain(key);
    }
    expect(Object.keys(workflow.on)).not.toContain("pull_request_target");
  });

  it("GitLab CI: the include's hidden job, the protected RW token on the default branch, the RO token on merge requests", () => {
    // biome-ignore lint/suspicious/noExplicitAny: pipeline is checked field by field
    const pipeline = readYaml<any>("examples/ci/gitlab-ci.yml");
    expect(pipeline.include[0].file).toBe("ci/gitlab/gocacheprog.yml");
    expect(Object.keys(readYaml<object>("ci/gitlab/gocacheprog.yml"))).toContain(pipeline[".go"].extends);
    expect(pipeline[".go"].image).toMatch(/^golang:1\.2[6-9]-bookworm$/);
    // The build cache's prefetch beside the module download, under one key, before the first build.
    expect(pipeline[".go"].script.slice(0, 2)).toEqual(['"$GOCACHEPROG" warm & go mod download; wait', "go build ./..."]);
    expect(pipeline.variables.GOCACHEPROG_KEY).toBe("$CI_PROJECT_PATH-go");
    expect(pipeline.variables.GOCACHEPROG_DOWNLOAD_URL).toMatch(/\/releases\/download\/v\d+\.\d+\.\d+$/);
    expect(pipeline["build:main"].rules[0].if).toContain("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH");
    expect(pipeline["build:main"].variables).toEqual({ GOCACHEPROG_TOKEN_FILE: "$GOCACHEPROG_TOKEN_RW" });
    expect(pipeline["build:merge-request"].rules[0].if).toBe('$CI_PIPELINE_SOURCE == "merge_request_event"');
    expect(pipeline["build:merge-request"].variables).toEqual({
      GOCACHEPROG_TOKEN_FILE: "$GOCACHEPROG_TOKEN_RO",
      GOCACHEPROG_READONLY: "1",
    });
    expect(pipeline.variables.GOCACHEPROG_GOPROXY).toBe("true");
  });
});
