import { connect, type Socket } from "node:net";
import { headers, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { MAX_BATCH_UPLOAD_BYTES } from "@gocacheprog/common/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKENS } from "../support/fakes.ts";
import { randomId, startTestServer } from "../support/real-server.ts";

// Every upload route (PUT of one output, POST of a batch) is refused before its body when the
// refusal needs none; hardening.test.ts covers the PUT's token and size cases in detail.
const TEAM = `${TOKENS.writer} read-write team-a,${TOKENS.reader} read team-a`;
type TestServer = Awaited<ReturnType<typeof startTestServer>>;
let server: TestServer;
/** --max-in-flight 1: one request held open sheds every other. */
let narrow: TestServer;

beforeAll(async () => {
  server = await startTestServer(["--tokens", TEAM, "--max-body", "4MiB", "--headers-timeout", "5s", "--request-timeout", "5s"]);
  narrow = await startTestServer(["--tokens", TEAM, "--max-in-flight", "1", "--headers-timeout", "5s", "--request-timeout", "5s"]);
});
afterAll(async () => {
  await server?.close();
  await narrow?.close();
});

/** Sends raw request headers and collects everything the server writes until it closes the connection. */
function rawExchange(url: string, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), "127.0.0.1", () => socket.write(head));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      // A server that invited the body would now wait for it: that answer is the failure, so stop here.
      if (text.includes("100 Continue")) socket.end();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
  });
}

function uploadHead(kind: "batch" | "put", token: string | undefined, length: number): string {
  const [start, extra] =
    kind === "batch"
      ? [`POST ${routes.batchUpload} HTTP/1.1`, `Content-Type: ${PROTOBUF_CONTENT_TYPE}`]
      : [`PUT ${routes.action(randomId())} HTTP/1.1`, `${headers.outputId}: ${randomId()}`];
  const auth = token ? [`Authorization: Bearer ${token}`] : [];
  return [start, "Host: 127.0.0.1", ...auth, extra, `Content-Length: ${length}`, "Expect: 100-continue", "", ""].join("\r\n");
}

describe("Expect: 100-continue on the batch upload", () => {
  it("refuses a read-only token (403), a missing one (401) and a body over the batch limit (413) before any body is sent", async () => {
    const readOnly = await rawExchange(server.url, uploadHead("batch", TOKENS.reader, 1000));
    expect(readOnly).toMatch(/^HTTP\/1\.1 403 /);
    expect(readOnly).toContain("read-only");
    expect(await rawExchange(server.url, uploadHead("batch", undefined, 1000))).toMatch(/^HTTP\/1\.1 401 /);
    const tooBig = await rawExchange(server.url, uploadHead("batch", TOKENS.writer, MAX_BATCH_UPLOAD_BYTES + 1));
    expect(tooBig).toMatch(/^HTTP\/1\.1 413 /);
    expect(tooBig).toContain(`limit of ${MAX_BATCH_UPLOAD_BYTES} bytes`);
  });

  it("invites a writer's batch within the limit", async () => {
    expect(await rawExchange(server.url, uploadHead("batch", TOKENS.writer, 1000))).toMatch(/^HTTP\/1\.1 100 Continue/);
  });
});

describe("Expect: 100-continue under load", () => {
  it("sheds a PUT and a batch upload with 503 and Retry-After before their bodies, while the one slot is taken", async () => {
    // A PUT whose body never comes holds the only in-flight slot until its request timeout.
    const holder: Socket = connect(Number(new URL(narrow.url).port), "127.0.0.1");
    await new Promise((resolve) => holder.once("connect", resolve));
    holder.write(uploadHead("put", TOKENS.writer, 1000).replace("Expect: 100-continue\r\n", ""));
    try {
      await waitForInFlight(narrow.url, 1);
      for (const kind of ["put", "batch"] as const) {
        const reply = await rawExchange(narrow.url, uploadHead(kind, TOKENS.writer, 1000));
        expect(reply, kind).toMatch(/^HTTP\/1\.1 503 /);
        expect(reply, kind).toMatch(/\r\nretry-after: 1\r\n/i);
      }
    } finally {
      holder.destroy();
    }
  });
});

/** Polls /metrics (a probe: never shed) until `count` requests are in flight. */
async function waitForInFlight(url: string, count: number): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (new RegExp(`^gocacheprog_requests_in_flight ${count}$`, "m").test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
