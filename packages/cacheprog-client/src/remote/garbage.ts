import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Every remote body passes through short-lived buffers outside the JS heap: the socket's chunks and,
 * for compressed replies where the codec cannot reuse its output (wasm), a fresh buffer per decoded
 * frame (up to 1 MiB). V8 frees them only when a
 * collection finds them dead, and it schedules collections by the JS heap, which barely grows here,
 * so dead buffers pile up first. A young-generation collection after every RECLAIM_EVERY bytes of
 * bodies frees them while they are still young (a small collection: the young generation is small).
 * Measured on a remote-warm `go build std` (1072 hits, 168.6 MB decoded from 44 MB, Node 20, 2 runs
 * each, load ~20): client peak RSS 101-103 MB without, 88-90 MB with 8 MiB, 83-84 MB with 2 MiB
 * (about 100 collections per build instead of 27, each on the thread answering go).
 */
const RECLAIM_EVERY = 2 * 1024 * 1024;

let passed = 0;
let collect: ((options: { type: "minor" }) => void) | null | undefined;

/**
 * `bytes` of reply buffers were written and are garbage now: the chunk, and what was decoded from it
 * when the codec decodes into new buffers (ReplyDecoder.garbageOf).
 */
export function bodyBytesDone(bytes: number): void {
  passed += bytes;
  if (passed < RECLAIM_EVERY) return;
  passed = 0;
  if (collect === undefined) {
    try {
      // The documented way to reach gc() without a command-line flag: a context created after the flag.
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as typeof collect;
    } catch {
      collect = null;
    }
  }
  collect?.({ type: "minor" });
}
