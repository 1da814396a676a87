import { headers, isHexId, routes } from "@gocacheprog/common";
import { ZSTD_ENCODING } from "@gocacheprog/common/zstd";
import type { Hono } from "hono";
import { HttpError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../types.ts";
import { acceptsZstd, idParam, requestBody, sendOutput } from "./bodies.ts";

/** GET/HEAD: one round trip per remote hit. PUT: an output's bytes, or a link to an output already held. */
export function registerActionRoutes(app: Hono<AppEnv>, { core, metrics, maxBody }: AppDeps): void {
  app.get(routes.action(":id"), async (c) => {
    const actionHex = idParam(c, "ActionID");
    const hit = await core.lookup(c.get("principal").namespace, actionHex, c.req.method !== "HEAD", acceptsZstd(c));
    if (!hit) return c.req.method === "HEAD" ? c.body(null, 404) : c.json({ error: "no entry for this ActionID" }, 404);
    const extra = { [headers.outputId]: hit.outputHex, [headers.putTime]: new Date(hit.putTimeMs).toISOString() };
    return sendOutput(c, metrics, hit.body, hit.size, extra, hit.zstdSize);
  });

  app.put(routes.action(":id"), async (c) => {
    const { namespace, scope } = c.get("principal");
    if (scope !== "read-write") throw new HttpError(403, "this token is read-only");
    const actionHex = idParam(c, "ActionID");
    const outputHex = c.req.header(headers.outputId) ?? "";
    if (!isHexId(outputHex)) throw new HttpError(400, `${headers.outputId} must be 64 lowercase hex characters (32 bytes)`);
    const lengthText = c.req.header("content-length");
    if (lengthText === undefined) throw new HttpError(411, "Content-Length is required");
    if (!/^\d{1,16}$/.test(lengthText)) throw new HttpError(400, "Content-Length must be a whole number");
    const size = Number(lengthText);
    if (size > maxBody) throw new HttpError(413, `body of ${size} bytes exceeds the server's limit of ${maxBody} bytes`);

    const linkText = c.req.header(headers.outputSize);
    const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
    if (encoding === ZSTD_ENCODING) {
      // Our zstd form: Content-Length is the compressed body, the output size comes in its own header
      // and bounds the decoding (a bomb is refused once it passes it, with nothing stored).
      if (linkText === undefined || !/^[1-9]\d{0,15}$/.test(linkText))
        throw new HttpError(400, `a zstd body needs ${headers.outputSize}: the output's size, a positive whole number`);
      const outputSize = Number(linkText);
      if (outputSize > maxBody) throw new HttpError(413, `output of ${outputSize} bytes exceeds the server's limit of ${maxBody} bytes`);
      if (size === 0) throw new HttpError(400, "a zstd body cannot be empty");
      const form = { encoding: "zstd", bodySize: size } as const;
      const result = await core.put(namespace, actionHex, outputHex, outputSize, requestBody(c, metrics), form);
      return c.json({ result }, 201);
    }
    if (encoding !== "identity") throw new HttpError(415, `Content-Encoding must be identity or ${ZSTD_ENCODING}`);
    if (linkText !== undefined && size === 0) {
      if (!/^[1-9]\d{0,15}$/.test(linkText)) throw new HttpError(400, `${headers.outputSize} must be a positive whole number`);
      const outputSize = Number(linkText);
      if (outputSize > maxBody) throw new HttpError(413, `output of ${outputSize} bytes exceeds the server's limit of ${maxBody} bytes`);
      const linked = await core.link(namespace, actionHex, outputHex, outputSize);
      if (!linked) return c.json({ error: "output not held with that size; send the full body" }, 409);
      return c.json({ result: "linked" }, 201);
    }
    if (linkText !== undefined && Number(linkText) !== size)
      throw new HttpError(400, `${headers.outputSize} disagrees with Content-Length`);

    const result = await core.put(namespace, actionHex, outputHex, size, requestBody(c, metrics));
    return c.json({ result }, 201);
  });
}
