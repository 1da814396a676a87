/**
 * Imported first by main.ts, so it runs before the rest of the bundle is evaluated.
 *
 * A client lives for one go command and spends it in native code (file calls, zstd, sha256). V8's
 * optimizing tiers (Maglev, TurboFan) would compile its little hot JS on a background thread and map
 * more of node's binary to do it. Without them, peak RSS on Node 24 (3 interleaved runs each):
 * remote-warm `go build std` 95-97 -> 78-84 MB, local-warm 61-63 -> 53-54 MB, with build times and
 * client CPU unchanged (a cold std build too). Set after the bundle's modules have run, the local-warm
 * gain was lost (62.5 MB): their evaluation already tiers up. V8 reads both flags at each tier-up
 * decision, so setting them at run time works on Node 20 and 24; node:v8 costs 2-6 ms to load, after
 * the launcher has sent go its handshake.
 *
 * Sparkplug compiles on the main thread too. Node 24 compiles it on a worker by default, and such a
 * job that needs a GC waits for the main thread to run one; if the main thread is in process.exit
 * then, joining its workers, neither moves: a single-file client hung that way at the end of a go
 * build in the suite (gdb: ConcurrentBaselineCompiler -> CollectionBarrier::AwaitCollectionBackground
 * on the worker, NodePlatform::Shutdown -> uv_thread_join on the main thread; the same deadlock as
 * nodejs/node#54918 with Maglev). Node 20 already defaults to it.
 */
process.getBuiltinModule("node:v8").setFlagsFromString("--no-opt --no-maglev --no-concurrent-sparkplug");
