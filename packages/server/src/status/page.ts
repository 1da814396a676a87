import { html } from "hono/html";
import { hitRateChart, percent } from "./chart.ts";
import type { StatusReport, Window } from "./report.ts";

/** No script at all; styles inline. The CSP says so, so an injected tag could not run either. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:16px;color:#1b1f24;background:#fafbfc}
h1{font-size:20px;margin:0}h2{font-size:16px;margin:24px 0 8px}
header{display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap}
.muted{color:#57606a}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{fill:#2da44e}.grid{stroke:#d0d7de}.axis{font-size:10px;fill:#57606a}
.ok{color:#1a7f37}.down{color:#cf222e;font-weight:bold}
form.inline{display:inline}button{font:inherit}
input[type=password]{font:inherit;width:320px;max-width:100%}
`;

function layout(title: string, body: unknown) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

/** The form posts the token once; the answer sets an HttpOnly cookie, so it never travels in a URL. */
export function signInPage(message?: string) {
  return layout(
    "gocacheprog: sign in",
    html`<h1>gocacheprog</h1>
<p>Sign in with a cache token (a namespace's read token shows that namespace; an admin token all of them).</p>
${message ? html`<p class="down" id="sign-in-error">${message}</p>` : ""}
<form method="post" action="/signin"><label>Token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`,
  );
}

export function statusPage(report: StatusReport, signedIn: boolean) {
  const t = report.totals;
  const card = (label: string, figure: string, value: string) =>
    html`<div class="card">${label}<b data-figure="${figure}">${value}</b></div>`;
  return layout(
    "gocacheprog status",
    html`<header><div><h1>gocacheprog status</h1>
<span class="muted">${report.scope === "all" ? "all namespaces" : html`namespace <b>${report.scope}</b>`} · server ${report.version} · up since ${report.startedAt} · ${report.generatedAt}</span></div>
${signedIn ? html`<form class="inline" method="post" action="/signout"><button type="submit">Sign out</button></form>` : ""}</header>
<div class="cards">
${card("Entries", "entries", count(t.entries))}${card("Stored", "bytes", bytes(t.bytes))}
${card("Hit rate, last hour", "hit-rate-hour", percent(t.lastHour.hitRate))}${card("Hit rate, last day", "hit-rate-day", percent(t.lastDay.hitRate))}
${card("Bytes in, last day", "bytes-in", bytes(t.lastDay.bytesIn))}${card("Bytes out, last day", "bytes-out", bytes(t.lastDay.bytesOut))}
</div>
<h2>Hit rate over the last day</h2>${hitRateChart(report.hitRateSeries)}
<p class="muted">Hit rates and bytes: ${report.countersKept}. Entries and stored bytes: shared by all replicas.</p>
<h2>Namespaces</h2>${namespaceTable(report)}
<h2>Build keys and their last sessions</h2>${buildKeys(report)}
<h2>Module proxy</h2>${moduleProxy(report)}
<h2>Backends</h2><ul>${report.backends.map(
      (b) =>
        html`<li>${b.name} (${b.kind}): <span class="${b.healthy ? "ok" : "down"}" data-backend="${b.name}">${b.healthy ? "healthy" : "down"}</span>${b.error ? html` — ${b.error}` : ""}</li>`,
    )}</ul>
<h2>Garbage collection</h2>${gcRuns(report)}`,
  );
}

function namespaceTable(report: StatusReport) {
  const row = (name: string, entries: number, stored: number, hour: Window, day: Window, attr: string) =>
    html`<tr data-namespace="${attr}"><td>${name}</td><td class="n">${count(entries)}</td><td class="n">${bytes(stored)}</td><td class="n">${percent(hour.hitRate)}</td><td class="n">${percent(day.hitRate)}</td><td class="n">${count(day.hits)} / ${count(day.lookups)}</td><td class="n">${bytes(day.bytesIn)}</td><td class="n">${bytes(day.bytesOut)}</td></tr>`;
  return html`<table id="namespaces"><thead><tr><th>Namespace</th><th>Entries</th><th>Stored</th><th>Hit rate 1 h</th><th>Hit rate 24 h</th><th>Hits / lookups 24 h</th><th>In 24 h</th><th>Out 24 h</th></tr></thead><tbody>
${report.namespaces.map((n) => row(n.name, n.entries, n.bytes, n.lastHour, n.lastDay, n.name))}
</tbody></table>`;
}

function buildKeys(report: StatusReport) {
  if (report.buildKeys.length === 0) {
    return html`<p class="muted" id="build-keys-none">None yet: clients report their sessions to POST /v1/sessions.</p>`;
  }
  return html`<table id="build-keys"><thead><tr><th>Namespace</th><th>Build key</th><th>Last session</th><th>Hits</th><th>Misses</th><th>Prefetch used</th><th>Duration</th><th>Time saved (est.)</th><th>Sessions kept</th></tr></thead><tbody>
${report.buildKeys.map((k) => {
  const s = k.sessions[0];
  return html`<tr><td>${k.namespace}</td><td>${k.buildKey}</td><td>${s ? new Date(s.atMs).toISOString() : ""}</td><td class="n">${s?.hits ?? ""}</td><td class="n">${s?.misses ?? ""}</td><td class="n">${s?.prefetchUsed ?? "—"}</td><td class="n">${s?.durationMs === undefined ? "—" : `${(s.durationMs / 1000).toFixed(1)} s`}</td><td class="n">${s?.savedMs === undefined ? "—" : `${(s.savedMs / 1000).toFixed(1)} s`}</td><td class="n">${k.sessions.length}</td></tr>`;
})}</tbody></table>`;
}

function moduleProxy(report: StatusReport) {
  const m = report.moduleProxy;
  if (!m) return html`<p class="muted">Not served.</p>`;
  const requests = Object.entries(m.requests)
    .map(([result, n]) => `${result} ${count(n)}`)
    .join(", ");
  return html`<p id="module-proxy">${count(m.files)} files, ${bytes(m.bytes)} stored; answers since start: ${requests || "none"}; ${bytes(m.bytesToGo)} sent to go, ${bytes(m.bytesFromUpstream)} from the upstream.</p>`;
}

function gcRuns(report: StatusReport) {
  const every =
    report.gc.intervalMs > 0
      ? `every ${Math.round(report.gc.intervalMs / 60_000)} min in this replica`
      : "not in this replica (gc runs elsewhere, e.g. a CronJob)";
  if (report.gc.runs.length === 0) return html`<p class="muted">Runs ${every}; none yet since this replica started.</p>`;
  return html`<p class="muted">Runs ${every}.</p><ul>${report.gc.runs.map(
    (run) =>
      html`<li>${run.startedAt}, ${run.durationMs} ms${run.error ? html`: <span class="down">${run.error}</span>` : run.report ? html`: <code>${JSON.stringify(run.report)}</code>` : ""}</li>`,
  )}</ul>`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
