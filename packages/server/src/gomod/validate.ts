import { isUtf8 } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";
import type { DirHash } from "./dirhash.ts";
import { canonicalVersion } from "./paths.ts";
import type { ProxyRequest } from "./request.ts";
import { isValid } from "./semver.ts";

/**
 * Checks an upstream answer before anything is stored: a file stored once is served to the whole
 * fleet for good, so a truncated or garbled one must never get in. These checks catch transport
 * damage and a misbehaving upstream; go itself still verifies every file against go.sum and the
 * checksum database.
 */

export class InvalidAnswerError extends Error {
  override name = "InvalidAnswerError";
}

/** go refuses module contents above 500 MiB uncompressed (golang.org/x/mod/zip MaxZipFile). */
export const MAX_UNCOMPRESSED = 500 << 20;

/** Largest accepted answer per kind (zips have their own option); go.mod files are capped at 16 MiB by go. */
export const MAX_ANSWER_BYTES: Record<Exclude<ProxyRequest["kind"], "zip">, number> = {
  list: 4 << 20,
  latest: 1 << 20,
  info: 1 << 20,
  query: 1 << 20,
  mod: 16 << 20,
  "sumdb-supported": 64 << 10,
  "sumdb-latest": 64 << 10,
  "sumdb-lookup": 1 << 20,
  "sumdb-tile": 16 << 20,
};

function text(body: Buffer, what: string): string {
  if (!isUtf8(body) || body.includes(0)) throw new InvalidAnswerError(`${what} is not UTF-8 text`);
  return body.toString("utf8");
}

/** A signed note ends with a blank line, then signature lines starting with an em dash. */
function checkSignedNote(note: string, what: string): void {
  if (!note.includes("\n\n\u2014 ") || !note.endsWith("\n")) throw new InvalidAnswerError(`${what} is not a signed note`);
}

function checkInfo(body: Buffer, what: string, wantVersion?: string): void {
  let info: unknown;
  try {
    info = JSON.parse(text(body, what));
  } catch (err) {
    throw err instanceof InvalidAnswerError ? err : new InvalidAnswerError(`${what} is not JSON`);
  }
  const version = (info as { Version?: unknown } | null)?.Version;
  if (typeof version !== "string" || canonicalVersion(version) !== version) {
    throw new InvalidAnswerError(`${what} has no canonical "Version"`);
  }
  if (wantVersion !== undefined && version !== wantVersion) {
    throw new InvalidAnswerError(`${what} is for version ${JSON.stringify(version)}, not ${JSON.stringify(wantVersion)}`);
  }
}

/**
 * One version per line (go reads a line's first field, skipping blank lines and any it cannot parse): an
 * HTML sign-in or error page answered with 200 would otherwise be kept as the list, and served stale
 * while the upstream fails. Refused when no line holds a version; a list with a stray line among its
 * versions is kept, as go would read it.
 */
function checkList(list: string, what: string): void {
  const firsts = list
    .split("\n")
    .map((line) => line.trim().split(/\s+/, 1)[0]!)
    .filter((field) => field !== "");
  if (firsts.length > 0 && !firsts.some(isValid)) throw new InvalidAnswerError(`${what} lists no version`);
}

/** Every answer but a zip: small enough to check in memory. */
export function checkAnswer(request: ProxyRequest, body: Buffer): void {
  const what = `the upstream's ${request.kind} answer`;
  switch (request.kind) {
    case "list":
      checkList(text(body, what), what);
      return;
    case "mod":
      // Stored for good: an HTML sign-in or error page answered with 200 must not become the go.mod.
      // Every proxy's .mod declares its module, a synthesized one for a repository without go.mod too.
      if (!/^\s*module\s+\S/m.test(text(body, what))) throw new InvalidAnswerError(`${what} has no module directive`);
      return;
    case "latest":
    case "query":
      checkInfo(body, what);
      return;
    case "info":
      checkInfo(body, what, request.module?.version);
      return;
    case "sumdb-supported":
      return;
    case "sumdb-latest":
      checkSignedNote(text(body, what), what);
      return;
    case "sumdb-lookup": {
      const record = text(body, what);
      if (!/^\d+\n/.test(record)) throw new InvalidAnswerError(`${what} does not start with a record number`);
      checkSignedNote(record, what);
      return;
    }
    case "sumdb-tile":
      if (request.tileBytes !== undefined ? body.byteLength !== request.tileBytes : body.byteLength === 0) {
        throw new InvalidAnswerError(`${what} has ${body.byteLength} bytes, expected ${request.tileBytes ?? "some"}`);
      }
      return;
    case "zip":
      throw new Error("zips are checked with checkModuleZip");
  }
}

/**
 * A module zip: a readable central directory, every file under "<path>@<version>/", no two names
 * equal but for case, at most MAX_UNCOMPRESSED in all, and every file inflating to its recorded
 * size and CRC-32 (which also catches a truncated or bit-flipped download). With `hash`, every entry
 * is added to it as it is inflated (so within the same bounds), to compare with go's h1.
 */
export async function checkModuleZip(zipFile: string | Buffer, module: { path: string; version: string }, hash?: DirHash): Promise<void> {
  let zip: yauzl.ZipFile;
  const options = { strictFileNames: true, validateEntrySizes: true };
  try {
    // From memory when the caller has it: reading a file through yauzl is many small reads.
    zip = await (Buffer.isBuffer(zipFile) ? yauzl.fromBufferPromise(zipFile, options) : yauzl.openPromise(zipFile, options));
  } catch (err) {
    throw new InvalidAnswerError(`the upstream's zip is not a readable zip file: ${(err as Error).message}`);
  }
  const prefix = `${module.path}@${module.version}/`;
  const seen = new Set<string>();
  let total = 0;
  let inflatedSinceYield = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (!name.startsWith(prefix)) throw new InvalidAnswerError(`the upstream's zip holds ${JSON.stringify(name)}, outside ${prefix}`);
      if (name.endsWith("/")) {
        // go hashes a directory entry as an empty file, and fails on one with content.
        if (entry.uncompressedSize !== 0)
          throw new InvalidAnswerError(`the upstream's zip has a directory ${JSON.stringify(name)} with content`);
        hash?.add(entry.fileNameRaw, EMPTY_SHA256);
        continue;
      }
      const folded = name.toLowerCase();
      if (seen.has(folded)) throw new InvalidAnswerError(`the upstream's zip holds ${JSON.stringify(name)} twice (ignoring case)`);
      seen.add(folded);
      total += entry.uncompressedSize;
      if (total > MAX_UNCOMPRESSED)
        throw new InvalidAnswerError(`the upstream's zip holds more than ${MAX_UNCOMPRESSED} bytes uncompressed`);
      let crc: number;
      const sha256 = hash && createHash("sha256");
      if (Buffer.isBuffer(zipFile) && entry.uncompressedSize <= INFLATE_AT_ONCE_MAX) {
        const data = inflateInPlace(zipFile, entry);
        crc = crc32(data);
        sha256?.update(data);
        // Inflating blocks the event loop: every few MiB, let the server's other requests through.
        inflatedSinceYield += entry.uncompressedSize;
        if (inflatedSinceYield >= YIELD_EVERY_BYTES) {
          inflatedSinceYield = 0;
          await new Promise(setImmediate);
        }
      } else crc = await streamedCrc(zip, entry, sha256);
      if (crc !== entry.crc32) throw new InvalidAnswerError(`the upstream's zip has a damaged ${JSON.stringify(name)} (CRC-32 mismatch)`);
      if (sha256) hash!.add(entry.fileNameRaw, sha256.digest());
    }
  } catch (err) {
    throw err instanceof InvalidAnswerError ? err : new InvalidAnswerError(`the upstream's zip is damaged: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
}

async function streamedCrc(zip: yauzl.ZipFile, entry: yauzl.Entry, sha256?: Hash): Promise<number> {
  let crc = 0;
  for await (const chunk of await zip.openReadStreamPromise(entry)) {
    crc = crc32(chunk as Buffer, crc);
    sha256?.update(chunk as Buffer);
  }
  return crc;
}

const EMPTY_SHA256 = createHash("sha256").digest();

/**
 * Files up to this size are inflated in one call (inflateInPlace); larger ones stream through yauzl, off
 * the event loop and in bounded memory: one call holds the whole file (twice, while node:zlib joins
 * its pieces), and a module author can publish a 500 MiB file that deflates to half a megabyte.
 */
const INFLATE_AT_ONCE_MAX = 8 << 20;
const YIELD_EVERY_BYTES = 4 << 20;

/** Deflate and stored, the methods go's module zips use (golang.org/x/mod/zip); yauzl refuses the rest too. */
const STORED = 0;
const DEFLATED = 8;
const LOCAL_HEADER = 0x04034b50;

/**
 * An entry of a zip held in memory, inflated in one synchronous call, checked for the size its
 * central directory records. yauzl's read stream costs an inflate stream and thread-pool trips per
 * entry: golang.org/x/text (488 files, 29.6 MB) took 200-320 ms to check that way, 125-225 ms this way (Node 24).
 */
function inflateInPlace(zip: Buffer, entry: yauzl.Entry): Buffer {
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > zip.byteLength || zip.readUInt32LE(at) !== LOCAL_HEADER) throw new Error(`no local header for ${entry.fileName}`);
  if (entry.generalPurposeBitFlag & 0x1) throw new Error(`${entry.fileName} is encrypted`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zip.byteLength) throw new Error(`${entry.fileName} overflows the zip`);
  const stored = zip.subarray(start, end);
  let data: Buffer;
  if (entry.compressionMethod === STORED) data = stored;
  else if (entry.compressionMethod === DEFLATED) {
    // One byte over the recorded size is enough to tell a longer entry, and bounds what it can inflate to.
    // One output buffer for most files (node:zlib joins its chunks otherwise), at most 1 MiB of it allocated ahead.
    const chunkSize = Math.max(64, Math.min(entry.uncompressedSize + 1, 1 << 20));
    data = inflateRawSync(stored, { maxOutputLength: entry.uncompressedSize + 1, chunkSize });
  } else throw new Error(`${entry.fileName} uses compression method ${entry.compressionMethod}`);
  if (data.byteLength !== entry.uncompressedSize) {
    throw new Error(`${entry.fileName} holds ${data.byteLength} bytes, not the ${entry.uncompressedSize} recorded`);
  }
  return data;
}
