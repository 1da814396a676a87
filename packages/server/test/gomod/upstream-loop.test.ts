import { describe, expect, it } from "vitest";
import { HOP_HEADER } from "../../src/gomod/upstream.ts";
import { FakeModuleUpstream, makeGomodApp } from "./helpers.ts";

// An upstream list that leads back to this server (directly, or through a load balancer to the same
// replica): the hop header is meant to make it fail fast (508 at the 4th hop) instead of deadlocking.
describe("--gomod-upstream leading back to this server", () => {
  /** An app whose upstream is itself; `hopsSeen` lists the hop count of every request the loop made. */
  function loopingApp(hopsSeen: string[] = []) {
    let app: ReturnType<typeof makeGomodApp>["app"] | undefined;
    const base = "http://self.test/gomod";
    // A fetch that is this very server, honouring the abort signal like undici does.
    const loop: typeof fetch = (input, init) =>
      new Promise((resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        const url = new URL(String(input));
        hopsSeen.push(String((init?.headers as Record<string, string>)[HOP_HEADER]));
        Promise.resolve(app!.request(url.pathname, { headers: init?.headers as Record<string, string> })).then(resolve, reject);
      });
    const fake = Object.assign(new FakeModuleUpstream(base), { fetch: loop });
    ({ app } = makeGomodApp(fake, { timeoutMs: 3000 }));
    return app;
  }

  it("fails fast instead of waiting for the upstream timeout (the looped request joins its own fill)", async () => {
    const app = loopingApp();
    const started = Date.now();
    const res = await app.request("/gomod/example.com/m/@v/list");
    const elapsed = Date.now() - started;
    const body = await res.text();
    // Expected: the 4th hop is refused with 508, every hop before it answers 502 at once.
    expect({ status: res.status, body: body.trim(), fast: elapsed < 1500 }).toEqual({
      status: 502,
      body: expect.stringContaining("508"),
      fast: true,
    });
  });

  it("counts a negative hop header as 0: a loop still ends at the 4th hop", async () => {
    const hopsSeen: string[] = [];
    const app = loopingApp(hopsSeen);
    const res = await app.request("/gomod/example.com/m/@v/list", { headers: { [HOP_HEADER]: "-1000" } });
    expect(res.status).toBe(502);
    expect(hopsSeen).toEqual(["1", "2", "3", "4"]);
  });
});
