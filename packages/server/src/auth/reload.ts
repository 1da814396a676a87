import { unwatchFile, watchFile } from "node:fs";
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
  private again = false;

  constructor(private readonly deps: ReloadDeps) {}

  start(): void {
    for (const file of this.deps.files) {
      watchFile(file, { interval: this.deps.pollMs ?? 2000, persistent: false }, (now, before) => {
        if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) void this.reload("file changed");
      });
    }
  }

  stop(): void {
    for (const file of this.deps.files) unwatchFile(file);
  }

  /** true when the new tokens are in force. Overlapping calls run one after another. */
  reload(reason: string): Promise<boolean> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.load(reason).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload(reason);
      }
    });
    return this.running;
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
