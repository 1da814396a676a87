import { ID_BYTES } from "@gocacheprog/common";
import type { OutputSink } from "../tier.ts";

/**
 * The only module that knows cmd/go's JSON field names (cmd/go/internal/cacheprog). Everything
 * else works with Buffers, numbers and Dates.
 */

export const KNOWN_COMMANDS = ["get", "put", "close"] as const;
export type Command = (typeof KNOWN_COMMANDS)[number];

/** A broken stream: the framing is lost, so the only safe reaction is to stop. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

export interface RequestHeader {
  id: number;
  command: string;
  actionId?: Buffer;
  outputId?: Buffer;
  /** Decoded body length; a base64 JSON string follows the header only when this is > 0. */
  bodySize: number;
  /** Set when this one request is unusable but the stream is still in sync: answer it with Err. */
  problem?: string;
}

export interface Request extends RequestHeader {
  /** Empty when the body was spooled. */
  body: Buffer;
  /**
   * A body too large to hold (protocol/spool.ts), already written to a temp file of the local tier:
   * the put finishes it. A session that does not get that far aborts it (nothing stays on disk).
   */
  spooled?: OutputSink;
}

export interface Response {
  id: number;
  err?: string;
  miss?: boolean;
  outputId?: Buffer;
  size?: number;
  putTime?: Date;
  diskPath?: string;
}

// encoding/json writes []byte as padded standard base64; a 32-byte ID is always 44 characters.
const BASE64_ID = /^[A-Za-z0-9+/]{43}=$/;

function decodeId(value: unknown, field: string): Buffer | string {
  if (typeof value !== "string" || !BASE64_ID.test(value)) return `${field} must be ${ID_BYTES} bytes of base64`;
  return Buffer.from(value, "base64");
}

function describe(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text);
}

export function decodeRequestHeader(text: string): RequestHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`malformed JSON request ${describe(text)}: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ProtocolError(`request is not a JSON object: ${describe(text)}`);
  const obj = raw as Record<string, unknown>;
  if (typeof obj.ID !== "number" || !Number.isSafeInteger(obj.ID) || obj.ID < 0) {
    throw new ProtocolError(`request without a valid ID: ${describe(text)}`);
  }
  const bodySize = obj.BodySize ?? 0;
  if (typeof bodySize !== "number" || !Number.isSafeInteger(bodySize) || bodySize < 0) {
    throw new ProtocolError(`request ${obj.ID} has an invalid BodySize: ${describe(text)}`);
  }
  const header: RequestHeader = { id: obj.ID, command: typeof obj.Command === "string" ? obj.Command : "", bodySize };
  const problems: string[] = [];
  if (obj.ActionID !== undefined) {
    const id = decodeId(obj.ActionID, "ActionID");
    if (typeof id === "string") problems.push(id);
    else header.actionId = id;
  }
  // Go <= 1.23 (and 1.24 built with GOEXPERIMENT=cacheprog) sends the deprecated ObjectID.
  const output = obj.OutputID ?? obj.ObjectID;
  if (output !== undefined) {
    const id = decodeId(output, "OutputID");
    if (typeof id === "string") problems.push(id);
    else header.outputId = id;
  }
  if (problems.length > 0) header.problem = problems.join("; ");
  return header;
}

export function encodeHandshake(): string {
  return `${JSON.stringify({ ID: 0, KnownCommands: KNOWN_COMMANDS })}\n`;
}

/**
 * Built as a string, field by field in encoding/json's order, rather than through an object and
 * JSON.stringify: this runs once per answer. Only the free-text fields need JSON escaping.
 */
export function encodeResponse(res: Response): string {
  let out = `{"ID":${res.id}`;
  if (res.err !== undefined) out += `,"Err":${JSON.stringify(res.err)}`;
  if (res.miss) out += `,"Miss":true`;
  if (res.outputId !== undefined) out += `,"OutputID":"${res.outputId.toString("base64")}"`;
  if (res.size !== undefined && res.size > 0) out += `,"Size":${res.size}`;
  if (res.putTime !== undefined) out += `,"Time":"${res.putTime.toISOString()}"`;
  if (res.diskPath !== undefined) out += `,"DiskPath":${JSON.stringify(res.diskPath)}`;
  return `${out}}\n`;
}
