/** Runs `work` on every item, at most `concurrency` at once (gc passes, the items of a batch upload). */
export async function inPool<T>(items: readonly T[], concurrency = 8, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
