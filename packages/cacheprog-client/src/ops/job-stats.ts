import { appendFile, mkdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { goCommandArgv } from "./go-process.ts";
import type { StatsJson } from "./stats.ts";

/**
 * The stats file of a job (GOCACHEPROG_STATS_FILE) holds one JSON line per go command, appended by
 * each client at exit, so a CI job's `go build` then `go test` are both in it and `gocacheprog summary`
 * can add them up. A line is the flat StatsJson plus what identifies the command.
 */
export type StatsRecord = StatsJson & {
  /** When the client finished (ISO 8601). */
  at?: string;
  /** `go build`, `go test`...: the go command's name and subcommand only; its other arguments may hold secrets (-ldflags -X). */
  command?: string;
};

/**
 * The subcommand in a go command's arguments (argv without argv[0]), e.g. "test": the first argument
 * that is not a flag, so go's global flags before it (-x, -v=...) are skipped. -C is the one global
 * flag that takes its value as the next argument (`go -C dir build`), so that argument is skipped too.
 */
export function goSubcommand(goArgs: readonly string[] | undefined): string | undefined {
  if (!goArgs) return undefined;
  for (let i = 0; i < goArgs.length; i++) {
    const arg = goArgs[i]!;
    if (arg === "-C" || arg === "--C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/** Which go command started this client (Linux: see goCommandArgv), e.g. "go test"; undefined elsewhere. */
export function parentGoCommand(): string | undefined {
  const argv = goCommandArgv();
  if (!argv) return undefined;
  const name = basename(argv[0] ?? "");
  const sub = goSubcommand(argv.slice(1));
  if (!/^[\w.-]{1,32}$/.test(name)) return undefined;
  return sub !== undefined && /^[a-z][a-z0-9]{0,15}$/.test(sub) ? `${name} ${sub}` : name;
}

/**
 * Appends one line. O_APPEND with a single write of a line of ~1 KB keeps the lines of go commands
 * that run at once (go vet while go build) whole and apart on local filesystems.
 */
export async function appendStatsRecord(path: string, record: StatsRecord): Promise<void> {
  const line = `${JSON.stringify(record)}\n`;
  try {
    await appendFile(path, line);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, line);
  }
}

/** The records of a stats file's text; lines that are not a JSON object (a client killed mid-write) are counted, not fatal. */
export function parseStatsLines(text: string): { records: StatsRecord[]; badLines: number } {
  const records: StatsRecord[] = [];
  let badLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === "object" && !Array.isArray(value) && typeof (value as StatsRecord).gets === "number") {
        // The one text field the summary prints: anything but a string is dropped, not printed or choked on.
        const record = value as StatsRecord;
        if (typeof record.command !== "string") delete record.command;
        records.push(record);
      } else badLines++;
    } catch {
      badLines++;
    }
  }
  return { records, badLines };
}

/** Every numeric counter summed over the records (version excepted), so counters added later are totalled too. */
export function sumStats(records: readonly StatsRecord[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (key !== "version" && typeof value === "number" && Number.isFinite(value)) total[key] = (total[key] ?? 0) + value;
    }
  }
  return total;
}
