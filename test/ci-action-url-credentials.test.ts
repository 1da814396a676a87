// action/setup.sh with user:password@ in a URL input (a release mirror behind Basic auth, a server behind a
// proxy that wants it): the step's log names the URL in its errors and warnings, but never the password.
// GitHub masks registered secrets only; a password from another step's output or a vault is not one.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBundle } from "./harness/bins.ts";
import { ciWorkspace, makeRelease } from "./harness/ci-runner.ts";

const SECRET = "s3cr3t-XYZ";
const { release, runSetup, remove } = ciWorkspace();

beforeAll(() => makeRelease(release, clientBundle));
afterAll(() => remove());

/** A local port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("action/setup.sh with credentials in a URL", () => {
  it("a download-url that fails is named without its password", async () => {
    const mirror = `http://mirror:${SECRET}@127.0.0.1:${await closedPort()}/releases`;
    const run = runSetup("mirror", { "download-url": mirror, "canonicalize-mtimes": "false" });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("downloading http://127.0.0.1:");
    expect(run.stdout).not.toContain(SECRET);
  });

  it("the plain-http warning names the server without its password", () => {
    const url = `http://ci:${SECRET}@127.0.0.1:1`;
    const run = runSetup("server", { "download-url": `file://${release}`, "canonicalize-mtimes": "false", url, goproxy: "true" });
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toContain("go sends no credentials over plain http: http://127.0.0.1:1/gomod");
    expect(run.stdout).not.toContain(SECRET);
  });
});
