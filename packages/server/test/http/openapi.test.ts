import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

describe("openapi.yaml", () => {
  it("documents every route of the shared contract with the statuses the server answers", async () => {
    const doc = parse(await readFile(join(import.meta.dirname, "..", "..", "openapi.yaml"), "utf8"));
    const paths = Object.keys(doc.paths);
    const asTemplate = (path: string) => path.replace(":id", "{id}").replace(/\{[a-zA-Z]+\}/, "{id}");
    for (const path of [
      routes.action(":id"),
      routes.output(":id"),
      routes.batchLookup,
      routes.batchUpload,
      routes.manifests,
      routes.prefetch,
      "/healthz",
      "/readyz",
      "/metrics",
    ]) {
      expect(paths.map(asTemplate)).toContain(asTemplate(path));
    }
    const put = doc.paths["/v1/actions/{actionId}"].put.responses;
    expect(Object.keys(put).sort()).toEqual(["201", "400", "401", "403", "409", "411", "413", "415", "429", "503", "507"]);
    expect(doc.openapi).toMatch(/^3\.1/);
  });

  it("documents the module proxy's files (GOPROXY protocol and checksum database), with text/plain errors go can print", async () => {
    const doc = parse(await readFile(join(import.meta.dirname, "..", "..", "openapi.yaml"), "utf8"));
    const files = ["@v/list", "@latest", "@v/{version}.info", "@v/{version}.mod", "@v/{version}.zip"].map((f) => `/gomod/{module}/${f}`);
    const sumdb = ["supported", "latest", "lookup/{module}@{version}", "tile/{tile}"].map((f) => `/gomod/sumdb/{name}/${f}`);
    for (const path of [...files, ...sumdb]) expect(Object.keys(doc.paths)).toContain(path);
    expect(Object.keys(doc.components.responses.GomodError.content)).toEqual(["text/plain"]);
    const purge = doc.paths["/gomod/{module}/@v/{version}"].delete.responses;
    expect(Object.keys(purge).sort()).toEqual(["204", "400", "401", "403", "404", "503"]);
  });
});
