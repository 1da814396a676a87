import { youngCollector } from "@gocacheprog/common/garbage";

/**
 * Every remote body passes through short-lived buffers: the socket's chunks and, for compressed
 * replies where the codec cannot reuse its output (wasm), a fresh buffer per decoded frame (up to
 * 1 MiB); a young-generation collection every RECLAIM_EVERY bytes of them frees them young
 * (@gocacheprog/common/garbage). Measured on a remote-warm `go build std` (1072 hits, 168.6 MB
 * decoded from 44 MB, Node 20, 2 runs each, load ~20): client peak RSS 101-103 MB without, 88-90 MB
 * with 8 MiB, 83-84 MB with 2 MiB (about 100 collections per build instead of 27, each on the thread
 * answering go). With the reused decoder of node:zlib (Node 24) only the chunks count: 2 MiB.
 */
const RECLAIM_EVERY = 2 * 1024 * 1024;

/**
 * `bytes` of reply buffers were written and are garbage now: the chunk, and what was decoded from it
 * when the codec decodes into new buffers (ReplyDecoder.garbageOf).
 */
export const bodyBytesDone: (bytes: number) => void = youngCollector(RECLAIM_EVERY);
