import { type Stats, statSync, unwatchFile, watchFile } from "node:fs";
import type { Logger } from "../ops/logger.ts";
import type { OidcVerifier } from "./oidc.ts";
import type { ClaimRule } from "./rules.ts";
import type { TokenAuth, TokenEntry } from "./tokens.ts";

export interface ReloadDeps {
  auth: TokenAuth;
  oidc?: OidcVerifier;
  /** Reads the tokens (and rules) again; throws ConfigError on a bad file. */
  readTokens(): Promise<TokenEntry[]>;
  readRules(): Promise<ClaimRule[]>;
  /** Files to watch (the tokens file, the rules file). */
  files: readonly string[];
  logger: Logger;
  /** How often the files' stat is polled. Default 2 s. */
  pollMs?: number;
}

/**
 * Reloads tokens and claim rules on SIGHUP (main.ts) or when a watched file changes, without a
 * restart. The files are polled by stat rather than watched with inotify: a Kubernetes Secret
 * update swaps a symlink and an editor renames over the file, which both lose an inotify watch.
 * A reload that fails (unreadable file, a bad entry) or that would leave no token at all (open
 * access) keeps the tokens in force and says why; a good one swaps the table in one step.
 */
export class TokenReloader {
  private running: Promise<boolean> | undefined;
  /** The load that follows the running one, shared by every call made while it runs. */
  private queued: Promise<boolean> | undefined;
  private readonly settling = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: ReloadDeps) {}

  start(): void {
    for (const file of this.deps.files) {
      watchFile(file, { interval: this.pollMs, persistent: false }, (now, before) => {
        if (changed(now, before)) this.settle(file, now);
      });
    }
  }

  stop(): void {
    for (const file of this.deps.files) unwatchFile(file);
    for (const timer of this.settling.values()) clearTimeout(timer);
    this.settling.clear();
  }

  /**
   * true when the tokens read by this call are in force. A call made while a load runs (which may
   * have read the files before they changed) gets the load that follows it.
   */
  reload(reason: string): Promise<boolean> {
    if (!this.running) {
      this.running = this.load(reason).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.reload(reason);
    });
    return this.queued;
  }

  private get pollMs(): number {
    return this.deps.pollMs ?? 2000;
  }

  /**
   * A change is loaded once the file has kept its stat for two polls: a file caught mid-write (an
   * append seen half done, whose last line may parse as another entry, `tok read-write team` of
   * `team-b`) is not. A file gone meanwhile is loaded anyway: the load keeps the tokens and says why.
   */
  private settle(file: string, seen: Stats): void {
    clearTimeout(this.settling.get(file));
    const timer = setTimeout(() => {
      let current: Stats | undefined;
      try {
        current = statSync(file);
      } catch {
        current = undefined;
      }
      if (current && changed(current, seen)) return this.settle(file, current);
      this.settling.delete(file);
      void this.reload("file changed");
    }, 2 * this.pollMs);
    timer.unref();
    this.settling.set(file, timer);
  }

  private async load(reason: string): Promise<boolean> {
    const { auth, oidc, logger } = this.deps;
    try {
      const [entries, rules] = await Promise.all([this.deps.readTokens(), oidc ? this.deps.readRules() : Promise.resolve([])]);
      if (entries.length === 0 && !auth.openAccess && !oidc) {
        logger.error({ reason }, "tokens not reloaded: the new configuration has no token (that would open the cache to everyone)");
        return false;
      }
      if (oidc && rules.length === 0) {
        logger.error({ reason }, "tokens not reloaded: the new configuration has no OIDC claim rule");
        return false;
      }
      auth.replace(entries);
      oidc?.replaceRules(rules);
      logger.info({ reason, tokenCount: entries.length, ruleCount: oidc ? rules.length : undefined }, "tokens reloaded");
      return true;
    } catch (err) {
      logger.error({ reason, err: (err as Error).message }, "tokens not reloaded; the previous ones stay in force");
      return false;
    }
  }
}

function changed(now: Stats, before: Stats): boolean {
  return now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino;
}
