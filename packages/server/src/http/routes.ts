import { headers, idToHex, isHexId, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { BatchLookupRequest, BatchLookupResponse, type IActionEntry, MAX_BATCH_LOOKUP } from "@gocacheprog/common/proto";
import type { Context, Hono } from "hono";
import type { OutputBody } from "../cache/outputs.ts";
import { type AppDeps, type AppEnv, HttpError } from "./app.ts";

/** A batch of MAX_BATCH_LOOKUP IDs is ~34 KB; anything far larger is not a batch request. */
const MAX_BATCH_BODY = 1 << 20;
const EMPTY = new Uint8Array(0);

export function registerCacheRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { core, metrics } = deps;

  function validId(c: Context<AppEnv>, what: string): string {
    const value = c.req.param("id") ?? "";
    if (!isHexId(value)) throw new HttpError(400, `${what} must be 64 lowercase hex characters (32 bytes)`);
    return value;
  }

  /** hono routes HEAD to GET handlers; a HEAD answer keeps the headers and drops the body. */
  function sendOutput(c: Context<AppEnv>, body: OutputBody | undefined, size: number, extra: Record<string, string>): Response {
    const head = { ...extra, "content-length": String(size), "content-type": "application/octet-stream" };
    if (c.req.method === "HEAD" || body === undefined) return c.body(null, 200, head);
    if (Buffer.isBuffer(body)) {
      metrics.bytesOut.inc(body.byteLength);
      return c.body(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>, 200, head);
    }
    return c.body(ReadableStream.from(countOut(body)) as ReadableStream<Uint8Array>, 200, head);
  }

  async function* countOut(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      metrics.bytesOut.inc(chunk.byteLength);
      yield chunk;
    }
  }

  app.get(routes.action(":id"), async (c) => {
    c.set("route", routes.action(":id"));
    const actionHex = validId(c, "ActionID");
    const hit = await core.lookup(c.get("principal").namespace, actionHex, c.req.method !== "HEAD");
    if (!hit) return c.req.method === "HEAD" ? c.body(null, 404) : c.json({ error: "no entry for this ActionID" }, 404);
    return sendOutput(c, hit.body, hit.size, {
      [headers.outputId]: hit.outputHex,
      [headers.putTime]: new Date(hit.putTimeMs).toISOString(),
    });
  });

  app.put(routes.action(":id"), async (c) => {
    c.set("route", routes.action(":id"));
    const { namespace, scope } = c.get("principal");
    if (scope !== "read-write") throw new HttpError(403, "this token is read-only");
    const actionHex = validId(c, "ActionID");
    const outputHex = c.req.header(headers.outputId) ?? "";
    if (!isHexId(outputHex)) throw new HttpError(400, `${headers.outputId} must be 64 lowercase hex characters (32 bytes)`);
    const lengthText = c.req.header("content-length");
    if (lengthText === undefined) throw new HttpError(411, "Content-Length is required");
    if (!/^\d{1,16}$/.test(lengthText)) throw new HttpError(400, "Content-Length must be a whole number");
    const size = Number(lengthText);
    if (size > deps.maxBody) throw new HttpError(413, `body of ${size} bytes exceeds the server's limit of ${deps.maxBody} bytes`);

    const linkText = c.req.header(headers.outputSize);
    if (linkText !== undefined && size === 0) {
      if (!/^[1-9]\d{0,15}$/.test(linkText)) throw new HttpError(400, `${headers.outputSize} must be a positive whole number`);
      const linked = await core.link(namespace, actionHex, outputHex, Number(linkText));
      if (!linked) return c.json({ error: "output not held with that size; send the full body" }, 409);
      return c.json({ result: "linked" }, 201);
    }
    if (linkText !== undefined && Number(linkText) !== size)
      throw new HttpError(400, `${headers.outputSize} disagrees with Content-Length`);

    const stream = c.req.raw.body as (ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>) | null;
    const result = await core.put(namespace, actionHex, outputHex, size, countIn(stream));
    return c.json({ result }, 201);
  });

  async function* countIn(stream: AsyncIterable<Uint8Array> | null): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream ?? [EMPTY]) {
      metrics.bytesIn.inc(chunk.byteLength);
      yield chunk;
    }
  }

  app.get(routes.output(":id"), async (c) => {
    c.set("route", routes.output(":id"));
    const outputHex = validId(c, "OutputID");
    const wantBody = c.req.method !== "HEAD";
    const output = await core.openOutput(c.get("principal").namespace, outputHex, wantBody);
    if (!output) return wantBody ? c.json({ error: "no output with this OutputID" }, 404) : c.body(null, 404);
    return sendOutput(c, output.body, output.size, { [headers.outputId]: outputHex });
  });

  app.post(routes.batchLookup, async (c) => {
    c.set("route", routes.batchLookup);
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
