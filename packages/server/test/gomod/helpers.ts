import { ZipFile } from "yazl";
import { createGomod } from "../../src/gomod/wiring.ts";
import { makeTestApp } from "../support/fakes.ts";

/**
 * Unit-test stand-in for an upstream module proxy: a `fetch` over an in-memory file map that counts
 * requests per file and can be told to fail. The real loopback upstream runs in test/ (e2e).
 */
export class FakeModuleUpstream {
  readonly files = new Map<string, Buffer>();
  readonly requests: string[] = [];
  /** Per-file answers that replace the normal one. */
  readonly faults = new Map<string, () => Response | Promise<Response>>();
  private readonly holds = new Map<string, Promise<void>>();

  constructor(readonly base = "http://upstream.test") {}

  add(file: string, data: string | Buffer): this {
    this.files.set(file, Buffer.from(data));
    return this;
  }

  count(file: string): number {
    return this.requests.filter((f) => f === file).length;
  }

  /** Answers for `file` wait until the returned function is called. */
  hold(file: string): () => void {
    let release = () => {};
    this.holds.set(
      file,
      new Promise((resolve) => {
        release = resolve;
      }),
    );
    return () => {
      this.holds.delete(file);
      release();
    };
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (!url.href.startsWith(this.base)) throw new TypeError("fetch failed", { cause: new Error(`connect ECONNREFUSED ${url.host}`) });
    const file = decodeURIComponent(url.pathname.slice(new URL(this.base).pathname.length).replace(/^\//, ""));
    this.requests.push(file);
    const held = this.holds.get(file);
    if (held) await abortable(held, init?.signal);
    const fault = this.faults.get(file);
    if (fault) return fault();
    const data = this.files.get(file);
    if (!data) return new Response(`not found: ${file}`, { status: 404, headers: { "content-type": "text/plain" } });
    return new Response(new Uint8Array(data), { status: 200, headers: { "content-length": String(data.length) } });
  };
}

function abortable(wait: Promise<void>, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    wait.then(resolve);
    signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
  });
}

/** A module zip as go's proxies serve it: every file under <path>@<version>/. */
export async function moduleZip(prefix: string, files: Record<string, string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), `${prefix}/${name}`);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface GomodAppOptions {
  upstream?: string;
  anonymous?: boolean;
  tokens?: string;
  mutableTtlMs?: number;
  zipMax?: number;
  timeoutMs?: number;
  /** --gomod-memory (default 0: every answer from the store, as the storage tests expect). */
  memoryBytes?: number;
  /** --gomod-sumdb and --gomod-nosumdb (default off). */
  sumdb?: string;
  noSumdb?: string;
  now?: () => number;
}

/** The whole app (createApp) with /gomod over fakes, filling from `fake`. */
export function makeGomodApp(fake: FakeModuleUpstream, options: GomodAppOptions = {}) {
  const settings = {
    gomodUpstream: options.upstream ?? fake.base,
    gomodAnonymous: options.anonymous ?? false,
    gomodUpstreamTimeout: options.timeoutMs ?? 2000,
    gomodZipMax: options.zipMax ?? 1 << 20,
    gomodMutableTtl: options.mutableTtlMs ?? 60_000,
    gomodMemory: options.memoryBytes ?? 0,
    gomodSumdb: options.sumdb ?? "off",
    gomodNoSumdb: options.noSumdb ?? "",
  };
  const made = makeTestApp({
    tokens: options.tokens,
    gomod: (deps) => createGomod(settings, { ...deps, fetch: fake.fetch, now: options.now }),
  });
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const values = (await made.registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
  };
  return { ...made, metric };
}
