export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

export function seconds(ms: number): string {
  return ms >= 100_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function formatSummary(s: Summary | undefined, format: (v: number) => string = seconds): string {
  if (!s) return "n/a";
  if (s.n === 1) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

export function ratio(numerator: Summary | undefined, denominator: Summary | undefined): number | undefined {
  if (!numerator || !denominator || denominator.median === 0) return undefined;
  return numerator.median / denominator.median;
}

export function formatRatio(r: number | undefined): string {
  return r === undefined ? "n/a" : `${r.toFixed(2)}x`;
}
