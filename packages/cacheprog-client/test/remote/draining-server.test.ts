// A rolling update sends the old replica SIGTERM while a build keeps asking. server.close() closes
// the connections it sees idle at once, and a connection between two of go's back-to-back lookups
// looks idle: the next lookup, already on its way on it (waiting in the pool for that connection, as
// go's requests do when every connection is busy), meets a reset before any answer. Nothing reached
// the server, so it is sent again on a new connection (behind a balancer: another replica); here the
// listener is gone, so that attempt is refused, which is all a lookup may fail with.
import { expect, it } from "vitest";
import { startTestServer } from "../../../server/test/support/real-server.ts";
import { RemoteClient } from "../../src/remote/http.ts";

it("sends a lookup again when a draining server closes its busy keep-alive connection under it", async () => {
  const server = await startTestServer();
  const client = new RemoteClient({ url: server.url, timeoutMs: 5000, connections: 1, uploadConnections: 1 });
  const noSink = () => {
    throw new Error("a 404 opens no sink");
  };
  let stop = false;
  const failures: string[] = [];
  // go's lookups, one after another on one connection, until the server stops taking them.
  const asking = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        await client.lookup(i.toString(16).padStart(64, "0"), noSink);
      } catch (err) {
        failures.push((err as Error).message);
        if (/ECONNREFUSED/.test((err as Error).message)) return;
      }
    }
  })();
  try {
    await client.lookup("ff".repeat(32), noSink);
    await server.close();
    stop = true;
    await asking;
    // Only a connection refused (the listener is gone), never one cut under a lookup.
    expect(failures.filter((f) => !/ECONNREFUSED/.test(f))).toEqual([]);
  } finally {
    stop = true;
    await client.close();
  }
});
