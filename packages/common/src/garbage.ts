import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Buffers that pass through quickly (socket chunks, file reads, frames) live outside the JS heap. V8
 * frees one only when a collection finds it dead, and it schedules collections by the JS heap, which
 * barely grows while bytes stream: dead buffers pile up, and once their bytes pass V8's external
 * memory limit it starts full (mark-compact) collections of the whole heap. A young-generation
 * collection after every `everyBytes` of such buffers frees them while they are young, which is
 * cheap: the young generation is small. Returns the meter to call with each buffer's bytes once done.
 */
export function youngCollector(everyBytes: number): (bytes: number) => void {
  let passed = 0;
  return (bytes) => {
    passed += bytes;
    if (passed < everyBytes) return;
    passed = 0;
    // null (gc unreachable) is remembered: the context is not built again at every threshold.
    if (collect === undefined) collect = loadCollect();
    collect?.({ type: "minor" });
  };
}

let collect: ((options: { type: "minor" }) => void) | null | undefined;

function loadCollect(): ((options: { type: "minor" }) => void) | null {
  try {
    // The documented way to reach gc() without a command-line flag: a context created after the flag.
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as (options: { type: "minor" }) => void;
  } catch {
    return null;
  }
}
