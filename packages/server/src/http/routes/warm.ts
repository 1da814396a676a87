import { idToHex, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { MAX_MANIFEST_IDS, ManifestUpload, PrefetchRequest } from "@gocacheprog/common/proto";
import type { Context, Hono } from "hono";
import { HttpError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../types.ts";
import { acceptsZstd } from "./bodies.ts";

/** A full manifest is ~34 bytes per ID; anything larger is refused before it is read whole. */
const MAX_MANIFEST_BODY = MAX_MANIFEST_IDS * 36 + 1024;
const MAX_PREFETCH_BODY = 1024;

/**
 * Warm start. POST /v1/manifests stores what a go session used under its build key (write scope);
 * POST /v1/prefetch answers ONE streamed response with every entry the key's recent manifests list.
 */
export function registerWarmRoutes(app: Hono<AppEnv>, { core }: AppDeps): void {
  app.post(routes.manifests, async (c) => {
    const { namespace, scope } = c.get("principal");
    if (scope !== "read-write") throw new HttpError(403, "this token is read-only");
    const upload = decode(ManifestUpload, await protobufBody(c, MAX_MANIFEST_BODY), "ManifestUpload");
    const buildKeyHex = buildKey(upload.buildKey);
    if (upload.actionIds.length === 0) throw new HttpError(400, "a manifest lists at least one ActionID");
    if (upload.actionIds.length > MAX_MANIFEST_IDS) throw new HttpError(413, `a manifest lists at most ${MAX_MANIFEST_IDS} ActionIDs`);
    upload.actionIds.forEach((id, i) => {
      if (id.length !== 32) throw new HttpError(400, `action_ids[${i}] must be 32 bytes, got ${id.length}`);
    });
    await core.manifests.add(namespace, buildKeyHex, upload.actionIds);
    return c.json({ stored: upload.actionIds.length }, 201);
  });

  app.post(routes.prefetch, async (c) => {
    const request = decode(PrefetchRequest, await protobufBody(c, MAX_PREFETCH_BODY), "PrefetchRequest");
    const key = buildKey(request.buildKey);
    const frames = await core.prefetch(c.get("principal").namespace, key, Number(request.maxBytes ?? 0), acceptsZstd(c));
    return c.body(ReadableStream.from(frames) as ReadableStream<Uint8Array>, 200, { "content-type": PROTOBUF_CONTENT_TYPE });
  });
}

function buildKey(id: Uint8Array | null | undefined): string {
  if (!id || id.length !== 32) throw new HttpError(400, `build_key must be 32 bytes, got ${id?.length ?? 0}`);
  return idToHex(id);
}

function decode<T>(type: { decode(bytes: Uint8Array): T }, bytes: Uint8Array, name: string): T {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw new HttpError(400, `not a ${name}: ${(err as Error).message}`);
  }
}

/** The request body, refused with 413 as soon as it passes `limit` (declared or actually sent). */
async function protobufBody(c: Context<AppEnv>, limit: number): Promise<Uint8Array> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith(PROTOBUF_CONTENT_TYPE)) throw new HttpError(415, `content-type must be ${PROTOBUF_CONTENT_TYPE}`);
  const tooLarge = () => new HttpError(413, `request body exceeds ${limit} bytes`);
  if (Number(c.req.header("content-length") ?? 0) > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const body = c.req.raw.body as (ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>) | null;
  for await (const chunk of body ?? []) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
