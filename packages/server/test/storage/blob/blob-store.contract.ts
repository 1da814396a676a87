import { randomBytes } from "node:crypto";
import { sha256Hex } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "../../../src/storage/blob/types.ts";
import { IntegrityError } from "../../../src/storage/errors.ts";
import { actionRecordKey, compressedOutputKey, GOMOD_NAMESPACE, outputKey, outputsPrefix } from "../../../src/storage/keys.ts";
import { chunked, collect, failingAfter, freshNamespace, randomHexId, readAll } from "../../support/contract-helpers.ts";

export interface BlobStoreFixture {
  create(): Promise<BlobStore>;
  /** Bodies larger than this take the store's multi-part path (S3); the suite puts one over twice as large. */
  partSize: number;
}

/** The behaviour every BlobStore must have; run against each implementation by blob-store.test.ts and against the fake by support/fakes.test.ts. */
export function runBlobStoreContract(name: string, fixture: BlobStoreFixture): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeAll(async () => {
      store = await fixture.create();
    });
    afterAll(async () => {
      await store?.close();
    });

    const put = (key: string, bytes: Uint8Array, body: AsyncIterable<Uint8Array> = chunked(bytes)) =>
      store.put(key, body, { size: bytes.length, sha256Hex: sha256Hex(bytes) });

    async function expectAbsent(namespace: string, key: string) {
      expect(await store.get(key)).toBeNull();
      expect(await store.getBytes(key)).toBeNull();
      expect(await store.head(key)).toBeNull();
      expect(await collect(store.list(`${namespace}/`))).toEqual([]);
    }

    it("stores a small body and returns the same bytes through get, getBytes and head", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      const bytes = randomBytes(3000);
      await put(key, bytes);
      const object = await store.get(key);
      expect(object?.size).toBe(bytes.length);
      expect((await readAll(object!.body)).equals(bytes)).toBe(true);
      expect((await store.getBytes(key))?.equals(bytes)).toBe(true);
      expect((await store.head(key))?.size).toBe(bytes.length);
    });

    it("stores an empty body", async () => {
      const key = outputKey(freshNamespace(), randomHexId());
      await put(key, Buffer.alloc(0));
      const object = await store.get(key);
      expect(object?.size).toBe(0);
      expect((await readAll(object!.body)).length).toBe(0);
      expect((await store.head(key))?.size).toBe(0);
    });

    it("stores a body larger than two parts, byte for byte", async () => {
      const key = outputKey(freshNamespace(), randomHexId());
      const bytes = randomBytes(fixture.partSize * 2 + 12_345);
      await put(key, bytes, chunked(bytes, 1 << 20));
      expect((await store.head(key))?.size).toBe(bytes.length);
      expect((await readAll((await store.get(key))!.body)).equals(bytes)).toBe(true);
    });

    it("stores a body that arrives in many small chunks of odd sizes, byte for byte", async () => {
      const key = outputKey(freshNamespace(), randomHexId());
      const bytes = randomBytes(300_001);
      await put(key, bytes, chunked(bytes, 997));
      expect((await store.getBytes(key))?.equals(bytes)).toBe(true);
    });

    it("stores a body of exactly one part in one piece", async () => {
      const key = outputKey(freshNamespace(), randomHexId());
      const bytes = randomBytes(fixture.partSize);
      await put(key, bytes);
      expect((await store.getBytes(key))?.equals(bytes)).toBe(true);
    });

    it("refuses a body whose sha256 differs and stores nothing", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      const bytes = randomBytes(5000);
      const wrong = sha256Hex(randomBytes(5000));
      await expect(store.put(key, chunked(bytes), { size: bytes.length, sha256Hex: wrong })).rejects.toBeInstanceOf(IntegrityError);
      await expectAbsent(ns, key);
    });

    it("refuses a multi-part body whose sha256 differs and stores nothing", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      const bytes = randomBytes(fixture.partSize * 2 + 1);
      const expect_ = { size: bytes.length, sha256Hex: sha256Hex(randomBytes(16)) };
      await expect(store.put(key, chunked(bytes, 1 << 20), expect_)).rejects.toBeInstanceOf(IntegrityError);
      await expectAbsent(ns, key);
    });

    it("stores under a compressed output's key what a BodyCheck accepts, and nothing when it refuses at the end", async () => {
      const ns = freshNamespace();
      const accepted = compressedOutputKey(ns, randomHexId(), 123_456);
      const bytes = randomBytes(fixture.partSize * 2 + 1);
      let seen = 0;
      const counting = {
        update: (chunk: Uint8Array) => {
          seen += chunk.length;
        },
        finish: () => {},
      };
      await store.put(accepted, chunked(bytes, 1 << 20), counting);
      expect(seen).toBe(bytes.length);
      expect((await readAll((await store.get(accepted))!.body)).equals(bytes)).toBe(true);
      expect((await collect(store.list(`${ns}/`))).map((item) => item.key)).toEqual([accepted]);
      await store.delete(accepted);

      const refused = compressedOutputKey(ns, randomHexId(), 99);
      const refusing = {
        update: () => {},
        finish: () => {
          throw new IntegrityError("decodes to other bytes");
        },
      };
      await expect(store.put(refused, chunked(bytes, 1 << 20), refusing)).rejects.toBeInstanceOf(IntegrityError);
      await expectAbsent(ns, refused);
    });

    it("refuses a truncated body (shorter than declared) and stores nothing", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      const bytes = randomBytes(8000);
      const declared = { size: bytes.length + 100, sha256Hex: sha256Hex(bytes) };
      await expect(store.put(key, chunked(bytes), declared)).rejects.toBeInstanceOf(IntegrityError);
      await expectAbsent(ns, key);
    });

    it("refuses a body longer than declared and stores nothing", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      const bytes = randomBytes(8000);
      const declared = { size: bytes.length - 1, sha256Hex: sha256Hex(bytes.subarray(0, bytes.length - 1)) };
      await expect(store.put(key, chunked(bytes, 1000), declared)).rejects.toBeInstanceOf(IntegrityError);
      await expectAbsent(ns, key);
    });

    it("passes on a failing body stream and stores nothing", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      const bytes = randomBytes(fixture.partSize + 10);
      await expect(store.put(key, failingAfter(bytes), { size: bytes.length + 5, sha256Hex: sha256Hex(bytes) })).rejects.toThrow(
        "client went away",
      );
      await expectAbsent(ns, key);
    });

    it("keeps the existing object when a later put of the same key is refused", async () => {
      const key = outputKey(freshNamespace(), randomHexId());
      const good = randomBytes(2000);
      await put(key, good);
      const bad = randomBytes(2000);
      await expect(store.put(key, chunked(bad), { size: bad.length, sha256Hex: sha256Hex(good) })).rejects.toBeInstanceOf(IntegrityError);
      expect((await store.getBytes(key))?.equals(good)).toBe(true);
    });

    it("accepts a second put of the same key and content", async () => {
      const key = outputKey(freshNamespace(), randomHexId());
      const bytes = randomBytes(4096);
      await put(key, bytes);
      await put(key, bytes);
      expect((await store.getBytes(key))?.equals(bytes)).toBe(true);
    });

    it("answers null for keys that were never stored", async () => {
      const ns = freshNamespace();
      await expectAbsent(ns, outputKey(ns, randomHexId()));
    });

    it("deletes, and deleting a missing key is not an error", async () => {
      const ns = freshNamespace();
      const key = outputKey(ns, randomHexId());
      await put(key, randomBytes(10));
      await store.delete(key);
      await expectAbsent(ns, key);
      await store.delete(key);
    });

    it("deletes one object of the module proxy's namespace (a purge), leaving its neighbours", async () => {
      const [gone, kept] = [outputKey(GOMOD_NAMESPACE, randomHexId()), actionRecordKey(GOMOD_NAMESPACE, randomHexId())];
      await put(gone, randomBytes(10));
      await put(kept, randomBytes(20));
      await store.delete(gone);
      expect(await store.head(gone)).toBeNull();
      expect((await store.head(kept))?.size).toBe(20);
      await store.delete(kept);
      expect(await store.head(kept)).toBeNull();
    });

    it("lists exactly the keys under a prefix, with sizes", async () => {
      const ns = freshNamespace();
      const other = freshNamespace();
      const outputs = [randomHexId(), randomHexId(), randomHexId()].map((hex, i) => ({ key: outputKey(ns, hex), size: 100 + i }));
      const record = { key: actionRecordKey(ns, randomHexId()), size: 7 };
      for (const { key, size } of [...outputs, record]) await put(key, randomBytes(size));
      await put(outputKey(other, randomHexId()), randomBytes(1));

      const listed = await collect(store.list(outputsPrefix(ns)));
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      expect(listed.map(({ key, size }) => ({ key, size })).sort(byKey)).toEqual([...outputs].sort(byKey));
      expect(listed.every((entry) => entry.lastModified instanceof Date)).toBe(true);
      const everything = await collect(store.list(`${ns}/`));
      expect(everything.map((entry) => entry.key).sort()).toEqual([...outputs, record].map((entry) => entry.key).sort());
      // A prefix that ends inside a path segment still matches by name.
      const hex = outputs[0]!.key.split("/").at(-1)!;
      expect((await collect(store.list(`${ns}/o/${hex.slice(0, 1)}`))).map((entry) => entry.key)).toContain(outputs[0]!.key);
    });

    it("refuses every read whose signal has already fired, held key or not, rather than answering", async () => {
      const ns = freshNamespace();
      const held = outputKey(ns, randomHexId());
      await put(held, randomBytes(3000));
      // What a caller past its deadline passes (cache/storage-calls.ts): the read must not go ahead.
      const signal = AbortSignal.abort(new Error("caller gave up"));
      for (const key of [held, outputKey(ns, randomHexId())]) {
        await expect(store.get(key, { signal }), `get ${key}`).rejects.toThrow();
        await expect(store.getBytes(key, { signal }), `getBytes ${key}`).rejects.toThrow();
        await expect(store.head(key, { signal }), `head ${key}`).rejects.toThrow();
        if (store.getVersioned) await expect(store.getVersioned(key, { signal }), `getVersioned ${key}`).rejects.toThrow();
      }
      // The signal was the reason, not the store: the same reads without it still answer.
      expect((await store.head(held))?.size).toBe(3000);
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
