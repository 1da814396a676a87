import { createHash, timingSafeEqual } from "node:crypto";
import { ConfigError, parseBytes } from "@gocacheprog/common";
import * as z from "zod/mini";
import { isValidNamespace } from "../storage/keys.ts";

export type Scope = "read" | "read-write";

export interface Principal {
  scope: Scope;
  /** Every storage key of this caller is prefixed with it; it never comes from the request. */
  namespace: string;
  /** An `admin` token: read-write in its namespace, and the status page shows it every namespace. */
  admin?: boolean;
}

/** Something that turns a bearer token into a principal without a table lookup (auth/oidc.ts). */
export interface TokenVerifier {
  /** null = not a token this verifier accepts (401). Never throws for a bad token. */
  verify(token: string): Promise<Principal | null>;
  /** A token verify() accepted earlier and that has not expired; null otherwise. Synchronous, no I/O. */
  cached(token: string): Principal | null;
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
  scope: z.enum(["read", "read-write", "admin"]),
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
 *   JSON:  [{"token": "...", "scope": "read" | "read-write" | "admin", "namespace": "team-a"}]
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
    const principal: Principal = scope === "admin" ? { scope: "read-write", namespace, admin: true } : { scope, namespace };
    return { token, principal, ...(Object.keys(budget).length > 0 ? { budget } : {}) };
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
  private tokens: StoredToken[];
  private readonly jwt: TokenVerifier | undefined;
  private readonly budgetMap = new Map<string, NamespaceBudget>();

  /** `jwt` verifies tokens the table does not hold (OIDC); with one, no table entries is not open access. */
  constructor(entries: readonly TokenEntry[], options: { jwt?: TokenVerifier } = {}) {
    this.tokens = digestAll(entries);
    this.setBudgets(namespaceBudgets(entries));
    this.jwt = options.jwt;
  }

  /**
   * Per-namespace budgets from the token entries (namespaceBudgets). The same map for the server's
   * whole life (a reload refills it), so whoever holds it sees the current budgets.
   */
  get budgets(): ReadonlyMap<string, NamespaceBudget> {
    return this.budgetMap;
  }

  /**
   * Swaps the whole table in one assignment (auth/reload.ts): a request sees either the old table
   * or the new one, never a half-built one, so none fails during a reload. Everything is checked
   * before anything changes: a bad configuration throws and leaves the old one in force.
   */
  replace(entries: readonly TokenEntry[]): void {
    const tokens = digestAll(entries);
    const budgets = namespaceBudgets(entries);
    this.tokens = tokens;
    this.setBudgets(budgets);
  }

  private setBudgets(budgets: ReadonlyMap<string, NamespaceBudget>): void {
    this.budgetMap.clear();
    for (const [namespace, budget] of budgets) this.budgetMap.set(namespace, budget);
  }

  /** No tokens and no verifier configured: everyone shares namespace "default" with read-write access. */
  get openAccess(): boolean {
    return this.tokens.length === 0 && !this.jwt;
  }

  /**
   * authenticate() plus the verifier: what every route calls. The table answers first, so a static
   * token never waits on an issuer.
   */
  async verify(authorization: string | undefined): Promise<Principal | null> {
    const found = this.authenticate(authorization);
    if (found || !this.jwt) return found;
    const token = bearerToken(authorization);
    return token ? this.jwt.verify(token) : null;
  }

  get size(): number {
    return this.tokens.length;
  }

  /**
   * Synchronous (admission control, 100-continue): the token table, then OIDC tokens already
   * verified and not expired. null = unknown or missing token, or a JWT not verified yet (verify()).
   */
  authenticate(authorization: string | undefined): Principal | null {
    if (this.openAccess) return OPEN_ACCESS;
    const token = bearerToken(authorization);
    if (!token) return null;
    // Comparing fixed-length digests keeps the comparison time independent of the token's length
    // and content; scanning all entries keeps it independent of which entry matched.
    const digest = sha256(token);
    let found: Principal | null = null;
    for (const stored of this.tokens) {
      if (timingSafeEqual(stored.digest, digest)) found = stored.principal;
    }
    return found ?? this.jwt?.cached(token) ?? null;
  }
}

/** The token of an `Authorization: Bearer <token>` header (any case and spacing), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}

function digestAll(entries: readonly TokenEntry[]): StoredToken[] {
  const seen = new Set<string>();
  return entries.map(({ token, principal }) => {
    const digest = sha256(token);
    const key = digest.toString("hex");
    if (seen.has(key)) throw new ConfigError("the same token is configured twice");
    seen.add(key);
    return { digest, principal };
  });
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
