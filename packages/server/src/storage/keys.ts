import { createHash } from "node:crypto";
import { isHexId } from "@gocacheprog/common";

/**
 * The only place storage keys are built. Every key is made from a validated namespace and validated
 * 64-hex IDs, so no request-controlled text can ever reach a path or an object name (no traversal).
 *
 * Blob store layout (relative to the store's own root or key prefix):
 *   <ns>/o/<2hex>/<outputHex>   output bytes, content-addressed
 *   <ns>/o/<2hex>/<outputHex>.<size>.zst   the same output compressed (our zstd form): the name says
 *                               the codec and the logical size, so a HEAD alone proves both (links)
 *   <ns>/a/<2hex>/<actionHex>   copy of the action record, so a lost index can be rebuilt
 *   <ns>/m/<2hex>/<buildKeyHex> copy of a build key's recent manifests (warm start), likewise
 * The two-hex fan-out keeps directories small on the filesystem store. The module proxy stores its
 * files the same way under GOMOD_NAMESPACE, each as an entry whose ID is gomodEntryId(...).
 */

export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * The module proxy's own key space (gomod/): module files, cached upstream answers and checksum
 * database tiles, shared by every tenant because they come from the upstream, never from a client.
 * A token's namespace cannot start with "_", so no client can read it as a namespace or write into it.
 */
export const GOMOD_NAMESPACE = "_gomod";

/** Namespaces a token may carry. */
export function isValidNamespace(namespace: string): boolean {
  return NAMESPACE_PATTERN.test(namespace);
}

/** Namespaces found in storage: a token's, or the module proxy's. */
function isStorageNamespace(namespace: string): boolean {
  return namespace === GOMOD_NAMESPACE || isValidNamespace(namespace);
}

/**
 * The entry ID under GOMOD_NAMESPACE of one proxied file: `kind` keeps mutable answers, immutable
 * files and checksum database data apart; `file` is its validated path below /gomod/.
 */
export function gomodEntryId(kind: string, file: string): string {
  return createHash("sha256").update(`gomod\0${kind}\0${file}`).digest("hex");
}

export function assertNamespace(namespace: string): string {
  if (!isStorageNamespace(namespace)) {
    throw new RangeError(
      `invalid namespace ${JSON.stringify(namespace.slice(0, 80))}: use 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit`,
    );
  }
  return namespace;
}

function assertHexId(what: string, hex: string): string {
  if (!isHexId(hex)) throw new RangeError(`invalid ${what}: must be 64 lowercase hex characters`);
  return hex;
}

export function outputKey(namespace: string, outputHex: string): string {
  assertHexId("OutputID", outputHex);
  return `${assertNamespace(namespace)}/o/${outputHex.slice(0, 2)}/${outputHex}`;
}

/** Where an output of `size` logical bytes is kept in our zstd form. */
export function compressedOutputKey(namespace: string, outputHex: string, size: number): string {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid output size ${size}`);
  return `${outputKey(namespace, outputHex)}.${size}.zst`;
}

export function actionRecordKey(namespace: string, actionHex: string): string {
  assertHexId("ActionID", actionHex);
  return `${assertNamespace(namespace)}/a/${actionHex.slice(0, 2)}/${actionHex}`;
}

/** Build keys are 32-byte digests the client makes, so they are validated like IDs. */
export function manifestKey(namespace: string, buildKeyHex: string): string {
  assertHexId("build key", buildKeyHex);
  return `${assertNamespace(namespace)}/m/${buildKeyHex.slice(0, 2)}/${buildKeyHex}`;
}

const MANIFEST_KEY = /^(_gomod|[a-z0-9][a-z0-9._-]{0,62})\/m\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

/** The inverse of manifestKey; null for anything else. */
export function parseManifestKey(key: string): { namespace: string; buildKeyHex: string } | null {
  const match = MANIFEST_KEY.exec(key);
  if (!match || match[3]!.slice(0, 2) !== match[2]) return null;
  return { namespace: match[1]!, buildKeyHex: match[3]! };
}

/** Key of a build key's manifests in the embedded index; '!' keeps it apart from records (scan skips it). */
export function embeddedManifestKey(namespace: string, buildKeyHex: string): string {
  assertHexId("build key", buildKeyHex);
  return `!manifests/${assertNamespace(namespace)}/${buildKeyHex}`;
}

/** Key of a build key's manifests in Redis: `<prefix><ns>:m:<buildKeyHex>` (outside the `:a:` pattern). */
export function redisManifestKey(prefix: string, namespace: string, buildKeyHex: string): string {
  assertHexId("build key", buildKeyHex);
  return `${prefix}${assertNamespace(namespace)}:m:${buildKeyHex}`;
}

/** Prefix for list(): every build manifest copy of a namespace. */
export function manifestsPrefix(namespace: string): string {
  return `${assertNamespace(namespace)}/m/`;
}

/** Prefix for list(): every output of a namespace. */
export function outputsPrefix(namespace: string): string {
  return `${assertNamespace(namespace)}/o/`;
}

/** Prefix for list(): every action record copy of a namespace. */
export function actionRecordsPrefix(namespace: string): string {
  return `${assertNamespace(namespace)}/a/`;
}

const RECORD_COPY_KEY = /^(_gomod|[a-z0-9][a-z0-9._-]{0,62})\/a\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const OUTPUT_KEY = /^(_gomod|[a-z0-9][a-z0-9._-]{0,62})\/o\/([0-9a-f]{2})\/([0-9a-f]{64})(?:\.(\d{1,16})\.zst)?$/;

/** The inverse of actionRecordKey; null for anything else (outputs, temp files, foreign objects). */
export function parseActionRecordKey(key: string): { namespace: string; actionHex: string } | null {
  const match = RECORD_COPY_KEY.exec(key);
  if (!match || match[3]!.slice(0, 2) !== match[2]) return null;
  return { namespace: match[1]!, actionHex: match[3]! };
}

/** The inverse of outputKey and compressedOutputKey (logicalSize only for the latter); null for anything else. */
export function parseOutputKey(key: string): { namespace: string; outputHex: string; logicalSize?: number } | null {
  const match = OUTPUT_KEY.exec(key);
  if (!match || match[3]!.slice(0, 2) !== match[2]) return null;
  const parsed: { namespace: string; outputHex: string; logicalSize?: number } = { namespace: match[1]!, outputHex: match[3]! };
  if (match[4] !== undefined) parsed.logicalSize = Number(match[4]);
  return parsed;
}

/** Key of an action in the embedded (lmdb) index. '/' cannot occur in a namespace, so it splits cleanly. */
export function embeddedIndexKey(namespace: string, actionHex: string): string {
  assertHexId("ActionID", actionHex);
  return `${assertNamespace(namespace)}/${actionHex}`;
}

export function parseEmbeddedIndexKey(key: string): { namespace: string; actionHex: string } | null {
  const slash = key.indexOf("/");
  const namespace = key.slice(0, slash);
  const actionHex = key.slice(slash + 1);
  return slash > 0 && isStorageNamespace(namespace) && isHexId(actionHex) ? { namespace, actionHex } : null;
}

/** Key of an action in Redis: `<prefix><ns>:a:<actionHex>`. ':' cannot occur in a namespace. */
export function redisActionKey(prefix: string, namespace: string, actionHex: string): string {
  assertHexId("ActionID", actionHex);
  return `${prefix}${assertNamespace(namespace)}:a:${actionHex}`;
}

/** Glob for SCAN over every action key under `prefix` (glob metacharacters in the prefix are escaped). */
export function redisActionPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*:a:*`;
}

/** Glob for SCAN over one namespace's action keys (namespaces hold no glob metacharacters). */
export function redisNamespacePattern(prefix: string, namespace: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}${assertNamespace(namespace)}:a:*`;
}

export function parseRedisActionKey(prefix: string, key: string): { namespace: string; actionHex: string } | null {
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  const split = rest.indexOf(":a:");
  const namespace = rest.slice(0, split);
  const actionHex = rest.slice(split + 3);
  return split > 0 && isStorageNamespace(namespace) && isHexId(actionHex) ? { namespace, actionHex } : null;
}
