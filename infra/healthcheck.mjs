// Container HEALTHCHECK: GET /healthz on the address the server was told to listen on.
// The image has no curl or wget; node is already there. Exit 0 = healthy.
const listen = process.env.GOCACHEPROG_SERVER_LISTEN ?? "127.0.0.1:8080";
const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
if (!match) {
  console.error(`healthcheck: cannot parse GOCACHEPROG_SERVER_LISTEN=${JSON.stringify(listen)}`);
  process.exit(1);
}
const bound = match[1] ?? match[2] ?? "";
// A wildcard bind is reachable on loopback; the wildcard address itself is not a destination.
const host = bound === "" || bound === "0.0.0.0" ? "127.0.0.1" : bound === "::" ? "[::1]" : bound.includes(":") ? `[${bound}]` : bound;
try {
  const res = await fetch(`http://${host}:${match[3]}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
