import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/remote/breaker.ts";
import { displayUrl } from "../../src/remote/open.ts";
import { BoundedUploader } from "../../src/remote/uploader.ts";

describe("CircuitBreaker", () => {
  it("opens after the threshold, lets one trial through after the open period, closes on success", () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1000, () => now);
    expect([b.failed(), b.failed()]).toEqual([false, false]);
    expect(b.allow()).toBe(true);
    expect(b.failed()).toBe(true); // this one opened it
    expect(b.allow()).toBe(false);
    now = 1001;
    expect(b.isClosed).toBe(false); // half-open is not healthy enough for speculative requests
    expect(b.allow()).toBe(true); // the half-open trial
    expect(b.allow()).toBe(false); // only one trial at a time
    expect(b.failed()).toBe(false); // re-opened, but not worth another log line
    expect(b.allow()).toBe(false);
    now = 2100;
    expect(b.allow()).toBe(true);
    b.succeeded();
    expect([b.allow(), b.allow(), b.isOpen, b.isClosed]).toEqual([true, true, false, true]);
  });
});

describe("BoundedUploader", () => {
  it("runs at most `concurrency` jobs, drops beyond the queue bound, drains", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const release: (() => void)[] = [];
    const u = new BoundedUploader<number>(2, 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      done.push(n);
    });
    const accepted = [1, 2, 3, 4, 5, 6].map((n) => u.offer(n));
    // 2 start at once, 3 wait, the 6th finds the queue full.
    expect(accepted).toEqual([true, true, true, true, true, false]);
    const draining = u.drain(5_000);
    while (done.length < 5) {
      await new Promise((r) => setTimeout(r, 1));
      release.shift()?.();
    }
    expect(await draining).toBe(0);
    expect(peak).toBe(2);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(u.offer(7)).toBe(false); // stopped after drain
  });

  it("abandons queued jobs when the drain deadline passes", async () => {
    const u = new BoundedUploader<number>(1, 10, () => new Promise<void>(() => {}));
    u.offer(1);
    u.offer(2);
    u.offer(3);
    expect(await u.drain(20)).toBe(2);
  });

  it("weighs a batch by the outputs it carries, in the bound and in what a drain abandons", async () => {
    const u = new BoundedUploader<string>(1, 10, () => new Promise<void>(() => {}));
    expect(u.offer("running", 4)).toBe(true); // taken by the worker at once
    expect(u.offer("a", 6)).toBe(true);
    expect(u.offer("b", 5)).toBe(false); // 6 + 5 > 10
    expect(u.offer("c", 4)).toBe(true);
    expect(u.offer("d", 1)).toBe(false);
    expect(await u.drain(20)).toBe(10);
  });

  it("takes a batch heavier than the whole bound when nothing waits, so a small queue never stops uploads", () => {
    const u = new BoundedUploader<string>(1, 2, () => new Promise<void>(() => {}));
    expect(u.offer("running", 1)).toBe(true);
    expect(u.offer("big", 5)).toBe(true);
    expect(u.offer("next", 1)).toBe(false);
  });
});

describe("displayUrl", () => {
  it("never shows credentials or query strings", () => {
    expect(displayUrl("https://user:secret@cache.example:8443/base/?token=abc")).toBe("https://cache.example:8443/base");
  });
});
