import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { RequestScanner, readRequests } from "../../src/protocol/reader.ts";
import { decodeRequestHeader, encodeResponse, ProtocolError, type Request } from "../../src/protocol/wire.ts";
import { b64, getRequest, idOf, putRequest, sha256 } from "../helpers.ts";

function scanInChunks(input: Buffer, chunkSize: number): Request[] {
  const scanner = new RequestScanner();
  const out: Request[] = [];
  for (let i = 0; i < input.length; i += chunkSize) out.push(...scanner.push(input.subarray(i, i + chunkSize)));
  scanner.end();
  return out;
}

describe("RequestScanner", () => {
  const body = Buffer.from("hello, cacheprog: a body whose base64 has padding!");
  const stream = Buffer.from(getRequest(1, idOf("a")) + putRequest(2, idOf("b"), body) + putRequest(3, idOf("c"), Buffer.alloc(0)));

  it("splits go's framing identically whatever the chunk boundaries", () => {
    for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
      const requests = scanInChunks(stream, size);
      expect(requests.map((r) => [r.id, r.command, r.bodySize])).toEqual([
        [1, "get", 0],
        [2, "put", body.length],
        [3, "put", 0],
      ]);
      expect(requests[0]?.actionId).toEqual(idOf("a"));
      expect(requests[1]?.outputId).toEqual(sha256(body));
      expect(requests[1]?.body).toEqual(body);
      expect(requests[2]?.body).toHaveLength(0);
    }
  });

  it("decodes a 10 MiB body fed in pipe-sized chunks", () => {
    const big = randomBytes(10 * 1024 * 1024 + 1);
    const [request] = scanInChunks(Buffer.from(putRequest(7, idOf("big"), big)), 65536);
    expect(request?.problem).toBeUndefined();
    expect(request?.body.equals(big)).toBe(true);
  });

  it("tolerates any JSON whitespace between values, or none", () => {
    const input = `\r\n \t${JSON.stringify({ ID: 1, Command: "put", ActionID: b64(idOf("x")), OutputID: b64(sha256(body)), BodySize: body.length })}\n\n\n \t"${b64(body)}"{"ID":2,"Command":"close"}`;
    const requests = scanInChunks(Buffer.from(input), 4);
    expect(requests.map((r) => r.id)).toEqual([1, 2]);
    expect(requests[0]?.body).toEqual(body);
  });

  it("keeps braces and quotes inside header strings from confusing the framing", () => {
    const [request] = scanInChunks(Buffer.from(`{"ID":1,"Command":"we}ird\\"{"}\n\n`), 3);
    expect(request?.command).toBe('we}ird"{');
  });

  it("marks a body shorter or longer than BodySize as a bad request without losing sync", () => {
    const header = (id: number, size: number) =>
      JSON.stringify({ ID: id, Command: "put", ActionID: b64(idOf("x")), OutputID: b64(sha256(body)), BodySize: size });
    const input = `${header(1, body.length + 1)}\n\n"${b64(body)}"\n${header(2, body.length - 1)}\n\n"${b64(body)}"\n${getRequest(3, idOf("y"))}`;
    const requests = scanInChunks(Buffer.from(input), 5);
    expect(requests.map((r) => [r.id, r.problem !== undefined])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(requests[0]?.problem).toMatch(/does not match BodySize/);
  });

  it("throws ProtocolError for malformed JSON, a non-object, a missing body string or a truncated stream", () => {
    expect(() => scanInChunks(Buffer.from('{"ID":1,,}'), 3)).toThrow(/malformed JSON request/);
    expect(() => scanInChunks(Buffer.from("[1]"), 3)).toThrow(/expected a JSON request object/);
    expect(() => scanInChunks(Buffer.from('{"Command":"get"}'), 3)).toThrow(/without a valid ID/);
    expect(() => scanInChunks(Buffer.from('{"ID":1,"BodySize":-4}'), 3)).toThrow(/invalid BodySize/);
    expect(() => scanInChunks(Buffer.from('{"ID":1,"Command":"put","BodySize":3}\n\n{"ID":2}'), 3)).toThrow(
      /expected the base64 body string/,
    );
    expect(() => scanInChunks(Buffer.from(putRequest(4, idOf("z"), body)).subarray(0, -5), 3)).toThrow(/middle of request 4/);
    expect(() => scanInChunks(Buffer.from('{"ID":1'), 3)).toThrow(ProtocolError);
  });

  it("readRequests yields each request as soon as it is complete, before the input ends", async () => {
    const input = new Readable({ read() {} });
    const iterator = readRequests(input)[Symbol.asyncIterator]();
    input.push(getRequest(1, idOf("a")));
    expect((await iterator.next()).value?.id).toBe(1);
    input.push(putRequest(2, idOf("b"), body).slice(0, 30));
    input.push(putRequest(2, idOf("b"), body).slice(30));
    expect((await iterator.next()).value?.body).toEqual(body);
    input.push(null);
    expect((await iterator.next()).done).toBe(true);
  });
});

describe("wire encoding", () => {
  it("falls back to the deprecated ObjectID and reports bad IDs as a per-request problem", () => {
    const out = sha256(Buffer.from("x"));
    expect(decodeRequestHeader(JSON.stringify({ ID: 1, Command: "put", ObjectID: b64(out) })).outputId).toEqual(out);
    expect(decodeRequestHeader(JSON.stringify({ ID: 1, Command: "put", OutputID: b64(out), ObjectID: "ignored" })).problem).toBeUndefined();
    expect(decodeRequestHeader(JSON.stringify({ ID: 1, Command: "get", ActionID: "c2hvcnQ=" })).problem).toMatch(
      /ActionID must be 32 bytes/,
    );
  });

  it("writes go's field names, base64 IDs and RFC 3339 times, omitting empty fields", () => {
    const outputId = sha256(Buffer.from("x"));
    const putTime = new Date("2025-01-02T03:04:05.678Z");
    expect(JSON.parse(encodeResponse({ id: 5, outputId, size: 9, putTime, diskPath: "/c/ab/x-d" }))).toEqual({
      ID: 5,
      OutputID: outputId.toString("base64"),
      Size: 9,
      Time: "2025-01-02T03:04:05.678Z",
      DiskPath: "/c/ab/x-d",
    });
    expect(encodeResponse({ id: 6, miss: true })).toBe('{"ID":6,"Miss":true}\n');
    expect(encodeResponse({ id: 7, err: "boom" })).toBe('{"ID":7,"Err":"boom"}\n');
  });
});
