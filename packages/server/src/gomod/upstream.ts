import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@gocacheprog/common";

/**
 * The upstream module proxies, with go's own GOPROXY list semantics: after an entry followed by ','
 * the next one is tried only when the answer is 404 or 410; after '|' on any error. "off" ends the
 * list. "direct" (fetching from version control) is not something this server does.
 */

export interface UpstreamEntry {
  /** Base URL without userinfo or trailing slash. */
  base: string;
  /** Basic credentials from the URL's userinfo; never logged. */
  authorization?: string;
  fallBackOnError: boolean;
}

export function parseUpstreams(list: string, flag = "--gomod-upstream"): UpstreamEntry[] {
  const entries: UpstreamEntry[] = [];
  let rest = list.trim();
  while (rest !== "") {
    const sep = rest.search(/[,|]/);
    const word = (sep < 0 ? rest : rest.slice(0, sep)).trim();
    const fallBackOnError = sep >= 0 && rest[sep] === "|";
    rest = sep < 0 ? "" : rest.slice(sep + 1);
    if (word === "") continue;
    if (word === "off") break;
    if (word === "direct") {
      throw new ConfigError(`${flag}: "direct" is not supported: the server only fills from module proxies (drop ",direct" from the list)`);
    }
    let url: URL;
    try {
      url = new URL(word);
    } catch {
      throw new ConfigError(`${flag}: entry ${entries.length + 1} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new ConfigError(`${flag}: entry ${entries.length + 1} must be http(s)`);
    if (url.search !== "" || url.hash !== "")
      throw new ConfigError(`${flag}: entry ${entries.length + 1} must not have a query or fragment`);
    const entry: UpstreamEntry = { base: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, fallBackOnError };
    if (url.username !== "" || url.password !== "") {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      entry.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
    }
    entries.push(entry);
  }
  return entries;
}

export interface BodyLimits {
  maxBytes: number;
  /** Bodies above this many bytes (or of unknown length) go to a temp file; undefined = always in memory. */
  spoolAbove?: number;
}

export type UpstreamOutcome = "error" | "timeout" | "too-large" | "invalid" | "mismatch";

/** The upstream could not give a usable answer: 502 (or 504 for a timeout) to go. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  /** The base URL of the upstream that failed (for the log; the message names it by its place only). */
  upstream?: string;
  /** What the connection attempt said ("connect ECONNREFUSED 10.0.0.5:3000"): it names hosts, so the log's only. */
  detail?: string;
  constructor(
    readonly outcome: UpstreamOutcome,
    message: string,
  ) {
    super(message);
  }
  get status(): 502 | 504 {
    return this.outcome === "timeout" ? 504 : 502;
  }
}

export type Fetched =
  | { found: true; body: Buffer }
  /** Spooled: the temp file, its size and its sha256, taken while it was written. */
  | { found: true; file: string; size: number; sha256Hex: string }
  | { found: false; status: 404 | 410; message: string };

/**
 * The least average rate of an answer, per --gomod-upstream-timeout (256 KiB per 30 s: ~9 KB/s, below
 * any working link): a 500 MiB zip may take up to ~17 h at it, a 1 MiB .info 2 min.
 */
const MIN_BYTES_PER_TIMEOUT = 256 << 10;

/** Counts proxy hops; a --gomod-upstream that leads back to this server fails instead of deadlocking. */
export const HOP_HEADER = "x-gocacheprog-gomod-hops";

export interface UpstreamOptions {
  /** Longest wait for response headers, and between two chunks of a body. */
  timeoutMs: number;
  /** Where spooled bodies go (one private temp dir; removed by close()). */
  spoolRoot?: string;
  fetch?: typeof fetch;
}

export class Upstream {
  private readonly fetchImpl: typeof fetch;
  private spoolDir: Promise<string> | undefined;

  constructor(
    readonly entries: readonly UpstreamEntry[],
    private readonly options: UpstreamOptions,
  ) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Asks each entry in turn for `file` (a validated path below the proxy root). A body goes to
   * memory, or, when it announces more than `spoolAbove` bytes or no length at all, to a temp file the
   * caller must remove; either way at most `maxBytes`.
   */
  async get(file: string, limits: BodyLimits, hops: number): Promise<Fetched> {
    if (this.entries.length === 0) return { found: false, status: 404, message: "not in the module cache, and the upstream is off" };
    let notFound: Fetched | undefined;
    let failure: UpstreamError | undefined;
    for (const [i, entry] of this.entries.entries()) {
      try {
        const result = await this.getFrom(entry, i, file, limits, hops);
        if (result.found) return result;
        notFound ??= result;
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        failure ??= err;
        if (!entry.fallBackOnError) throw failure;
      }
    }
    // Like go: a real failure says more than "not found" from a later proxy.
    if (failure) throw failure;
    return notFound!;
  }

  private async getFrom(entry: UpstreamEntry, index: number, file: string, limits: BodyLimits, hops: number): Promise<Fetched> {
    // go shows the message, and /gomod may be anonymous: the upstream's address goes to the log only.
    const who = `upstream ${index + 1}`;
    const controller = new AbortController();
    const { timeoutMs } = this.options;
    /** When the response headers came (the body's rate counts from then). */
    let bodyStarted: number | undefined;
    let received = 0;
    let timer: NodeJS.Timeout | undefined;
    let tooSlow = false;
    // Silence for timeoutMs fails the fetch; so does a trickle, whose every byte would re-arm that
    // forever: past its first timeoutMs the body must average MIN_BYTES_PER_TIMEOUT per timeoutMs.
    const rearm = () => {
      clearTimeout(timer);
      const now = performance.now();
      const rateDueMs = bodyStarted === undefined ? timeoutMs : bodyStarted + timeoutMs * (1 + received / MIN_BYTES_PER_TIMEOUT) - now;
      const delayMs = Math.max(0, Math.min(timeoutMs, rateDueMs));
      timer = setTimeout(() => {
        tooSlow = received > 0 && delayMs < timeoutMs;
        controller.abort();
      }, delayMs);
    };
    const headers: Record<string, string> = { "accept-encoding": "identity", [HOP_HEADER]: String(hops + 1) };
    if (entry.authorization) headers["authorization"] = entry.authorization;
    let spooled: { path: string; handle: FileHandle } | undefined;
    let answered = false;
    try {
      rearm();
      const url = `${entry.base}/${file.split("/").map(pathEscape).join("/")}`;
      const response = await this.fetchImpl(url, { headers, signal: controller.signal });
      answered = true;
      bodyStarted = performance.now();
      rearm();
      if (response.status === 404 || response.status === 410) {
        return { found: false, status: response.status, message: await shortText(response) };
      }
      if (response.status !== 200) throw new UpstreamError("error", `${who} answered ${response.status}: ${await shortText(response)}`);
      // An upstream that compresses anyway: fetch decodes the body, so its Content-Length (of the encoded
      // bytes) says nothing about what arrives; the limit counts decoded bytes.
      const declaredText = response.headers.get("content-encoding") ? null : response.headers.get("content-length");
      const declared = declaredText === null ? undefined : Number(declaredText);
      if (declared !== undefined && !(Number.isSafeInteger(declared) && declared >= 0)) {
        throw new UpstreamError("invalid", `${who} announced a length of ${JSON.stringify(declaredText)}, not a number of bytes`);
      }
      if (declared !== undefined && declared > limits.maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new UpstreamError("too-large", `${who} offers ${declared} bytes, more than the limit of ${limits.maxBytes}`);
      }
      if (limits.spoolAbove !== undefined && (declared === undefined || declared > limits.spoolAbove)) {
        const path = join(await this.spoolRoot(), randomBytes(12).toString("hex"));
        spooled = { path, handle: await open(path, "wx") };
      }
      // A body of announced length is copied once, into a buffer of that length.
      const whole = declared !== undefined && !spooled ? Buffer.allocUnsafe(declared) : undefined;
      const chunks: Uint8Array[] = [];
      const hash = spooled && createHash("sha256");
      for await (const chunk of response.body ?? []) {
        rearm();
        received += chunk.byteLength;
        if (received > limits.maxBytes) throw new UpstreamError("too-large", `${who} sent more than the limit of ${limits.maxBytes} bytes`);
        if (spooled) {
          hash?.update(chunk);
          await spooled.handle.write(chunk);
        } else if (whole) {
          if (received > whole.byteLength) throw new UpstreamError("invalid", `${who} sent more than the ${declared} bytes it announced`);
          whole.set(chunk, received - chunk.byteLength);
        } else chunks.push(chunk);
      }
      if (declared !== undefined && received !== declared) {
        throw new UpstreamError("invalid", `${who} sent ${received} of the ${declared} bytes it announced`);
      }
      if (!spooled) return { found: true, body: whole ?? Buffer.concat(chunks, received) };
      await spooled.handle.close();
      const result: Fetched = { found: true, file: spooled.path, size: received, sha256Hex: hash!.digest("hex") };
      spooled = undefined;
      return result;
    } catch (err) {
      if (err instanceof UpstreamError) {
        err.upstream ??= entry.base;
        throw err;
      }
      if (controller.signal.aborted) {
        const elapsedMs = Math.round(performance.now() - bodyStarted!);
        const why = tooSlow
          ? `sent ${received} bytes in ${elapsedMs} ms, less than ${MIN_BYTES_PER_TIMEOUT} per ${timeoutMs} ms`
          : `was silent for ${timeoutMs} ms`;
        throw Object.assign(new UpstreamError("timeout", `${who} ${why}`), { upstream: entry.base });
      }
      // Before an answer the reason names the host ("connect ECONNREFUSED 10.0.0.5:3000"): go gets its code.
      // A body that broke off says how ("other side closed"), which go may show.
      const reason = answered ? describeFetchError(err) : fetchErrorCode(err);
      throw Object.assign(new UpstreamError("error", `${who}: ${reason}`), {
        upstream: entry.base,
        detail: describeFetchError(err),
      });
    } finally {
      clearTimeout(timer);
      if (spooled) {
        await spooled.handle.close().catch(() => {});
        await rm(spooled.path, { force: true });
      }
    }
  }

  private spoolRoot(): Promise<string> {
    this.spoolDir ??= mkdtemp(join(this.options.spoolRoot ?? tmpdir(), "gocacheprog-gomod-"));
    return this.spoolDir;
  }

  async close(): Promise<void> {
    if (this.spoolDir) await rm(await this.spoolDir, { recursive: true, force: true });
  }
}

/** The start of an error body, for go's "server response:" line; printable characters only, 4 KiB read at most. */
async function shortText(response: Response): Promise<string> {
  let text = "";
  try {
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    while (reader && text.length < ERROR_TEXT_MAX) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader?.cancel();
  } catch {
    // The message is a courtesy: whatever arrived is enough.
  }
  return (
    text
      .slice(0, 500)
      .replace(/[^\x20-\x7e\n\t]/g, "?")
      .trim() ||
    response.statusText ||
    "(no message)"
  );
}

const ERROR_TEXT_MAX = 4096;

/** One path element as go's url.PathEscape writes it: "@", "+", ":" and "!" stay as they are. */
function pathEscape(element: string): string {
  return encodeURIComponent(element).replace(/%(40|2B|3A)/g, (escaped) => decodeURIComponent(escaped));
}

/** For go: the cause's code (ECONNREFUSED, ENOTFOUND), never its message, which names the host and port. */
function fetchErrorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as Error).message ?? String(err);
}

/** undici wraps the useful part ("connect ECONNREFUSED ...", "other side closed") in err.cause. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? cause?.code ?? (err as Error).message ?? String(err);
}
