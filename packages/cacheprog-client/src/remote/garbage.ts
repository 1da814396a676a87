import { youngCollector } from "@gocacheprog/common/garbage";

/**
 * Every remote body passes through short-lived buffers: the socket's chunks and, where the codec
 * decodes into new buffers (wasm, Node 20), each decoded frame (up to 1 MiB). A young-generation
 * collection every RECLAIM_EVERY bytes of chunks frees them young (@gocacheprog/common/garbage).
 * Only chunk bytes are counted: decoded frames add about 4x as much garbage on Node 20, so there this
 * is the cadence of the 8 MiB of chunks and frames measured before (remote-warm `go build std`, 2
 * runs each: client peak RSS 101-103 MB without, 88-90 MB with), and with node:zlib's reused decoder
 * (Node 24), where chunks are the garbage, warm-start `go build std` peaked at 92-96 MB against
 * 112-114 MB with the collection every 8 MiB of chunks.
 */
const RECLAIM_EVERY = 2 * 1024 * 1024;

/** `bytes` of reply chunks were written and are garbage now (with what was decoded from them). */
export const bodyBytesDone: (bytes: number) => void = youngCollector(RECLAIM_EVERY);
