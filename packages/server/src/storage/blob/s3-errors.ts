import { BackendUnavailableError, StorageFullError } from "../errors.ts";

export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/** Any S3 failure (refused, timed out, 5xx, denied) means the blob store cannot serve right now. */
export function toBackendError(error: unknown): Error {
  if (error instanceof BackendUnavailableError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(error)}`;
  // A bucket quota or a full S3-compatible server (MinIO's XMinioStorageFull, HTTP 507) is not an outage:
  // reads go on, writes resume when space returns.
  if (status === 507 || /QuotaExceeded|StorageFull|InsufficientStorage|EntityTooLarge/i.test(e?.name ?? ""))
    return new StorageFullError(`S3 storage full: ${detail}`, { cause: error });
  return new BackendUnavailableError(`S3 unavailable: ${detail}`, { cause: error });
}
