import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchLookupRequest, BatchLookupResponse } from "../src/proto.ts";

const root = join(import.meta.dirname, "..");

describe("protobuf wire schema", () => {
  it("checked-in generated code matches proto/gocacheprog.proto", () => {
    const out = mkdtempSync(join(tmpdir(), "gen-"));
    execFileSync(process.execPath, [join(root, "scripts", "gen-proto.mjs"), out]);
    for (const f of ["gocacheprog.js", "gocacheprog.d.ts"]) {
      expect(readFileSync(join(out, f), "utf8"), `${f} is stale: run npm run gen -w @gocacheprog/common`).toBe(
        readFileSync(join(root, "src", "gen", f), "utf8"),
      );
    }
  });

  it("round-trips a batch response with inline bodies", () => {
    const a = Buffer.alloc(32, 1);
    const o = Buffer.alloc(32, 2);
    const bytes = BatchLookupResponse.encode({
      entries: [
        {
          actionId: a,
          found: true,
          outputId: o,
          size: 3,
          putTimeUnixMs: 1_700_000_000_123,
          inlineBody: Buffer.from("abc"),
          hasInlineBody: true,
        },
        { actionId: o, found: false },
      ],
    }).finish();
    const back = BatchLookupResponse.decode(bytes);
    expect(back.entries).toHaveLength(2);
    expect(Buffer.from(back.entries[0]?.inlineBody ?? []).toString()).toBe("abc");
    expect(back.entries[0]?.size).toBe(3);
    expect(back.entries[0]?.putTimeUnixMs).toBe(1_700_000_000_123);
    expect(back.entries[1]?.found).toBe(false);
    expect(BatchLookupRequest.decode(BatchLookupRequest.encode({ actionIds: [a] }).finish()).actionIds).toHaveLength(1);
  });
});
