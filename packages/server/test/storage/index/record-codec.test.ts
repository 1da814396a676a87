import { randomBytes } from "node:crypto";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, RecordFormatError, tryDecodeRecord } from "../../../src/storage/index/record-codec.ts";
import { sampleRecord } from "./index.contract.ts";

const plain = new Packr({ useRecords: false });

describe("action record encoding", () => {
  it("round-trips records, inline bytes included", () => {
    for (const record of [
      sampleRecord(),
      sampleRecord({ size: 3, inline: Buffer.from("abc") }),
      sampleRecord({ size: 0, inline: Buffer.alloc(0) }),
      sampleRecord({ size: 5000, inline: Buffer.from("compressed"), codec: "zstd" }),
      sampleRecord({ size: 5_000_000, codec: "zstd" }),
    ]) {
      expect(decodeRecord(encodeRecord(record))).toEqual(record);
    }
  });

  it("writes raw outputs as version 1 (readable by older replicas) and compressed ones as version 2", () => {
    expect(plain.unpack(encodeRecord(sampleRecord()))).toMatchObject({ v: 1 });
    expect(plain.unpack(encodeRecord(sampleRecord({ codec: "zstd" })))).toMatchObject({ v: 2, c: 1 });
  });

  it("does not alias the buffer it decoded from", () => {
    const bytes = encodeRecord(sampleRecord({ size: 4, inline: Buffer.from("keep") }));
    const record = decodeRecord(bytes);
    bytes.fill(0);
    expect(record.inline?.toString()).toBe("keep");
  });

  it("throws RecordFormatError for an unknown version, with the version in the message", () => {
    const wire = { ...(plain.unpack(encodeRecord(sampleRecord())) as object), v: 3 };
    expect(() => decodeRecord(plain.pack(wire))).toThrow(
      new RecordFormatError("unsupported action record version 3 (this server reads 1 to 2)"),
    );
    expect(tryDecodeRecord(plain.pack(wire))).toBeNull();
    // A version-2 record with a codec this server does not know is refused too, never served raw.
    const unknownCodec = { ...(plain.unpack(encodeRecord(sampleRecord({ codec: "zstd" }))) as object), c: 9 };
    expect(tryDecodeRecord(plain.pack(unknownCodec))).toBeNull();
  });

  it("throws RecordFormatError for garbage and for records with bad fields", () => {
    const valid = plain.unpack(encodeRecord(sampleRecord({ size: 2, inline: Buffer.from("ab") }))) as Record<string, unknown>;
    const broken = [
      Buffer.from("definitely not msgpack"),
      Buffer.alloc(0),
      plain.pack("a string"),
      plain.pack({ o: randomBytes(32) }),
      plain.pack({ ...valid, o: randomBytes(31) }),
      plain.pack({ ...valid, s: -1 }),
      plain.pack({ ...valid, p: "yesterday" }),
      plain.pack({ ...valid, i: Buffer.from("abc") }),
      encodeRecord(sampleRecord()).subarray(0, 20),
    ];
    for (const bytes of broken) {
      expect(() => decodeRecord(bytes)).toThrow(RecordFormatError);
      expect(tryDecodeRecord(bytes)).toBeNull();
    }
  });
});
