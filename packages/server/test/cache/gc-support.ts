import { headers, routes, sha256Hex } from "@gocacheprog/common";
import { outputKey } from "../../src/storage/keys.ts";
import type { FakeBlobStore, makeTestApp } from "../support/fakes.ts";

/** gc's tests: a PUT of `data` as `action`'s output through the app; its status. */
export async function put(app: ReturnType<typeof makeTestApp>["app"], action: string, data: Buffer): Promise<number> {
  const res = await app.request(routes.action(action), {
    method: "PUT",
    body: data,
    headers: { [headers.outputId]: sha256Hex(data), "content-length": String(data.length) },
  });
  return res.status;
}

/** An output blob in the default namespace with the given last-modified time (no entry refers to it); its key. */
export function storeOutput(blobs: FakeBlobStore, data: Buffer, modifiedMs: number): string {
  const key = outputKey("default", sha256Hex(data));
  blobs.objects.set(key, { data, lastModified: new Date(modifiedMs) });
  return key;
}
