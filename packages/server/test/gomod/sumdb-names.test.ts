import { describe, expect, it } from "vitest";
import { FakeModuleUpstream, makeGomodApp } from "./helpers.ts";

// go (cmd/go/internal/modfetch/sumdb.go dbDial) accepts any checksum database name that parses as
// https://host[/path] with no escaping, and asks every GOPROXY entry for sumdb/<name>/supported: 404/410
// means "go direct", anything else is a hard error (no fallback with ',' or 'off').
describe("checksum database names go accepts", () => {
  for (const name of ["sumdb.corp.example/Go", "sum_db.corp.example", "Sum.Corp.Example"]) {
    it(`proxies sumdb/${name}/supported as go asks for it, not refused with 400`, async () => {
      const fake = new FakeModuleUpstream().add(`sumdb/${name}/supported`, "");
      const { app } = makeGomodApp(fake);
      const res = await app.request(`/gomod/sumdb/${name}/supported`);
      expect(res.status).toBe(200);
    });
  }
});
