import { constants } from "node:buffer";
import { SPOOL_THRESHOLD_BYTES, SpooledBody, type SpoolOpener } from "./spool.ts";
import { decodeRequestHeader, ProtocolError, type Request, type RequestHeader } from "./wire.ts";

export type { SpoolOpener };

/** Request headers are ~200 bytes; anything this big means the stream is not cmd/go's. */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * The largest put body held in memory: Node 20's Buffer limit, on every runtime. Node 22+ allows
 * far larger Buffers and allocates them lazily, so a larger body would grow the client past what
 * the runner has and get it killed mid-build; past this, that put alone answers Err. A session's
 * scanner spools every body past SPOOL_THRESHOLD_BYTES to disk, so this binds only one without a spool.
 */
export const MAX_HELD_BODY_BYTES = Math.min(constants.MAX_LENGTH, 2 ** 32);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : `byte 0x${byte.toString(16)}`;
}

/**
 * Incremental splitter for cmd/go's request stream: JSON headers separated by any whitespace (go
 * writes a blank line after each), each followed by a base64 JSON string only when BodySize > 0.
 * Bodies are decoded chunk by chunk straight into a buffer of the announced size, so a body costs
 * linear time and about one copy of memory; with a spool, one past SPOOL_THRESHOLD_BYTES goes to a
 * temp file of the local tier instead (protocol/spool.ts), and its request carries that (`spooled`).
 */
export class RequestScanner {
  private mode: "idle" | "header" | "bodyStart" | "body" = "idle";
  private headerParts: Buffer[] = [];
  private headerLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private header: RequestHeader | undefined;
  private body = Buffer.alloc(0);
  private bodyFilled = 0;
  private bodyOverflow = false;
  /** Set when the body cannot be held at all: it is read past and dropped, and only this put fails. */
  private bodyTooLarge = false;
  /** Base64 characters left over from the previous chunk (fewer than 4). */
  private carry = "";
  /** The current body, when it goes to disk rather than into `body`. */
  private spooled: SpooledBody | undefined;

  constructor(private readonly spool?: SpoolOpener) {}

  /** Feeds one chunk; returns the requests it completed, in stream order. */
  push(chunk: Buffer): Request[] {
    const done: Request[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === "idle") {
        while (i < chunk.length && isSpace(chunk[i] as number)) i++;
        if (i === chunk.length) break;
        if (chunk[i] !== OPEN) throw new ProtocolError(`expected a JSON request object, got ${printable(chunk[i] as number)}`);
        this.mode = "header";
      }
      if (this.mode === "header") {
        const end = this.scanHeader(chunk, i);
        if (end === -1) {
          this.addHeaderPart(chunk.subarray(i));
          break;
        }
        this.addHeaderPart(chunk.subarray(i, end));
        i = end;
        // A header almost always arrives in one chunk: no copy then.
        const parts = this.headerParts;
        const text = parts.length === 1 ? (parts[0] as Buffer).toString("utf8") : Buffer.concat(parts, this.headerLength).toString("utf8");
        const header = decodeRequestHeader(text);
        this.headerParts = [];
        this.headerLength = 0;
        if (header.bodySize === 0) {
          this.mode = "idle";
          done.push({ ...header, body: Buffer.alloc(0) });
          continue;
        }
        this.startBody(header);
      }
      if (this.mode === "bodyStart") {
        while (i < chunk.length && isSpace(chunk[i] as number)) i++;
        if (i === chunk.length) break;
        if (chunk[i] !== QUOTE) {
          throw new ProtocolError(`request ${this.header?.id}: expected the base64 body string, got ${printable(chunk[i] as number)}`);
        }
        i++;
        this.mode = "body";
      }
      if (this.mode === "body") {
        const quote = chunk.indexOf(QUOTE, i);
        this.decodeBase64(chunk.toString("latin1", i, quote === -1 ? chunk.length : quote), quote !== -1);
        if (quote === -1) break;
        i = quote + 1;
        done.push(this.finishBody());
      }
    }
    return done;
  }

  /** Whether the scanner keeps views into the chunks it was given (a header cut across chunks): they must not be reused. */
  get holdsInput(): boolean {
    return this.headerParts.length > 0;
  }

  /** Call at EOF: a request cut short means go died mid-write, which is not a clean shutdown. */
  end(): void {
    if (this.mode !== "idle") {
      this.abort();
      const which = this.header ? `request ${this.header.id}` : "a request";
      throw new ProtocolError(`stdin ended in the middle of ${which}`);
    }
  }

  /** Drops a body being spooled (the session stops mid-body): its temp file goes. */
  abort(): void {
    this.spooled?.abort();
    this.spooled = undefined;
  }

  /** Returns the index just past the header's closing brace, or -1 if it continues in a later chunk. */
  private scanHeader(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN) this.depth++;
      else if (byte === CLOSE && --this.depth === 0) return i + 1;
    }
    return -1;
  }

  private addHeaderPart(part: Buffer): void {
    this.headerParts.push(part);
    this.headerLength += part.length;
    if (this.headerLength > MAX_HEADER_BYTES) throw new ProtocolError(`request header longer than ${MAX_HEADER_BYTES} bytes`);
  }

  private startBody(header: RequestHeader): void {
    this.header = header;
    this.bodyTooLarge = false;
    this.bodyFilled = 0;
    this.bodyOverflow = false;
    this.carry = "";
    this.mode = "bodyStart";
    if (this.spool && header.bodySize > SPOOL_THRESHOLD_BYTES) {
      const { actionId, outputId } = header;
      // Only a put the tiers will take gets a file. Any other request (bad or missing IDs, not a put)
      // is refused or needs no body: its body is read past and dropped, never held.
      const usable = header.command === "put" && actionId && outputId && header.problem === undefined;
      this.spooled = new SpooledBody(usable ? this.spool : undefined, actionId as Buffer, outputId as Buffer, header.bodySize);
      this.body = Buffer.alloc(0);
      return;
    }
    try {
      if (header.bodySize > MAX_HELD_BODY_BYTES) throw new RangeError("body too large to hold");
      this.body = Buffer.allocUnsafe(header.bodySize);
    } catch {
      // Past the cap or the allocator's limit: the body string is still read past (decodeBase64
      // sees no room and drops it), so the stream stays in sync and go gets an Err for this put alone.
      this.body = Buffer.alloc(0);
      this.bodyTooLarge = true;
    }
  }

  private decodeBase64(text: string, final: boolean): void {
    let chars = this.carry + text;
    const usable = final ? chars.length : chars.length - (chars.length % 4);
    this.carry = chars.slice(usable);
    chars = chars.slice(0, usable);
    if (chars.length === 0) return;
    if (this.spooled) {
      this.spooled.write(chars);
      return;
    }
    // Decoded straight into the body: a Buffer per chunk (168 MB of them in a cold go build std) is
    // external memory that V8 answers with more collections. Go's base64 is canonical (no whitespace),
    // so byteLength is exact; anything else ends as a body that does not match its BodySize.
    if (this.bodyFilled + Buffer.byteLength(chars, "base64") > this.body.length) {
      this.bodyOverflow = true;
      return;
    }
    this.bodyFilled += this.body.write(chars, this.bodyFilled, "base64");
  }

  private finishBody(): Request {
    const header = this.header as RequestHeader;
    const request: Request = { ...header, body: this.body };
    if (this.spooled) {
      const spooled = this.spooled.end();
      this.spooled = undefined;
      if ("sink" in spooled) request.spooled = spooled.sink;
      else if (spooled.problem !== undefined) request.problem = spooled.problem;
    } else if (this.bodyTooLarge || this.bodyOverflow || this.bodyFilled !== header.bodySize) {
      // The closing quote kept the stream in sync, so only this request is bad.
      request.problem = this.bodyTooLarge
        ? `BodySize ${header.bodySize} is too large to hold; nothing stored`
        : `body does not match BodySize ${header.bodySize}`;
      request.body = Buffer.alloc(0);
    }
    this.header = undefined;
    this.body = Buffer.alloc(0);
    this.mode = "idle";
    return request;
  }
}

/** Yields requests as they complete; the consumer may handle them concurrently while reading continues. */
export async function* readRequests(input: AsyncIterable<Buffer | string>): AsyncGenerator<Request> {
  const scanner = new RequestScanner();
  for await (const chunk of input) {
    yield* scanner.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  scanner.end();
}
