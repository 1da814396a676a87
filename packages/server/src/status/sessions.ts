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
  /** The client's estimate of compile time the hits saved. */
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

  add(namespace: string, report: SessionReport): void {
    let keys = this.byNamespace.get(namespace);
    if (!keys) {
      keys = new Map();
      this.byNamespace.set(namespace, keys);
    }
    const sessions = keys.get(report.buildKey) ?? [];
    // Re-inserting moves the key to the end, so the first key is always the least recently reported.
    keys.delete(report.buildKey);
    keys.set(report.buildKey, [{ ...report, atMs: this.now() }, ...sessions].slice(0, SESSIONS_PER_KEY));
    if (keys.size > KEYS_PER_NAMESPACE) keys.delete(keys.keys().next().value as string);
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
