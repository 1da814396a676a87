// Release gate: `node scripts/release-version.mjs vX.Y.Z [--notes <file>] [--root <dir>]` checks that the
// tag names the version every released thing carries (both npm packages, the Helm chart and its
// appVersion) and that CHANGELOG.md has a section for it and nothing left under "## Unreleased" (those
// changes would ship without their notes); prints the version, and writes that section as the release
// notes. Exits 1 with the mismatches otherwise, before anything is built or published.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ options: { notes: { type: "string" }, root: { type: "string" } }, allowPositionals: true });
const root = values.root ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const tag = positionals[0] ?? "";
const version = /^v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag)?.[1];
if (!version) {
  console.error(`release-version: ${JSON.stringify(tag)} is not a tag of the form vX.Y.Z[-pre]`);
  process.exit(1);
}

const read = (path) => readFileSync(join(root, path), "utf8");
const chart = read("infra/helm/gocacheprog-server/Chart.yaml");
const chartField = (field) => new RegExp(`^${field}:\\s*"?([^"\\s]+)"?\\s*$`, "m").exec(chart)?.[1];
const found = {
  "packages/cacheprog-client/package.json": JSON.parse(read("packages/cacheprog-client/package.json")).version,
  "packages/server/package.json": JSON.parse(read("packages/server/package.json")).version,
  "infra/helm/gocacheprog-server/Chart.yaml version": chartField("version"),
  "infra/helm/gocacheprog-server/Chart.yaml appVersion": chartField("appVersion"),
};
const problems = Object.entries(found)
  .filter(([, v]) => v !== version)
  .map(([where, v]) => `${where} says ${v}`);

// "## X.Y.Z - date" up to the next "## " heading.
const changelog = read("CHANGELOG.md");
const heading = new RegExp(`^## \\[?${version.replaceAll(".", "\\.")}\\]?(?: - .*)?$`, "m").exec(changelog);
let notes = "";
if (!heading) problems.push(`CHANGELOG.md has no "## ${version} - <date>" section`);
else {
  const rest = changelog.slice(heading.index + heading[0].length);
  const next = rest.search(/^## /m);
  notes = (next === -1 ? rest : rest.slice(0, next)).trim();
}

// "## Unreleased" up to the next "## " heading must hold nothing but its own empty subheadings.
const unreleased = /^## \[?Unreleased\]?\s*$/im.exec(changelog);
if (unreleased) {
  const rest = changelog.slice(unreleased.index + unreleased[0].length);
  const next = rest.search(/^## /m);
  const entries = (next === -1 ? rest : rest.slice(0, next)).split("\n").filter((line) => line.trim() && !/^### /.test(line));
  if (entries.length > 0)
    problems.push(
      `CHANGELOG.md has entries under "## Unreleased": they would ship without their notes: give them a version's section before tagging`,
    );
}

if (problems.length > 0) {
  console.error(`release-version: tag ${tag} does not match:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
if (values.notes) writeFileSync(values.notes, `${notes}\n`);
console.log(version);
