export { EmbeddedIndex, type EmbeddedIndexOptions } from "./embedded-index.ts";
export { FsBlobStore, type FsBlobStoreOptions } from "./fs-blob-store.ts";
export * from "./keys.ts";
export {
  deleteRecordCopy,
  type RebuildOptions,
  type RebuildResult,
  readRecordCopy,
  rebuildIndex,
  writeRecordCopy,
} from "./rebuild.ts";
export { decodeRecord, encodeRecord, RECORD_VERSION, RecordFormatError, tryDecodeRecord } from "./record.ts";
export { createRedisClient, failFastRedisOptions, type RedisConnection, type RedisTimeouts } from "./redis-client.ts";
export { RedisIndex, type RedisIndexOptions } from "./redis-index.ts";
export { S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.ts";
export * from "./types.ts";
