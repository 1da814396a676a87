import { idToHex, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import {
  BatchLookupRequest,
  BatchLookupResponse,
  BatchUploadRequest,
  BatchUploadResponse,
  Codec,
  type IActionEntry,
  type IUploadItem,
  type IUploadItemResult,
  MAX_BATCH_LOOKUP,
  MAX_BATCH_UPLOAD_BYTES,
  MAX_BATCH_UPLOAD_ITEMS,
} from "@gocacheprog/common/proto";
import type { Context, Hono } from "hono";
import type { UploadForm } from "../../cache/outputs.ts";
import { inPool } from "../../cache/pool.ts";
import { oneChunk } from "../../storage/blob/types.ts";
import { IntegrityError } from "../../storage/errors.ts";
import { HttpError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../types.ts";
import { decodeProtobuf, protobufBody, refuseAbove } from "./bodies.ts";

/** A batch of MAX_BATCH_LOOKUP IDs is ~34 KB; anything far larger is not a batch request. */
const MAX_BATCH_BODY = 1 << 20;

/** Items of one batch stored at once: enough to overlap an object store's latency, few enough to share it. */
const UPLOAD_ITEMS_AT_ONCE = 8;

/**
 * POST batch/lookup: many ActionIDs in one protobuf request, answered from the index (with small
 * bodies inline). POST batch/upload: many small outputs in one request, each stored or refused on its
 * own as a PUT of it would be.
 */
export function registerBatchRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { core } = deps;
  app.post(routes.batchLookup, async (c) => {
    const bytes = await protobufBody(c, MAX_BATCH_BODY);
    const tooMany = () => new HttpError(400, `at most ${MAX_BATCH_LOOKUP} ActionIDs per batch`);
    refuseAbove(bytes, 1, MAX_BATCH_LOOKUP, tooMany);
    const request = decodeProtobuf(BatchLookupRequest, bytes, "BatchLookupRequest");
    if (request.actionIds.length > MAX_BATCH_LOOKUP) throw tooMany();
    const actionHexes = request.actionIds.map((id: Uint8Array, i: number) => {
      if (id.length !== 32) throw new HttpError(400, `action_ids[${i}] must be 32 bytes, got ${id.length}`);
      return idToHex(id);
    });
    const hits = await core.batchLookup(c.get("principal").namespace, actionHexes);
    const entries: IActionEntry[] = hits.map((hit, i) => {
      const actionId = request.actionIds[i];
      if (!hit) return { actionId, found: false };
      const entry: IActionEntry = { actionId, found: true, outputId: hit.outputId, size: hit.size, putTimeUnixMs: hit.putTimeMs };
      if (request.includeInlineBodies && hit.inline) Object.assign(entry, { inlineBody: hit.inline, hasInlineBody: true });
      return entry;
    });
    return protobufReply(c, BatchLookupResponse.encode({ entries }).finish());
  });

  app.post(routes.batchUpload, async (c) => {
    const { namespace, scope } = c.get("principal");
    if (scope !== "read-write") throw new HttpError(403, "this token is read-only");
    const bytes = await protobufBody(c, MAX_BATCH_UPLOAD_BYTES, deps.metrics);
    const tooMany = () => new HttpError(413, `a batch upload carries at most ${MAX_BATCH_UPLOAD_ITEMS} items`);
    refuseAbove(bytes, 1, MAX_BATCH_UPLOAD_ITEMS, tooMany);
    const { items } = decodeProtobuf(BatchUploadRequest, bytes, "BatchUploadRequest");
    if (items.length === 0) throw new HttpError(400, "a batch upload carries at least one item");
    if (items.length > MAX_BATCH_UPLOAD_ITEMS) throw tooMany();
    const results: IUploadItemResult[] = new Array(items.length);
    await inPool([...items.keys()], UPLOAD_ITEMS_AT_ONCE, async (i) => {
      results[i] = await storeItem(deps, namespace, items[i]!, i);
    });
    return protobufReply(c, BatchUploadResponse.encode({ results }).finish());
  });
}

/**
 * One item, checked as the PUT route checks a request and stored through the same core.put (which
 * verifies the sha256 of the decoded bytes): a refusal is that item's 400 or 413, and stores nothing.
 * Storage trouble is not the item's fault: it fails the whole request (503/507), as for a PUT.
 */
async function storeItem({ core, maxBody }: AppDeps, namespace: string, item: IUploadItem, i: number): Promise<IUploadItemResult> {
  const refuse = (status: 400 | 413, error: string): IUploadItemResult => ({ status, error: `items[${i}]: ${error}` });
  const { actionId, outputId, body } = item;
  const size = Number(item.size ?? 0);
  const bodyBytes = body ?? new Uint8Array(0);
  if (actionId?.length !== 32) return refuse(400, `action_id must be 32 bytes, got ${actionId?.length ?? 0}`);
  if (outputId?.length !== 32) return refuse(400, `output_id must be 32 bytes, got ${outputId?.length ?? 0}`);
  if (size > maxBody) return refuse(413, `output of ${size} bytes exceeds the server's limit of ${maxBody} bytes`);
  let form: UploadForm | undefined;
  if ((item.codec ?? Codec.CODEC_NONE) === Codec.CODEC_ZSTD) {
    if (size === 0 || bodyBytes.length === 0) return refuse(400, "a zstd item needs a positive size and a body");
    form = { encoding: "zstd", bodySize: bodyBytes.length };
  } else if (item.codec !== Codec.CODEC_NONE && item.codec != null) {
    return refuse(400, `unknown codec ${item.codec}`);
  } else if (bodyBytes.length !== size) {
    return refuse(400, `body of ${bodyBytes.length} bytes, but size says ${size}`);
  }
  try {
    await core.put(namespace, idToHex(actionId), idToHex(outputId), size, oneChunk(bodyBytes), form);
    return { status: 201 };
  } catch (err) {
    if (err instanceof IntegrityError) return refuse(400, err.message);
    throw err;
  }
}

function protobufReply(c: Context<AppEnv>, body: Uint8Array): Response {
  return c.body(body.slice(), 200, { "content-type": PROTOBUF_CONTENT_TYPE });
}
