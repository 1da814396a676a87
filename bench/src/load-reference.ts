import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

/**
 * The load test's reference row: the least a Node server can do to answer a 1 MiB hit. A plain
 * node:http server (no framework, no auth, no index, no checksum) that streams a file from disk,
 * run in its own process like the real server. GET /<n> answers file <n> of the directory given in
 * argv; it prints its port once listening.
 */
const dir = process.argv[2]!;

const server = createServer((req, res) => {
  const name = (req.url ?? "/").slice(1);
  if (!/^\d{1,4}$/.test(name)) {
    res.writeHead(404).end();
    return;
  }
  const path = join(dir, name);
  stat(path).then(
    (info) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": info.size });
      createReadStream(path).pipe(res);
    },
    () => res.writeHead(404).end(),
  );
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
process.once("SIGTERM", () => process.exit(0));
