/**
 * The HTTP contract between gocacheprog and gocacheprog-server. Both sides import these names so
 * they cannot drift; packages/server/openapi.yaml documents the same contract for other tools.
 */
export const API_PREFIX = "/v1";

export const routes = {
  /** GET/HEAD: one round trip per remote hit; PUT: store output bytes under the action. */
  action: (actionHex: string) => `${API_PREFIX}/actions/${actionHex}`,
  /** GET/HEAD: output bytes by OutputID. */
  output: (outputHex: string) => `${API_PREFIX}/outputs/${outputHex}`,
  /** POST (protobuf BatchLookupRequest -> BatchLookupResponse). */
  batchLookup: `${API_PREFIX}/batch/lookup`,
  /** POST (protobuf BatchUploadRequest -> BatchUploadResponse): small outputs stored together. Write scope. */
  batchUpload: `${API_PREFIX}/batch/upload`,
  /** POST (protobuf ManifestUpload): what a go session used, stored under its build key. Write scope. */
  manifests: `${API_PREFIX}/manifests`,
  /** POST (protobuf PrefetchRequest -> a stream of length-delimited PrefetchFrame): warm start. */
  prefetch: `${API_PREFIX}/prefetch`,
} as const;

export const headers = {
  outputId: "x-gocacheprog-output-id",
  /** Original put time as RFC 3339 (toISOString); go uses it for test-cache expiry. */
  putTime: "x-gocacheprog-put-time",
  /** Set on a PUT when the client only links the action to an output the server already holds. */
  outputSize: "x-gocacheprog-output-size",
  /** Scope and namespace of the caller's token, reported back so a client can learn it is read-only. */
  scope: "x-gocacheprog-scope",
} as const;

export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";

/**
 * Whether `token` can be sent as one bearer token: printable ASCII without spaces. One with whitespace or
 * control characters inside cannot go in a header (node throws, quoting the whole value in its error,
 * and a line break would inject another header line); it is refused where it is read, never shown.
 */
export function isBearerToken(token: string): boolean {
  return /^[\x21-\x7e]+$/.test(token);
}
