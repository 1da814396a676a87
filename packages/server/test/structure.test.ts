import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The layout rules of the project, checked instead of remembered: no import cycle in any package's
// sources, and no file of any package above 300 lines.
const PACKAGES = resolve(import.meta.dirname, "..", "..");
const MAX_LINES = 300;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.split("/").includes("gen"));
}

/** Relative imports and re-exports (static and dynamic) of one file, resolved to paths. */
function localImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)["'](\.[^"']+)["']/gm)].map((m) => m[1]!);
  return specifiers.map((spec) => resolve(dirname(file), spec)).filter((path) => path.endsWith(".ts"));
}

/** One import cycle as a list of files (first = last), or null. */
export function findCycle(files: readonly string[]): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "open");
    stack.push(file);
    for (const next of localImports(file)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

describe("source layout", () => {
  const packages = readdirSync(PACKAGES).filter((name) => !name.startsWith("."));

  it.each(packages)("packages/%s/src has no import cycle", (name) => {
    const cycle = findCycle(tsFiles(join(PACKAGES, name, "src")));
    expect(cycle?.map((file) => relative(PACKAGES, file)) ?? null).toBeNull();
  });

  it("finds a cycle when there is one", () => {
    const fixture = join(import.meta.dirname, "support", "cycle");
    expect(findCycle(tsFiles(fixture))?.map((file) => relative(fixture, file))).toEqual(["a.ts", "b.ts", "a.ts"]);
  });

  it.each(["server", "common", "cacheprog-client"])(`packages/%s has no source or test file above ${MAX_LINES} lines`, (name) => {
    const files = [...tsFiles(join(PACKAGES, name, "src")), ...tsFiles(join(PACKAGES, name, "test"))];
    const long = files
      .map((file) => ({ file: relative(PACKAGES, file), lines: readFileSync(file, "utf8").split("\n").length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
