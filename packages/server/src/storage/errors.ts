/** Thrown when a body's size or sha256 differs from what was declared; nothing is stored (HTTP 400). */
export class IntegrityError extends Error {
  override name = "IntegrityError";
}

/**
 * Thrown by a storage backend (blob store or index) that could not answer in time or at all; the cache
 * core turns it into a miss or HTTP 503.
 */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
}

/**
 * Thrown when the blob store or index has no room left (disk full, quota exceeded): answered with
 * HTTP 507, and the write is simply retried by the next put once space returns.
 */
export class StorageFullError extends Error {
  override name = "StorageFullError";
}

/** ENOSPC/EDQUOT from the filesystem, lmdb's full map, or an error already classified as full. */
export function isStorageFull(error: unknown): boolean {
  if (error instanceof StorageFullError) return true;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (e?.code === "ENOSPC" || e?.code === "EDQUOT") return true;
  if (typeof e?.message === "string" && /MDB_MAP_FULL|No space left on device|ENOSPC|EDQUOT/.test(e.message)) return true;
  return e?.cause !== undefined && e.cause !== error && isStorageFull(e.cause);
}
