import * as z from "zod/mini";

/**
 * What a client reports about one go command at its end (POST /v1/sessions), so the status page can
 * list build keys with their last sessions. Optional for clients, best effort for the server: kept in
 * memory by the replica that received it, bounded per namespace.
 */
export const sessionReportSchema = z.object({
  /** What the client names this build by (e.g. repository + command); printable, at most 200 characters. */
  buildKey: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[\x20-\x7e]+$/, "buildKey must be printable ASCII")),
  hits: z.int().check(z.nonnegative()),
  misses: z.int().check(z.nonnegative()),
  /** Hits served from a prefetch. */
  prefetchUsed: z.optional(z.int().check(z.nonnegative())),
  durationMs: z.optional(z.number().check(z.nonnegative())),
  /**
   * Compile time the hits saved, if the client knows it; else the server estimates it (see SessionLog.add).
   */
  savedMs: z.optional(z.number().check(z.nonnegative())),
});

export type SessionReport = z.infer<typeof sessionReportSchema>;
export interface SessionRecord extends SessionReport {
  atMs: number;
}

export interface BuildKeySessions {
  buildKey: string;
  /** Newest first. */
  sessions: SessionRecord[];
}

const KEYS_PER_NAMESPACE = 100;
const SESSIONS_PER_KEY = 10;

export class SessionLog {
  private readonly byNamespace = new Map<string, Map<string, SessionRecord[]>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Per build key, the session with the most misses seen so far (its coldest build): the reference for
   * the time-saved estimate, kept after it leaves the newest SESSIONS_PER_KEY.
   */
  private readonly coldest = new Map<string, SessionRecord>();

  add(namespace: string, report: SessionReport): void {
    let keys = this.byNamespace.get(namespace);
    if (!keys) {
      keys = new Map();
      this.byNamespace.set(namespace, keys);
    }
    const sessions = keys.get(report.buildKey) ?? [];
    const record = this.withEstimate(`${namespace}\0${report.buildKey}`, { ...report, atMs: this.now() });
    // Re-inserting moves the key to the end, so the first key is always the least recently reported.
    keys.delete(report.buildKey);
    keys.set(report.buildKey, [record, ...sessions].slice(0, SESSIONS_PER_KEY));
    if (keys.size > KEYS_PER_NAMESPACE) {
      const oldest = keys.keys().next().value as string;
      keys.delete(oldest);
      this.coldest.delete(`${namespace}\0${oldest}`);
    }
  }

  /**
   * Without the client's own figure, the time saved is estimated as how much faster this go command ran
   * than the coldest one of the same build key this replica saw (the most misses): what the same work cost
   * when the cache held less of it. Unknown (absent) until a colder session with a duration was seen.
   */
  private withEstimate(coldKey: string, record: SessionRecord): SessionRecord {
    if (record.durationMs === undefined) return record;
    const reference = this.coldest.get(coldKey);
    if (!reference || record.misses > reference.misses) {
      this.coldest.set(coldKey, record);
      return record;
    }
    if (record.savedMs !== undefined || reference.misses === record.misses) return record;
    return { ...record, savedMs: Math.max(0, (reference.durationMs ?? 0) - record.durationMs) };
  }

  /** Build keys of the given namespaces, most recently reported first. */
  list(namespaces: readonly string[]): (BuildKeySessions & { namespace: string })[] {
    const out: (BuildKeySessions & { namespace: string })[] = [];
    for (const namespace of namespaces) {
      for (const [buildKey, sessions] of this.byNamespace.get(namespace) ?? []) out.push({ namespace, buildKey, sessions });
    }
    return out.sort((a, b) => (b.sessions[0]?.atMs ?? 0) - (a.sessions[0]?.atMs ?? 0));
  }

  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }
}
