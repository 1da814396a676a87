import { readFile } from "node:fs/promises";
import { ConfigError, isBearerToken } from "@gocacheprog/common";
import { parseListen, type ServerOptions } from "../ops/config.ts";
import { percent } from "./chart.ts";
import { bytes, count } from "./page.ts";
import type { StatusReport } from "./report.ts";

/** `gocacheprog-server status`: the running server's /v1/status, as text. Exit 1 when it cannot be had. */
export async function printStatus(options: ServerOptions, out: (text: string) => void): Promise<number> {
  const base = options.statusUrl || listenUrl(options.listen);
  let token: string | undefined;
  if (options.statusTokenFile) {
    try {
      token = (await readFile(options.statusTokenFile, "utf8")).trim();
    } catch (err) {
      throw new ConfigError(`cannot read --status-token-file ${options.statusTokenFile}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    // A file of several tokens (the server's tokens file) is no bearer token: fetch's error would print it.
    if (token && !isBearerToken(token)) {
      throw new ConfigError(
        `--status-token-file ${options.statusTokenFile} does not hold one token (whitespace or control characters inside)`,
      );
    }
  }
  // A path in --status-url (a proxy serving the server under a prefix) stays in front of the route.
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/status`;
  // fetch refuses a URL with credentials and its error quotes the whole URL: they go in a header
  // instead (a proxy's Basic auth in front of the server), and never into a message.
  const basic =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`
      : undefined;
  url.username = "";
  url.password = "";
  const authorization = token ? `Bearer ${token}` : basic;
  let res: Response;
  try {
    res = await fetch(url, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    process.stderr.write(`gocacheprog-server status: ${url.origin} did not answer: ${(err as Error).message}\n`);
    return 1;
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    process.stderr.write(`gocacheprog-server status: HTTP ${res.status}: ${body.error ?? res.statusText}\n`);
    return 1;
  }
  out(formatStatus((await res.json()) as StatusReport));
  return 0;
}

function listenUrl(listen: string): string {
  const { host, port } = parseListen(listen);
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/** The same figures as the page, as aligned text. */
export function formatStatus(r: StatusReport): string {
  const lines: string[] = [];
  const t = r.totals;
  lines.push(`gocacheprog-server ${r.version}, up since ${r.startedAt}; ${r.scope === "all" ? "all namespaces" : `namespace ${r.scope}`}`);
  lines.push(
    `entries ${count(t.entries)}, stored ${bytes(t.bytes)}; hit rate last hour ${percent(t.lastHour.hitRate)} (${count(t.lastHour.lookups)} lookups), last day ${percent(t.lastDay.hitRate)} (${count(t.lastDay.lookups)}); last day in ${bytes(t.lastDay.bytesIn)}, out ${bytes(t.lastDay.bytesOut)}`,
  );
  lines.push(`(hit rates and bytes: ${r.countersKept})`, "", "namespace            entries      stored   hit 1 h  hit 24 h  lookups 24 h");
  for (const n of r.namespaces) {
    lines.push(
      `${n.name.padEnd(18)} ${count(n.entries).padStart(9)} ${bytes(n.bytes).padStart(11)} ${percent(n.lastHour.hitRate).padStart(9)} ${percent(n.lastDay.hitRate).padStart(9)} ${count(n.lastDay.lookups).padStart(13)}`,
    );
  }
  lines.push("", "build keys:");
  if (r.buildKeys.length === 0) lines.push("  none yet");
  for (const k of r.buildKeys) {
    const s = k.sessions[0];
    lines.push(
      `  ${k.namespace} ${k.buildKey}: last ${s ? new Date(s.atMs).toISOString() : "-"}, ${s?.hits ?? 0} hits, ${s?.misses ?? 0} misses, prefetch used ${s?.prefetchUsed ?? "-"}, took ${s?.durationMs === undefined ? "-" : `${(s.durationMs / 1000).toFixed(1)} s`}, saved ${s?.savedMs === undefined ? "-" : `${(s.savedMs / 1000).toFixed(1)} s`}`,
    );
  }
  const m = r.moduleProxy;
  if (m) {
    const answers = Object.entries(m.requests).map(([k, v]) => `${k} ${count(v)}`);
    lines.push(
      "",
      `module proxy: ${count(m.files)} files, ${bytes(m.bytes)}; answers ${answers.join(", ") || "none"}; ${bytes(m.bytesToGo)} to go, ${bytes(m.bytesFromUpstream)} from upstream`,
    );
  }
  lines.push(
    "",
    `backends: ${r.backends.map((b) => `${b.name} (${b.kind}) ${b.healthy ? "healthy" : `DOWN${b.error ? `: ${b.error}` : ""}`}`).join("; ")}`,
  );
  lines.push(
    `gc: ${r.gc.runs.length === 0 ? "no run in this replica yet" : r.gc.runs.map((g) => `${g.startedAt} ${g.durationMs} ms${g.error ? ` (${g.error})` : ""}`).join("; ")}`,
  );
  return `${lines.join("\n")}\n`;
}
