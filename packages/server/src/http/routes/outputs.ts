import { headers, routes } from "@gocacheprog/common";
import type { Hono } from "hono";
import type { AppDeps, AppEnv } from "../types.ts";
import { acceptsZstd, idParam, sendOutput } from "./bodies.ts";

/** GET/HEAD: output bytes by OutputID (outputs kept inside a record have no blob, so are not found here). */
export function registerOutputRoutes(app: Hono<AppEnv>, { core, metrics }: AppDeps): void {
  app.get(routes.output(":id"), async (c) => {
    const outputHex = idParam(c, "OutputID");
    const wantBody = c.req.method !== "HEAD";
    const output = await core.openOutput(c.get("principal").namespace, outputHex, wantBody, acceptsZstd(c));
    if (!output) return wantBody ? c.json({ error: "no output with this OutputID" }, 404) : c.body(null, 404);
    return sendOutput(c, metrics, output.body, output.size, { [headers.outputId]: outputHex }, output.zstdSize);
  });
}
