/** ActionIDs and OutputIDs are SHA-256 digests: always exactly 32 bytes. */
export const ID_BYTES = 32;
const HEX_ID = /^[0-9a-f]{64}$/;

/** Canonical text form of an ID on the HTTP API and in storage keys: 64 lowercase hex characters. */
export function isHexId(value: string): boolean {
  return HEX_ID.test(value);
}

export function idToHex(id: Uint8Array): string {
  if (id.length !== ID_BYTES) throw new RangeError(`ID must be ${ID_BYTES} bytes, got ${id.length}`);
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}

/**
 * node:crypto is looked up on first use, not imported: loading it costs ~8 ms of CPU (Node 24), and
 * the client starts once per go command, often to answer only local hits that never hash anything.
 */
export function nodeCrypto(): typeof import("node:crypto") {
  return process.getBuiltinModule("node:crypto");
}

export function sha256Hex(data: Uint8Array): string {
  return nodeCrypto().createHash("sha256").update(data).digest("hex");
}

/** sha256 of the empty body: the OutputID go sends for every zero-byte put. */
export const EMPTY_OUTPUT_ID_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
