import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { RequestScanner, type SpoolOpener } from "../../src/protocol/reader.ts";
import { SPOOL_THRESHOLD_BYTES } from "../../src/protocol/spool.ts";
import type { Request } from "../../src/protocol/wire.ts";
import { b64, getRequest, idOf, listFiles, putRequest, sha256 } from "../helpers.ts";

let dir: string;
let tier: DiskTier;
let opened: number;
let spool: SpoolOpener;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "spool-"));
  tier = new DiskTier({ dir });
  opened = 0;
  spool = (actionId, outputId, size) => {
    opened++;
    return tier.ingest(actionId, outputId, size, new Date());
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Just past the threshold, with bytes whose base64 is not one repeated quad. */
function largeBody(): Buffer {
  const body = Buffer.alloc(SPOOL_THRESHOLD_BYTES + 5);
  for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
  return body;
}

function scan(scanner: RequestScanner, input: Buffer, chunkSize = 65_537): Request[] {
  const out: Request[] = [];
  for (let i = 0; i < input.length; i += chunkSize) out.push(...scanner.push(input.subarray(i, i + chunkSize)));
  return out;
}

describe("a scanner with a spool", () => {
  it("writes a body past the threshold to the local tier's temp file, which the put moves into place", async () => {
    const body = largeBody();
    const small = Buffer.from("small");
    const scanner = new RequestScanner(spool);
    const [large, held] = scan(scanner, Buffer.from(putRequest(1, idOf("large"), body) + putRequest(2, idOf("small"), small)));
    scanner.end();
    expect(large?.problem).toBeUndefined();
    expect(large?.body).toHaveLength(0);
    expect(large?.spooled?.written).toBe(body.length);
    // Below the threshold, the body is held as ever.
    expect(held?.spooled).toBeUndefined();
    expect(held?.body.equals(small)).toBe(true);
    const { diskPath } = tier.putNow(idOf("large"), sha256(body), large?.spooled as NonNullable<Request["spooled"]>);
    expect(
      createHash("sha256")
        .update(await readFile(diskPath))
        .digest(),
    ).toEqual(sha256(body));
    expect(tier.getNow(idOf("large"))).toMatchObject({ hit: true, size: body.length, diskPath });
    expect(await listFiles(dir)).toHaveLength(2);
  });

  it("answers a body longer than its BodySize, or one it cannot open a file for, with a problem and leaves nothing", async () => {
    const body = largeBody();
    const header = { ID: 1, Command: "put", ActionID: b64(idOf("long")), OutputID: b64(sha256(body)), BodySize: body.length - 3 };
    const scanner = new RequestScanner(spool);
    const [long, next] = scan(scanner, Buffer.from(`${JSON.stringify(header)}\n\n"${b64(body)}"\n${getRequest(2, idOf("long"))}`));
    expect(long?.problem).toMatch(/does not match BodySize/);
    expect(next?.command).toBe("get");
    expect(await listFiles(dir)).toEqual([]);

    const failing = new RequestScanner(() => {
      throw new Error("EACCES: permission denied");
    });
    const [refused, after] = scan(failing, Buffer.from(putRequest(3, idOf("x"), body) + getRequest(4, idOf("x"))));
    expect(refused?.problem).toMatch(/cannot spool the body to disk: EACCES/);
    expect(after?.id).toBe(4);
  });

  it("reads past a large body of a request the tiers will refuse, without a file and without holding it", () => {
    const body = largeBody();
    const scanner = new RequestScanner(spool);
    const get = { ID: 1, Command: "get", ActionID: b64(idOf("get")), BodySize: body.length };
    const noOutputId = { ID: 2, Command: "put", ActionID: b64(idOf("put")), BodySize: body.length };
    const input = [get, noOutputId].map((header) => `${JSON.stringify(header)}\n\n"${b64(body)}"\n`).join("");
    const requests = scan(scanner, Buffer.from(input + getRequest(3, idOf("get"))));
    expect(requests.map((r) => [r.id, r.body.length, r.spooled, r.problem])).toEqual([
      [1, 0, undefined, undefined],
      [2, 0, undefined, undefined],
      [3, 0, undefined, undefined],
    ]);
    expect(opened).toBe(0);
  });

  it("removes the temp file when the stream ends mid-body", async () => {
    const body = largeBody();
    const scanner = new RequestScanner(spool);
    const input = Buffer.from(putRequest(1, idOf("cut"), body));
    scan(scanner, input.subarray(0, input.length / 2));
    expect(await listFiles(dir)).toHaveLength(1);
    expect(() => scanner.end()).toThrow(/stdin ended in the middle of request 1/);
    expect(await listFiles(dir)).toEqual([]);
  });
});

it("without a spool, a body past MAX_HELD_BODY_BYTES is still read past and refused as too large to hold", () => {
  const scanner = new RequestScanner();
  const header = { ID: 1, Command: "put", ActionID: b64(idOf("huge")), OutputID: b64(idOf("out")), BodySize: 5_000_000_000 };
  const [huge, next] = scan(scanner, Buffer.from(`${JSON.stringify(header)}\n\n"${"QUJD".repeat(4096)}"\n${getRequest(2, idOf("huge"))}`));
  expect(huge?.problem).toMatch(/too large to hold/);
  expect(next?.id).toBe(2);
});
