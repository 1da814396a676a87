import { idToHex, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { MAX_MANIFEST_IDS, ManifestUpload, PrefetchRequest } from "@gocacheprog/common/proto";
import type { Hono } from "hono";
import { HttpError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../types.ts";
import { acceptsZstd, decodeProtobuf, protobufBody, refuseAbove } from "./bodies.ts";

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
    const bytes = await protobufBody(c, MAX_MANIFEST_BODY);
    const tooMany = () => new HttpError(413, `a manifest lists at most ${MAX_MANIFEST_IDS} ActionIDs`);
    refuseAbove(bytes, 2, MAX_MANIFEST_IDS, tooMany);
    const upload = decodeProtobuf(ManifestUpload, bytes, "ManifestUpload");
    const buildKeyHex = buildKey(upload.buildKey);
    if (upload.actionIds.length === 0) throw new HttpError(400, "a manifest lists at least one ActionID");
    if (upload.actionIds.length > MAX_MANIFEST_IDS) throw tooMany();
    upload.actionIds.forEach((id, i) => {
      if (id.length !== 32) throw new HttpError(400, `action_ids[${i}] must be 32 bytes, got ${id.length}`);
    });
    await core.manifests.add(namespace, buildKeyHex, upload.actionIds);
    return c.json({ stored: upload.actionIds.length }, 201);
  });

  app.post(routes.prefetch, async (c) => {
    const request = decodeProtobuf(PrefetchRequest, await protobufBody(c, MAX_PREFETCH_BODY), "PrefetchRequest");
    const key = buildKey(request.buildKey);
    const frames = await core.prefetch(c.get("principal").namespace, key, Number(request.maxBytes ?? 0), acceptsZstd(c));
    return c.body(ReadableStream.from(frames) as ReadableStream<Uint8Array>, 200, { "content-type": PROTOBUF_CONTENT_TYPE });
  });
}

function buildKey(id: Uint8Array | null | undefined): string {
  if (!id || id.length !== 32) throw new HttpError(400, `build_key must be 32 bytes, got ${id?.length ?? 0}`);
  return idToHex(id);
}
