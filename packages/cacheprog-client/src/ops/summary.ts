import { appendFile, readFile } from "node:fs/promises";
import { shownArguments } from "@gocacheprog/common";
import { parseStatsLines, type StatsRecord, sumStats } from "./job-stats.ts";

/**
 * `gocacheprog summary FILE [--json]`: the totals of a job's stats file (one line per go command): hit
 * rate, bytes and time in the cache, printed, and as Markdown appended to $GITHUB_STEP_SUMMARY when set.
 */

const USAGE = `Usage: gocacheprog summary FILE [--json]

Adds up the records of a stats file (GOCACHEPROG_STATS_FILE, one line per go command): hit rate, bytes
and time in the cache. Writes Markdown to $GITHUB_STEP_SUMMARY when it is set. --json prints the totals
as JSON instead of text.
`;

/** Rows of the per-command table at most; a job summary is capped at 1 MiB by GitHub, and nobody reads more. */
const MAX_ROWS = 50;

/** Sized stats text: the file is a job's own, but a runaway loop of go commands must not exhaust memory. */
const MAX_FILE_BYTES = 64 << 20;

export interface Totals {
  commands: number;
  badLines: number;
  /** Every counter summed over the commands. */
  sums: Record<string, number>;
  /** hits / gets, 0 when there were no gets. */
  hitRate: number;
}

export function totalsOf(records: readonly StatsRecord[], badLines = 0): Totals {
  const sums = sumStats(records);
  const gets = sums["gets"] ?? 0;
  return { commands: records.length, badLines, sums, hitRate: gets > 0 ? (sums["hits"] ?? 0) / gets : 0 };
}

const n = (sums: Record<string, number>, key: string) => sums[key] ?? 0;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

export function formatTotalsText(t: Totals): string {
  const s = t.sums;
  const bad = t.badLines > 0 ? ` (${t.badLines} unreadable lines skipped)` : "";
  return (
    `gocacheprog summary: ${t.commands} go commands${bad}: ${n(s, "gets")} lookups, ${n(s, "hits")} hits (${percent(t.hitRate)}: ` +
    `${n(s, "localHits")} local, ${n(s, "remoteHits")} remote), ${n(s, "misses")} misses; ${mb(n(s, "hitBytes"))} from the cache ` +
    `(${mb(n(s, "remoteHitBytes"))} downloaded), ${mb(n(s, "uploadBytes"))} uploaded (${n(s, "uploads")} uploads, ` +
    `${n(s, "uploadsDropped")} dropped, ${n(s, "uploadErrors")} failed); ${seconds(n(s, "remoteMs"))} in remote calls, ` +
    `${seconds(n(s, "processMs"))} in the client; ${n(s, "remoteErrors")} remote errors\n`
  );
}

function row(label: string, command: string, s: Record<string, number>): string {
  const gets = n(s, "gets");
  const rate = gets > 0 ? percent(n(s, "hits") / gets) : "-";
  return (
    `| ${label} | ${command} | ${gets} | ${n(s, "hits")} | ${rate} | ${mb(n(s, "hitBytes"))} | ${mb(n(s, "remoteHitBytes"))} | ` +
    `${mb(n(s, "uploadBytes"))} | ${seconds(n(s, "remoteMs"))} | ${seconds(n(s, "processMs"))} |`
  );
}

/** Markdown for a job summary: the totals in a sentence, then one row per go command and the total. */
export function formatTotalsMarkdown(t: Totals, records: readonly StatsRecord[]): string {
  const s = t.sums;
  const lines = [
    "### gocacheprog build cache",
    "",
    `**${percent(t.hitRate)} hit rate** over ${t.commands} go commands: ${n(s, "hits")} of ${n(s, "gets")} lookups hit ` +
      `(${n(s, "localHits")} local, ${n(s, "remoteHits")} from the server); ${mb(n(s, "remoteHitBytes"))} downloaded, ` +
      `${mb(n(s, "uploadBytes"))} uploaded.`,
    "",
    "| # | go command | lookups | hits | hit rate | from cache | downloaded | uploaded | remote calls | in client |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  records.slice(0, MAX_ROWS).forEach((record, i) => {
    // The command comes from the client's parent process: only a name and a subcommand word, escaped anyway.
    const command = (record.command ?? "go").replace(/[|<>`*_[\]\\]/g, "");
    lines.push(row(String(i + 1), command, sumStats([record])));
  });
  if (records.length > MAX_ROWS) lines.push(`| ... | ${records.length - MAX_ROWS} more | | | | | | | | |`);
  lines.push(row("**total**", "", s));
  if (t.badLines > 0) lines.push("", `${t.badLines} unreadable lines of the stats file were skipped.`);
  return `${lines.join("\n")}\n\n`;
}

export async function runSummary(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const json = argv.includes("--json");
  const files = argv.filter((arg) => arg !== "--json");
  if (files.length !== 1 || files[0]?.startsWith("-")) {
    // Shown up to an "=": a stray -token=... must not put its value in the job log.
    const got = argv.length === 0 ? "nothing" : shownArguments(argv);
    process.stderr.write(`gocacheprog summary: expected one stats file, got ${got}\n${USAGE}`);
    return 2;
  }
  const file = files[0] as string;
  let text: string;
  try {
    const data = await readFile(file);
    if (data.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES >> 20} MiB`);
    text = data.toString("utf8");
  } catch (err) {
    process.stderr.write(`gocacheprog summary: cannot read ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  const { records, badLines } = parseStatsLines(text);
  const totals = totalsOf(records, badLines);
  process.stdout.write(json ? `${JSON.stringify(totals)}\n` : formatTotalsText(totals));
  const stepSummary = env["GITHUB_STEP_SUMMARY"];
  if (stepSummary) {
    try {
      await appendFile(stepSummary, formatTotalsMarkdown(totals, records));
    } catch (err) {
      process.stderr.write(`gocacheprog summary: cannot write GITHUB_STEP_SUMMARY: ${(err as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}
