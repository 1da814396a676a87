import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import { removeOnExit } from "./child-server.ts";
import { getFreePort } from "./ports.ts";

/**
 * An HTTPS front for a server under test, as an ingress would be: go sends credentials (URL
 * userinfo, .netrc, GOAUTH) only over HTTPS. The certificate comes from Go's own
 * crypto/tls/generate_cert.go; go trusts it through SSL_CERT_FILE.
 */

export interface TlsProxy {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** For SSL_CERT_FILE. */
  certFile: string;
  close(): Promise<void>;
}

let certificate: { certFile: string; keyFile: string } | undefined;

function loopbackCertificate(): { certFile: string; keyFile: string } {
  if (certificate) return certificate;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gcp-tls-"));
  removeOnExit(dir);
  const goroot = execFileSync("go", ["env", "GOROOT"], { env: { ...process.env, GOTOOLCHAIN: "local" }, encoding: "utf8" }).trim();
  execFileSync("go", ["run", path.join(goroot, "src/crypto/tls/generate_cert.go"), "--host", "127.0.0.1", "--ca", "--duration", "24h"], {
    cwd: dir,
    env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "", GOENV: "off", GO111MODULE: "off" },
    stdio: "ignore",
  });
  certificate = { certFile: path.join(dir, "cert.pem"), keyFile: path.join(dir, "key.pem") };
  return certificate;
}

export async function startTlsProxy(targetPort: number): Promise<TlsProxy> {
  const { certFile, keyFile } = loopbackCertificate();
  const port = await getFreePort();
  const sockets = new Set<Duplex>();
  const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
    const forward = http.request(
      { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once("error", (err) => res.destroy(err));
    req.pipe(forward);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    certFile,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
