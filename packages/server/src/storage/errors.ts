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
