// Readers for the deployable files under infra/ and examples/, shared by the static checks
// (infra.test.ts) and the tests that run what those files run (infra-run.test.ts).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../harness/bins.ts";

export const infraDir = join(repoRoot, "infra");
export const k8sDir = join(infraDir, "k8s");

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

/** Rendered by `kubectl kustomize`, which works offline (apply/create --dry-run=client need an API server). */
export function renderKustomization(): K8sObject[] {
  const out = execFileSync("kubectl", ["kustomize", k8sDir], { encoding: "utf8" });
  return parseAllDocuments(out).map((doc) => doc.toJS() as K8sObject);
}

/**
 * The same rendering done here (resources, namespace, image tags: all this kustomization uses), so the
 * manifest checks do not hinge on kubectl; one test compares it with kubectl's own output.
 */
export function loadKustomization(): K8sObject[] {
  const kustomization = readYaml<{ namespace: string; resources: string[]; images: { name: string; newTag: string }[] }>(
    "infra/k8s/kustomization.yaml",
  );
  const objects = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(k8sDir, file), "utf8")).map((doc) => doc.toJS() as K8sObject),
  );
  const retag = (container: { image: string }) => {
    const [name = ""] = container.image.split(":");
    const tag = kustomization.images.find((i) => i.name === name)?.newTag;
    if (tag) container.image = `${name}:${tag}`;
  };
  for (const object of objects) {
    if (object.kind !== "Namespace") object.metadata.namespace = kustomization.namespace;
    const pod = object.spec?.template?.spec ?? object.spec?.jobTemplate?.spec?.template?.spec;
    for (const container of pod?.containers ?? []) retag(container);
  }
  return objects;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in the tests
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: any };

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
