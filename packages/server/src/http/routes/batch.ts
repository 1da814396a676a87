import { idToHex, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { BatchLookupRequest, BatchLookupResponse, type IActionEntry, MAX_BATCH_LOOKUP } from "@gocacheprog/common/proto";
import type { Hono } from "hono";
import { HttpError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../types.ts";

/** A batch of MAX_BATCH_LOOKUP IDs is ~34 KB; anything far larger is not a batch request. */
const MAX_BATCH_BODY = 1 << 20;

/** POST: many ActionIDs in one protobuf request, answered from the index (with small bodies inline). */
export function registerBatchRoutes(app: Hono<AppEnv>, { core }: AppDeps): void {
  app.post(routes.batchLookup, async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!type.startsWith(PROTOBUF_CONTENT_TYPE)) throw new HttpError(415, `content-type must be ${PROTOBUF_CONTENT_TYPE}`);
    if (Number(c.req.header("content-length") ?? 0) > MAX_BATCH_BODY) throw new HttpError(413, "batch request too large");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > MAX_BATCH_BODY) throw new HttpError(413, "batch request too large");
    let request: ReturnType<typeof BatchLookupRequest.decode>;
    try {
      request = BatchLookupRequest.decode(bytes);
    } catch (err) {
      throw new HttpError(400, `not a BatchLookupRequest: ${(err as Error).message}`);
    }
    if (request.actionIds.length > MAX_BATCH_LOOKUP) throw new HttpError(400, `at most ${MAX_BATCH_LOOKUP} ActionIDs per batch`);
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
    const body = BatchLookupResponse.encode({ entries }).finish();
    return c.body(body.slice(), 200, { "content-type": PROTOBUF_CONTENT_TYPE });
  });
}
