import { html } from "hono/html";
import type { StatusReport } from "./report.ts";

const WIDTH = 720;
const HEIGHT = 160;
const LEFT = 40;
const BOTTOM = 20;
/** Room for the top axis label. */
const TOP = 8;

/**
 * The hit rate over the last day as an inline SVG bar chart (no script, no external asset): one bar
 * per step, its height the hit rate, a gap where there was no lookup. Each bar's <title> gives the
 * exact figures on hover.
 */
export function hitRateChart(series: StatusReport["hitRateSeries"]) {
  const points = series.points;
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const step = plotWidth / Math.max(points.length, 1);
  const bars = points.map((point, i) => {
    if (point.hitRate === null) return "";
    const h = Math.max(1, point.hitRate * plotHeight);
    const time = point.start.slice(11, 16);
    return html`<rect class="bar" x="${(LEFT + i * step + 0.5).toFixed(1)}" y="${(TOP + plotHeight - h).toFixed(1)}" width="${Math.max(step - 1, 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${time} UTC: ${percent(point.hitRate)} of ${point.lookups} lookups</title></rect>`;
  });
  const grid = [0, 0.5, 1].map((rate) => {
    const y = (TOP + plotHeight - rate * plotHeight).toFixed(1);
    return html`<line class="grid" x1="${LEFT}" x2="${WIDTH}" y1="${y}" y2="${y}"></line><text class="axis" x="${LEFT - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${percent(rate)}</text>`;
  });
  const first = points[0]?.start.slice(11, 16) ?? "";
  return html`<svg id="hit-rate-chart" role="img" aria-label="Hit rate over the last day, in ${series.stepMinutes}-minute steps" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet">
  ${grid}${bars}
  <text class="axis" x="${LEFT}" y="${HEIGHT - 4}">${first} UTC (24 h ago)</text>
  <text class="axis" x="${WIDTH}" y="${HEIGHT - 4}" text-anchor="end">now</text>
</svg>`;
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`;
}
