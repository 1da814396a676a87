import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { sha256Hex } from "@gocacheprog/common";
import { afterAll, describe, expect, it, vi } from "vitest";
import { startVersitygw, type VersitygwServer } from "../../../../../test/harness/versitygw.ts";
import { FsBlobStore } from "../../../src/storage/blob/fs.ts";
import { MIN_PART_SIZE, S3BlobStore } from "../../../src/storage/blob/s3.ts";
import { BackendUnavailableError, IntegrityError } from "../../../src/storage/errors.ts";
import { outputKey } from "../../../src/storage/keys.ts";
import { afterTimestampTick, chunked, collect, failingAfter, freshNamespace, randomHexId } from "../../support/contract-helpers.ts";
import { runBlobStoreContract } from "./blob-store.contract.ts";

const tempDirs: string[] = [];
let gateway: VersitygwServer | undefined;

afterAll(async () => {
  await gateway?.destroy();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function fsRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gcp-fs-blobs-"));
  tempDirs.push(dir);
  return join(dir, "blobs");
}

async function s3Store(overrides: Partial<ConstructorParameters<typeof S3BlobStore>[0]> = {}): Promise<S3BlobStore> {
  gateway ??= await startVersitygw();
  return new S3BlobStore({ ...gateway.s3Config(), prefix: "cache", partSize: MIN_PART_SIZE, requestTimeoutMs: 3000, ...overrides });
}

runBlobStoreContract("filesystem", { create: async () => new FsBlobStore({ root: await fsRoot() }), partSize: 1 << 20 });
runBlobStoreContract("S3 (versitygw)", { create: () => s3Store(), partSize: MIN_PART_SIZE });

describe("FsBlobStore", () => {
  it("rejects keys that could leave its root", async () => {
    const store = new FsBlobStore({ root: await fsRoot() });
    const body = { size: 1, sha256Hex: sha256Hex(Buffer.from("x")) };
    for (const key of ["../escape", "a/../../escape", "/etc/passwd", "a\\b", "a//b", ".tmp-x", "a/./b", ""]) {
      await expect(store.put(key, chunked(Buffer.from("x")), body), key).rejects.toBeInstanceOf(RangeError);
      await expect(store.getBytes(key), key).rejects.toBeInstanceOf(RangeError);
    }
  });

  it("reads a blob whole with a version that holds while it is unchanged and changes when it is rewritten in place", async () => {
    const root = await fsRoot();
    const store = new FsBlobStore({ root });
    const key = outputKey(freshNamespace(), randomHexId());
    const bytes = randomBytes(300_000);
    await store.put(key, chunked(bytes), { size: bytes.length, sha256Hex: sha256Hex(bytes) });
    expect(await store.getVersioned(outputKey(freshNamespace(), randomHexId()))).toBeNull();
    // Just written: a rewrite within the same clock tick could keep the stamps, so no version yet.
    const fresh = await store.getVersioned(key);
    expect(fresh?.data.equals(bytes)).toBe(true);
    expect(fresh?.version).toBeUndefined();
    const path = join(root, ...key.split("/"));
    await afterTimestampTick(path);
    const later = vi.spyOn(Date, "now").mockReturnValue(Date.now() + 60_000);
    try {
      const first = await store.getVersioned(key);
      expect(first?.data.equals(bytes)).toBe(true);
      expect(first?.version).toBeDefined();
      expect((await store.getVersioned(key))?.version).toBe(first?.version);
      // What a damaged disk or a hand edit does (the store itself only ever renames new files into place).
      const damaged = Buffer.from(bytes);
      damaged[7] = damaged[7]! ^ 1;
      await writeFile(path, damaged);
      const after = await store.getVersioned(key);
      expect(after?.data.equals(damaged)).toBe(true);
      expect(after?.version).not.toBe(first?.version);
    } finally {
      later.mockRestore();
    }
  });

  it("leaves no temp file behind after a refused or failed put", async () => {
    const root = await fsRoot();
    const store = new FsBlobStore({ root });
    const key = outputKey(freshNamespace(), randomHexId());
    const bytes = randomBytes(1000);
    await expect(store.put(key, chunked(bytes), { size: 1000, sha256Hex: sha256Hex(randomBytes(1)) })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await expect(store.put(key, failingAfter(bytes), { size: 2000, sha256Hex: sha256Hex(bytes) })).rejects.toThrow("client went away");
    // Past 64 KiB a put opens its temp file before the body has ended.
    const large = randomBytes(100_000);
    await expect(store.put(key, failingAfter(large), { size: 200_000, sha256Hex: sha256Hex(large) })).rejects.toThrow("client went away");
    expect(await filesUnder(root)).toEqual([]);
  });

  it("leaves no temp file behind when the rename into place fails, for a small body (written synchronously) and a large one", async () => {
    const root = await fsRoot();
    const store = new FsBlobStore({ root });
    for (const size of [1000, 200_000]) {
      const key = outputKey(freshNamespace(), randomHexId());
      // A directory in the target's place: the write succeeds, the rename cannot.
      await mkdir(join(root, ...key.split("/"), "occupied"), { recursive: true });
      const bytes = randomBytes(size);
      await expect(store.put(key, chunked(bytes), { size, sha256Hex: sha256Hex(bytes) }), `${size} bytes`).rejects.toThrow();
      expect(await store.head(key), `${size} bytes`).toBeNull();
    }
    expect(await filesUnder(root)).toEqual([]);
  });
});

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe("S3BlobStore", () => {
  it("reads an object whole with its ETag as version, another one once the key holds other bytes", async () => {
    const store = await s3Store();
    const key = outputKey(freshNamespace(), randomHexId());
    const [a, b] = [randomBytes(5000), randomBytes(5000)];
    await store.put(key, chunked(a), { size: a.length, sha256Hex: sha256Hex(a) });
    const first = await store.getVersioned(key);
    expect(first?.data.equals(a)).toBe(true);
    expect(first?.version).toBeDefined();
    expect((await store.getVersioned(key))?.version).toBe(first?.version);
    await store.put(key, chunked(b), { size: b.length, sha256Hex: sha256Hex(b) });
    const second = await store.getVersioned(key);
    expect(second?.data.equals(b)).toBe(true);
    expect(second?.version).not.toBe(first?.version);
    expect(await store.getVersioned(outputKey(freshNamespace(), randomHexId()))).toBeNull();
  });

  it("aborts refused multipart uploads, so no parts linger in the bucket", async () => {
    const store = await s3Store();
    const key = outputKey(freshNamespace(), randomHexId());
    const bytes = randomBytes(MIN_PART_SIZE * 2 + 1);
    await expect(
      store.put(key, chunked(bytes, 1 << 20), { size: bytes.length, sha256Hex: sha256Hex(Buffer.alloc(1)) }),
    ).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.put(key, failingAfter(bytes), { size: bytes.length + 1, sha256Hex: sha256Hex(bytes) })).rejects.toThrow(
      "client went away",
    );
    const client = new S3Client(gateway!.s3Config());
    try {
      const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: gateway!.bucket }));
      expect((pending.Uploads ?? []).filter((upload) => upload.Key?.endsWith(key))).toEqual([]);
    } finally {
      client.destroy();
    }
    await store.close();
  });

  it("lists across pages", async () => {
    const store = await s3Store({ listPageSize: 2 });
    const ns = freshNamespace();
    const keys = Array.from({ length: 5 }, () => outputKey(ns, randomHexId()));
    for (const key of keys) await store.put(key, chunked(Buffer.from(key)), { size: key.length, sha256Hex: sha256Hex(Buffer.from(key)) });
    expect((await collect(store.list(`${ns}/`))).map((entry) => entry.key).sort()).toEqual([...keys].sort());
    await store.close();
  });

  it("times out with BackendUnavailableError while the S3 server hangs, and answers again when it resumes", async () => {
    const store = await s3Store({ connectTimeoutMs: 500, requestTimeoutMs: 500, uploadTimeoutMs: 500, maxAttempts: 1 });
    const key = outputKey(freshNamespace(), randomHexId());
    const bytes = randomBytes(100);
    const expected = { size: bytes.length, sha256Hex: sha256Hex(bytes) };
    await store.put(key, chunked(bytes), expected);
    await gateway!.pause();
    try {
      await expect(store.head(key)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.get(key)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.put(outputKey(freshNamespace(), randomHexId()), chunked(bytes), expected)).rejects.toBeInstanceOf(
        BackendUnavailableError,
      );
    } finally {
      gateway!.resume();
    }
    expect((await store.getBytes(key))?.equals(bytes)).toBe(true);
    await store.close();
  });

  it("fails fast with BackendUnavailableError while the S3 server is down, and works again after it returns", async () => {
    const store = await s3Store({ connectTimeoutMs: 500, requestTimeoutMs: 1000 });
    const key = outputKey(freshNamespace(), randomHexId());
    const bytes = randomBytes(100);
    const expected = { size: bytes.length, sha256Hex: sha256Hex(bytes) };
    await store.put(key, chunked(bytes), expected);
    await gateway!.stop();
    try {
      await expect(store.get(key)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.getBytes(key)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.head(key)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.put(outputKey(freshNamespace(), randomHexId()), chunked(bytes), expected)).rejects.toBeInstanceOf(
        BackendUnavailableError,
      );
      await expect(store.delete(key)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(collect(store.list(""))).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    } finally {
      await gateway!.restart();
    }
    await store.ping();
    expect((await store.getBytes(key))?.equals(bytes)).toBe(true);
    await store.close();
  });
});
