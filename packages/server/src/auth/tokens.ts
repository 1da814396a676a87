import { createHash, timingSafeEqual } from "node:crypto";
import { ConfigError, parseBytes } from "@gocacheprog/common";
import * as z from "zod/mini";
import { isValidNamespace } from "../storage/keys.ts";

export type Scope = "read" | "read-write";

export interface Principal {
  scope: Scope;
  /** Every storage key of this caller is prefixed with it; it never comes from the request. */
  namespace: string;
}

export const OPEN_ACCESS: Principal = { scope: "read-write", namespace: "default" };

/** A namespace's own limits: over them, gc evicts that namespace's least recently read entries, and no one else's. */
export interface NamespaceBudget {
  maxSizeBytes?: number;
  maxEntries?: number;
}

const byteSize = z.union([
  z.number().check(z.int(), z.nonnegative()),
  z.string().check(z.refine((text) => parseBytes(text) !== undefined, "maxSize must be a size such as 2GiB or 500MB")),
]);
const tokenEntry = z.object({
  token: z.string().check(z.minLength(16, "tokens must be at least 16 characters")),
  scope: z.enum(["read", "read-write"]),
  namespace: z
    .string()
    .check(z.refine(isValidNamespace, "namespace must be 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit")),
  maxSize: z.optional(byteSize),
  maxEntries: z.optional(
    z.union([z.number().check(z.int(), z.positive()), z.string().check(z.regex(/^[1-9]\d*$/, "maxEntries must be a whole number"))]),
  ),
});
const tokenList = z.array(tokenEntry);

interface StoredToken {
  digest: Buffer;
  principal: Principal;
}

/**
 * Two formats, chosen by the first character so one parser serves the file and the env twin:
 *   JSON:  [{"token": "...", "scope": "read" | "read-write", "namespace": "team-a"}]
 *   lines: `token scope namespace [maxSize=2GiB] [maxEntries=N]`, '#' starts a comment; commas also separate entries (handy in env).
 * maxSize/maxEntries give the token's namespace a budget of its own (NamespaceBudget).
 * Error messages name the entry number, never the token.
 */
export function parseTokens(text: string, source: string): TokenEntry[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let raw: unknown;
  if (trimmed.startsWith("[")) {
    try {
      raw = JSON.parse(trimmed);
    } catch {
      throw new ConfigError(`${source}: not valid JSON`);
    }
  } else {
    raw = trimmed
      .split(/[\n,]/)
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line !== "")
      .map((line) => {
        const [token, scope, namespace, ...extra] = line.split(/\s+/);
        const entry: Record<string, unknown> = { token, scope, namespace };
        for (const setting of extra) {
          const m = /^(maxSize|maxEntries)=(\S+)$/.exec(setting);
          if (!m) return {};
          entry[m[1]!] = m[2];
        }
        return entry;
      });
  }
  const result = z.safeParse(tokenList, raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = typeof issue?.path[0] === "number" ? `entry ${issue.path[0] + 1}` : "top level";
    throw new ConfigError(`${source}: ${where}: ${issue?.message ?? "invalid"} (expected token, scope and namespace)`);
  }
  return result.data.map(({ token, scope, namespace, maxSize, maxEntries }) => {
    const budget: NamespaceBudget = {};
    if (maxSize !== undefined) budget.maxSizeBytes = typeof maxSize === "number" ? maxSize : parseBytes(maxSize)!;
    if (maxEntries !== undefined) budget.maxEntries = Number(maxEntries);
    return { token, principal: { scope, namespace }, ...(Object.keys(budget).length > 0 ? { budget } : {}) };
  });
}

export interface TokenEntry {
  token: string;
  principal: Principal;
  budget?: NamespaceBudget;
}

/**
 * The budgets by namespace. A budget belongs to the namespace, so every token that names one must
 * agree (a token without a budget for a budgeted namespace is fine: it shares that budget).
 */
export function namespaceBudgets(entries: readonly TokenEntry[]): Map<string, NamespaceBudget> {
  const budgets = new Map<string, NamespaceBudget>();
  for (const { principal, budget } of entries) {
    if (!budget) continue;
    const seen = budgets.get(principal.namespace);
    if (seen && (seen.maxSizeBytes !== budget.maxSizeBytes || seen.maxEntries !== budget.maxEntries))
      throw new ConfigError(`namespace ${principal.namespace} is given two different budgets (maxSize/maxEntries) by its tokens`);
    budgets.set(principal.namespace, budget);
  }
  return budgets;
}

export class TokenAuth {
  private readonly tokens: StoredToken[];

  /** Per-namespace budgets from the token entries (namespaceBudgets). */
  readonly budgets: ReadonlyMap<string, NamespaceBudget>;

  constructor(entries: readonly TokenEntry[]) {
    this.budgets = namespaceBudgets(entries);
    const seen = new Set<string>();
    this.tokens = entries.map(({ token, principal }) => {
      const digest = sha256(token);
      const key = digest.toString("hex");
      if (seen.has(key)) throw new ConfigError("the same token is configured twice");
      seen.add(key);
      return { digest, principal };
    });
  }

  /** No tokens configured: everyone shares namespace "default" with read-write access. */
  get openAccess(): boolean {
    return this.tokens.length === 0;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** null = unknown or missing token (401). */
  authenticate(authorization: string | undefined): Principal | null {
    if (this.openAccess) return OPEN_ACCESS;
    const m = /^Bearer +(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return null;
    // Comparing fixed-length digests keeps the comparison time independent of the token's length
    // and content; scanning all entries keeps it independent of which entry matched.
    const digest = sha256(m[1] as string);
    let found: Principal | null = null;
    for (const stored of this.tokens) {
      if (timingSafeEqual(stored.digest, digest)) found = stored.principal;
    }
    return found;
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
