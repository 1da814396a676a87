// Readers for the deployable files under infra/ and examples/, shared by the static checks
// (infra.test.ts) and the tests that run what those files run (infra-run.test.ts).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../harness/bins.ts";

export const infraDir = join(repoRoot, "infra");
export const chartDir = join(infraDir, "helm/gocacheprog-server");
export const helmBin = join(repoRoot, ".tools/bin/helm");
const k8sValidateBin = join(repoRoot, ".tools/bin/k8s-validate");

export interface Instruction {
  keyword: string;
  /** Leading --name=value options (RUN --mount=..., COPY --from=...). */
  flags: string[];
  args: string;
}

export interface Stage {
  base: string;
  name?: string;
  instructions: Instruction[];
}

/**
 * Dockerfile instructions with continuations joined and comments dropped, grouped by stage. Global ARGs
 * (before the first FROM) are substituted into FROM lines, as the builder does.
 */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = "";
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const keyword = (m[1] as string).toUpperCase();
    let rest = m[2] as string;
    const flags: string[] = [];
    for (let f = /^--(\S+)\s+/.exec(rest); f; f = /^--(\S+)\s+/.exec(rest)) {
      flags.push(f[1] as string);
      rest = rest.slice(f[0].length);
    }
    if (keyword === "FROM") {
      const [base = "", , name] = rest.replace(/\$\{(\w+)\}/g, (_, v: string) => globalArgs.get(v) ?? "").split(/\s+/);
      stages.push({ base, name, instructions: [] });
    } else if (stages.length === 0 && keyword === "ARG") {
      const [key = "", value = ""] = rest.split("=");
      globalArgs.set(key, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword, flags, args: rest });
    }
  }
  return stages;
}

export function readDockerfile(path: string): Stage[] {
  return parseDockerfile(readFileSync(join(repoRoot, path), "utf8"));
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** ENV/ARG key=value pairs of one stage (quotes removed). */
export function keyValues(stage: Stage, keyword: "ENV" | "ARG"): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const { args } of instructions(stage, keyword)) {
    for (const m of args.matchAll(/(\w+)(?:=("[^"]*"|\S*))?/g)) pairs.set(m[1] as string, (m[2] ?? "").replace(/^"|"$/g, ""));
  }
  return pairs;
}

/** LABEL key="value" pairs of one stage (keys may hold dots, as OCI annotation keys do). */
export function labels(stage: Stage): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const { args } of instructions(stage, "LABEL")) {
    for (const m of args.matchAll(/([\w.-]+)=("[^"]*"|\S+)/g)) pairs.set(m[1] as string, (m[2] as string).replace(/^"|"$/g, ""));
  }
  return pairs;
}

/** An exec-form (JSON array) CMD, HEALTHCHECK CMD or ENTRYPOINT. */
export function execForm(args: string): string[] {
  const json = args.replace(/^(?:--\S+\s+)*CMD\s+/, "");
  return JSON.parse(json) as string[];
}

export function readYaml<T = unknown>(path: string): T {
  // Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
  return parse(readFileSync(join(repoRoot, path), "utf8"), { merge: true }) as T;
}

function tool(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run bash scripts/install-test-deps.sh`);
  return path;
}

/** `helm template` of the chart with these values files (under the chart dir) and --set pairs. */
export function renderChart(valuesFiles: string[], set: Record<string, string> = {}): K8sObject[] {
  const args = [
    "template",
    "gocacheprog",
    chartDir,
    "--namespace",
    "gocacheprog",
    ...valuesFiles.flatMap((f) => ["-f", join(chartDir, f)]),
  ];
  for (const [key, value] of Object.entries(set)) args.push("--set", `${key}=${value}`);
  const out = execFileSync(tool(helmBin), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Why `helm template` refuses these values (its stderr), or "" when it renders. */
export function chartRefusal(set: Record<string, string>): string {
  const args = ["template", "gocacheprog", chartDir, ...Object.entries(set).flatMap(([k, v]) => ["--set", `${k}=${v}`])];
  const run = spawnSync(tool(helmBin), args, { encoding: "utf8" });
  return run.status === 0 ? "" : run.stderr;
}

export interface Validation {
  kind: string;
  name: string;
  status: "ok" | "invalid" | "unknown";
  error?: string;
}

/**
 * Each object decoded strictly into the Go types of k8s.io/api (test/k8s-validate): unknown or misspelled
 * fields and wrong types fail, as on an API server; no cluster needed. CRD kinds come back "unknown".
 */
export function validateObjects(objects: K8sObject[]): Validation[] {
  const input = objects.map((o) => JSON.stringify(o)).join("\n---\n");
  const run = spawnSync(tool(k8sValidateBin), [], { input, encoding: "utf8" });
  if (run.status === 2) throw new Error(`k8s-validate: ${run.stderr}`);
  return run.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Validation);
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in the tests
  [key: string]: any;
};

export function byKind(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as K8sObject;
}

/** Compose-style ${VAR}, ${VAR:-default}, ${VAR:?error} and $$ interpolation. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === "$$") return "$";
    const current = vars[name as string];
    if (current !== undefined && current !== "") return current;
    if (op === "?") throw new Error(`compose: ${name} is required: ${arg}`);
    return op === "-" ? (arg ?? "") : "";
  });
}
