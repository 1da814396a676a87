// The GitHub workflows, checked statically (no runner here): actionlint (with shellcheck on every `run:`)
// over .github/workflows and the CI recipe in examples/ci, the release workflow's consistency with the
// files it builds from, and the release gate script that every release starts with.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./harness/bins.ts";
import { instructions, readDockerfile, readYaml, type Stage } from "./infra/files.ts";

const actionlint = join(repoRoot, ".tools/bin/actionlint");
const workflowDir = join(repoRoot, ".github/workflows");
const work = mkdtempSync(join(tmpdir(), "gcp-workflows-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: workflows are checked field by field
type Workflow = any;

describe("actionlint", () => {
  it("finds nothing in the workflows and the CI recipe, with shellcheck checking their scripts", () => {
    if (!existsSync(actionlint)) throw new Error(`${actionlint} is missing: run bash scripts/install-test-deps.sh`);
    expect(spawnSync("shellcheck", ["--version"]).status, "shellcheck (scripts/install-test-deps.sh installs it)").toBe(0);
    const files = readdirSync(workflowDir).map((f) => join(workflowDir, f));
    expect(files.map((f) => f.split("/").at(-1)).sort()).toEqual(["ci.yml", "release.yml"]);
    const run = spawnSync(actionlint, ["-no-color", ...files, join(repoRoot, "examples/ci/github-actions.yml")], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("fails on a broken workflow (so a clean run means something)", () => {
    const broken = join(work, "broken.yml");
    const expression = ["$", "{{ github.nosuchthing }}"].join("");
    const text = `on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${expression}\n`;
    writeFileSync(broken, text);
    const run = spawnSync(actionlint, ["-no-color", broken], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/nosuchthing/);
  });
});

describe("release workflow", () => {
  const release: Workflow = readYaml(".github/workflows/release.yml");
  const jobs = release.jobs;
  const steps = (job: string): { uses?: string; run?: string; with?: Record<string, string> }[] => jobs[job].steps;
  const useOf = (job: string, action: string) => steps(job).find((s) => s.uses?.startsWith(`${action}@`));

  it("runs on version tags with read-only default permissions, widening them per job", () => {
    expect(release.on).toEqual({ push: { tags: ["v*.*.*"] } });
    expect(release.permissions).toEqual({ contents: "read" });
    expect(jobs["github-release"].permissions).toEqual({ contents: "write" });
    expect(jobs.npm.permissions).toEqual({ contents: "read", "id-token": "write" });
    for (const job of ["client-image", "server-image", "chart"]) expect(jobs[job].permissions.packages).toBe("write");
    // Everything waits for the gate that checks the tag against the versions and the CHANGELOG.
    for (const [name, job] of Object.entries<Workflow>(jobs)) if (name !== "version") expect([job.needs].flat()).toContain("version");
    expect(
      steps("version")
        .map((s) => s.run ?? "")
        .join("\n"),
    ).toContain("scripts/release-version.mjs");
  });

  it("builds the exe natively for amd64 and arm64 and publishes exactly the names the consumers download", () => {
    const archs = jobs.exe.strategy.matrix.include.map((m: { arch: string; runner: string }) => [m.arch, m.runner]);
    expect(archs).toEqual([
      ["amd64", "ubuntu-24.04"],
      ["arm64", "ubuntu-24.04-arm"],
    ]);
    expect(steps("exe").map((s) => s.run ?? "")).toContain("npm run build:exe");
    const published = steps("github-release")
      .map((s) => s.run ?? "")
      .join("\n");
    for (const asset of ["gocacheprog-linux-amd64", "gocacheprog-linux-arm64", "SHA256SUMS"])
      expect(published).toContain(`release/${asset}`);
    expect(published).toContain("sha256sum --check SHA256SUMS");
    // The names the action, the GitLab include and the client image expect.
    for (const consumer of ["action/setup.sh", "ci/gitlab/gocacheprog.yml"]) {
      const text = readFileSync(join(repoRoot, consumer), "utf8");
      expect(text, consumer).toMatch(/gocacheprog-linux-\$\{?(arch|gcp_arch)/);
      expect(text, consumer).toContain("SHA256SUMS");
    }
    const [copy] = instructions(readDockerfile("infra/client.Dockerfile")[0] as Stage, "COPY");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build arg
    expect(copy?.args).toContain("gocacheprog-linux-${TARGETARCH}");
  });

  it("pushes both images for both platforms with OCI labels and the version, commit and source", () => {
    for (const [job, file, image] of [
      ["client-image", "infra/client.Dockerfile", "gocacheprog"],
      ["server-image", "infra/server.Dockerfile", "gocacheprog-server"],
    ] as const) {
      const build = useOf(job, "docker/build-push-action")?.with ?? {};
      expect(build["file"]).toBe(file);
      expect(build["platforms"]).toBe("linux/amd64,linux/arm64");
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression
      expect(build["labels"]).toBe("${{ steps.meta.outputs.labels }}");
      for (const arg of ["VERSION=", "REVISION=", "SOURCE="]) expect(build["build-args"]).toContain(arg);
      expect(useOf(job, "docker/metadata-action")?.with?.["images"]).toMatch(new RegExp(`^ghcr\\.io/.*/${image}$`));
    }
  });

  it("publishes both npm packages with provenance, and the chart", () => {
    const publish = steps("npm")
      .map((s) => s.run ?? "")
      .join("\n");
    expect(publish).toMatch(/npm publish -w gocacheprog -w gocacheprog-server --access public --provenance/);
    const chart = steps("chart")
      .map((s) => s.run ?? "")
      .join("\n");
    expect(chart).toContain("helm package infra/helm/gocacheprog-server");
    expect(chart).toMatch(/helm push .* "oci:\/\//);
  });

  it("points the published chart at the image it pushed (the values rewrite matches values.yaml)", () => {
    const script = steps("chart")
      .map((s) => s.run ?? "")
      .join("\n");
    const rewrite = script.slice(script.indexOf("sed -i"), script.indexOf("\n", script.indexOf("grep -q")));
    const copy = join(work, "values.yaml");
    writeFileSync(copy, readFileSync(join(repoRoot, "infra/helm/gocacheprog-server/values.yaml")));
    const run = spawnSync("bash", ["-c", rewrite.replaceAll("infra/helm/gocacheprog-server/values.yaml", copy)], {
      env: { PATH: process.env["PATH"] ?? "", GITHUB_REPOSITORY_OWNER: "Some-Org" },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(copy, "utf8")).toMatch(/^ {2}repository: ghcr\.io\/some-org\/gocacheprog-server$/m);
  });
});

describe("scripts/release-version.mjs", () => {
  const gate = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, "scripts/release-version.mjs"), ...args], { cwd: work, encoding: "utf8" });
  const version = (JSON.parse(readFileSync(join(repoRoot, "packages/server/package.json"), "utf8")) as { version: string }).version;

  /** The files the gate reads, copied into a tree of their own, with the CHANGELOG given. */
  const tree = (label: string, changelog: string) => {
    const dir = join(work, label);
    for (const file of [
      "packages/cacheprog-client/package.json",
      "packages/server/package.json",
      "infra/helm/gocacheprog-server/Chart.yaml",
    ]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(repoRoot, file), join(dir, file));
    }
    writeFileSync(join(dir, "CHANGELOG.md"), changelog);
    return dir;
  };

  it("accepts the tag of the current version and writes its CHANGELOG section as the notes", () => {
    const notes = join(work, "notes.md");
    const changelog = `# Changelog\n\n## Unreleased\n\n### Added\n\n## ${version} - 2026-12-01\n\n### Added\n\n- Everything so far, and more.\n`;
    const run = gate(`v${version}`, "--notes", notes, "--root", tree("released", changelog));
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${version}\n`);
    expect(readFileSync(notes, "utf8")).toContain("Everything so far");
  });

  it("refuses a tag while changes wait under Unreleased: they would ship without their notes", () => {
    const changelog = `# Changelog\n\n## Unreleased\n\n### Fixed\n\n- Something new.\n\n## ${version} - 2026-11-22\n\n- First.\n`;
    const run = gate(`v${version}`, "--root", tree("pending", changelog));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('entries under "## Unreleased"');
  });

  it("refuses another version, naming every file that disagrees, and a tag that is no version", () => {
    const run = gate("v99.0.0");
    expect(run.status).toBe(1);
    for (const where of [
      "packages/cacheprog-client/package.json",
      "packages/server/package.json",
      "Chart.yaml version",
      "Chart.yaml appVersion",
      "CHANGELOG.md",
    ])
      expect(run.stderr).toContain(where);
    expect(gate("latest").status).toBe(1);
  });
});
