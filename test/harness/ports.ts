import { createServer } from "node:net";

/**
 * A port the kernel just handed out on loopback. Another process could take it before the caller
 * binds, but tests start their servers right away, so the window is tiny in practice.
 */
export async function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port of a loopback listener"));
        return;
      }
      const port = address.port;
      server.close(() => resolve(port));
    });
  });
}
