import { ConfigError } from "@gocacheprog/common";
import * as z from "zod/mini";
import { isValidNamespace } from "../storage/keys.ts";
import type { Principal } from "./tokens.ts";

/**
 * Maps a verified token's claims to a namespace and scope. The first rule whose every claim matches
 * wins; no match = 401. A value matches a claim when equal to its string form; `*` in a value stands
 * for any run of characters; a list matches when any entry does. Example (GitHub Actions):
 *   [{"claims": {"repository": "acme/app", "ref": "refs/heads/main", "event_name": "push"},
 *     "namespace": "app", "scope": "read-write"},
 *    {"claims": {"repository": "acme/app"}, "namespace": "app", "scope": "read"}]
 */
export interface ClaimRule {
  /** Only tokens of this issuer (default: any trusted issuer). */
  issuer?: string;
  claims: Record<string, string | string[]>;
  namespace: string;
  scope: "read" | "read-write";
}

const ruleSchema = z.object({
  issuer: z.optional(z.string()),
  claims: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  namespace: z
    .string()
    .check(z.refine(isValidNamespace, "namespace must be 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit")),
  scope: z.enum(["read", "read-write"]),
});

export function parseRules(text: string, source: string): ClaimRule[] {
  if (text.trim() === "") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source}: not valid JSON`);
  }
  const result = z.safeParse(z.array(ruleSchema), raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = typeof issue?.path[0] === "number" ? `rule ${issue.path[0] + 1}` : "top level";
    throw new ConfigError(`${source}: ${where}: ${issue?.message ?? "invalid"} (expected [{"claims": {...}, "namespace", "scope"}])`);
  }
  for (const [i, rule] of result.data.entries()) {
    // A rule without claims would hand every token of every trusted issuer the same access.
    if (Object.keys(rule.claims).length === 0) throw new ConfigError(`${source}: rule ${i + 1}: claims must name at least one claim`);
  }
  return result.data;
}

export function principalFor(rules: readonly ClaimRule[], claims: Record<string, unknown>): Principal | null {
  for (const rule of rules) {
    if (rule.issuer !== undefined && rule.issuer !== claims["iss"]) continue;
    const all = Object.entries(rule.claims).every(([name, wanted]) => matches(claims[name], wanted));
    if (all) return { scope: rule.scope, namespace: rule.namespace };
  }
  return null;
}

function matches(value: unknown, wanted: string | string[]): boolean {
  if (value === undefined || value === null || typeof value === "object") return false;
  const text = String(value);
  return (Array.isArray(wanted) ? wanted : [wanted]).some((pattern) => glob(pattern).test(text));
}

function glob(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`, "s");
}
