import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/ops/config.ts";
import { printStatus } from "../../src/status/cli.ts";

describe("gocacheprog-server status --status-url with a path (server behind a prefix-stripping proxy)", () => {
  it("asks <base>/v1/status, as the client asks <base>/v1/sessions", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? "");
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"nope"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { options } = parseCommandLine(["status", "--status-url", `http://127.0.0.1:${port}/cache`], {});
      await printStatus(options, () => {});
      expect(seen).toEqual(["/cache/v1/status"]);
    } finally {
      server.close();
    }
  });
});
