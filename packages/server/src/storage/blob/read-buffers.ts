/**
 * Buffers for whole-blob reads (FsBlobStore.getVersioned), taken back for reuse once the response
 * that sent one has handed every byte to the socket (http/routes/bodies.ts). A fresh 1 MiB Buffer
 * per hit costs page faults as the read fills it and external memory that makes V8 collect early:
 * in a CPU profile of 1 MiB hits under load, allocation and garbage collection were ~20 %.
 *
 * Only a buffer taken from here is accepted back, once (`out` tracks them); anything else given
 * back, or a buffer whose response was cut short, is simply left to the garbage collector.
 */
const MIN_POOLED = 64 * 1024;
const MAX_POOLED = 4 * 1024 * 1024;
/** Free buffers kept at most, in bytes, over all sizes. */
const KEEP_BYTES = 32 * 1024 * 1024;

const free = new Map<number, Buffer[]>();
const out = new WeakSet<ArrayBufferLike>();
let keptBytes = 0;

/** `size` bytes to read into: a pooled buffer's first `size` bytes, or a fresh one outside the pooled sizes. */
export function takeReadBuffer(size: number): Buffer {
  if (size < MIN_POOLED || size > MAX_POOLED) return Buffer.allocUnsafe(size);
  const capacity = 2 ** Math.ceil(Math.log2(size));
  const reused = free.get(capacity)?.pop();
  if (reused) keptBytes -= capacity;
  const whole = reused ?? Buffer.allocUnsafeSlow(capacity);
  out.add(whole.buffer);
  return whole.subarray(0, size);
}

/** Call only once nothing reads `data` any more (its response finished). */
export function giveBackReadBuffer(data: Uint8Array): void {
  const backing = data.buffer;
  if (!out.has(backing)) return;
  out.delete(backing);
  if (keptBytes + backing.byteLength > KEEP_BYTES) return;
  keptBytes += backing.byteLength;
  const list = free.get(backing.byteLength) ?? [];
  list.push(Buffer.from(backing as ArrayBuffer));
  free.set(backing.byteLength, list);
}
