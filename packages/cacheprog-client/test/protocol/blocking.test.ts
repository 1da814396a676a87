import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import type { BlockingIo } from "../../src/protocol/blocking.ts";
import { serve } from "../../src/protocol/serve.ts";
import { b64, closeRequest, getRequest, idOf, putRequest, sha256 } from "../helpers.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-blocking-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * go's pipes as blocking I/O: each read copies the next scripted piece into the buffer it is given,
 * as read(2) does, so a loop that reused a buffer the scanner still points into would garble requests.
 * `null` in the script is a read that would block (a non-blocking descriptor with nothing in it).
 */
function scriptedIo(pieces: (string | null)[]): BlockingIo & { written: string } {
  const queue: (Buffer | null)[] = pieces.map((p) => (p === null ? null : Buffer.from(p)));
  return {
    written: "",
    read(into) {
      if (queue.length === 0) return 0;
      const next = queue.shift() as Buffer | null;
      if (next === null) return -1;
      if (next.length > into.length) {
        queue.unshift(next.subarray(into.length));
        return next.copy(into, 0, 0, into.length);
      }
      // Scribble over the rest of the buffer: a view the loop kept from an earlier read would show it.
      into.fill(0x78);
      return next.copy(into);
    },
    write(text) {
      this.written += text;
    },
  };
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function session(io: BlockingIo, streams = () => ({ input: new PassThrough(), output: new PassThrough() })) {
  const tier = new DiskTier({ dir });
  return serve({
    streams,
    openTiers: () => Promise.reject(new Error("the blocking session must not open tiers again")),
    blocking: { tier, io, handOver: false },
    stats: new Stats(),
    log: createLogger("error"),
  });
}

describe("the blocking session (local tier alone)", () => {
  it("answers puts and gets from blocking reads, with headers and bodies cut anywhere across reads, then the close", async () => {
    const body = Buffer.from("output bytes of an action\n".repeat(50));
    const input = putRequest(1, idOf("a"), body) + getRequest(2, idOf("a")) + getRequest(3, idOf("b")) + closeRequest(4);
    // Cut inside the put's header, inside its base64 body, and inside the first get's header.
    const cuts = [20, 130, input.indexOf('"ID":2') + 3];
    const pieces = [input.slice(0, cuts[0]), input.slice(cuts[0], cuts[1]), input.slice(cuts[1], cuts[2]), input.slice(cuts[2])];
    const io = scriptedIo(pieces);
    expect(await session(io)).toBe("close");
    const answers = lines(io.written);
    expect(answers[0]).toEqual({ ID: 0, KnownCommands: ["get", "put", "close"] });
    expect(answers[1]).toMatchObject({ ID: 1 });
    expect(answers[2]).toMatchObject({ ID: 2, OutputID: b64(sha256(body)), Size: body.length, DiskPath: answers[1]?.DiskPath });
    expect(answers[3]).toEqual({ ID: 3, Miss: true });
    expect(answers[4]).toEqual({ ID: 4 });
    expect(answers).toHaveLength(5);
  });

  it("ends at EOF without a close answer", async () => {
    const io = scriptedIo([getRequest(1, idOf("a"))]);
    expect(await session(io)).toBe("eof");
    expect(lines(io.written).map((a) => a.ID)).toEqual([0, 1]);
  });

  it("goes on in the event loop, with the request cut in half, when the pipe turns out to be non-blocking", async () => {
    const body = Buffer.from("later bytes");
    const put = putRequest(1, idOf("a"), body);
    const io = scriptedIo([put.slice(0, 10), null]);
    const input = new PassThrough();
    const output = new PassThrough();
    const out: Buffer[] = [];
    output.on("data", (chunk: Buffer) => out.push(chunk));
    const done = session(io, () => ({ input, output }));
    input.end(put.slice(10) + getRequest(2, idOf("a")) + closeRequest(3));
    expect(await done).toBe("close");
    // The handshake left through the blocking writes, everything else through the stream.
    expect(lines(io.written)).toEqual([{ ID: 0, KnownCommands: ["get", "put", "close"] }]);
    const answers = lines(Buffer.concat(out).toString());
    expect(answers.map((a) => a.ID).sort()).toEqual([1, 2, 3]);
    expect(answers.find((a) => a.ID === 2)).toMatchObject({ OutputID: b64(sha256(body)), Size: body.length });
  });

  it("with a server configured, answers local hits alone and opens the tiers at the first request that needs them", async () => {
    const tier = new DiskTier({ dir });
    const body = Buffer.from("a local output");
    await tier.put(idOf("local"), sha256(body), body);
    const opened: string[] = [];
    const remoteBody = Buffer.from("from the remote tier");
    const openTiers = async (earlierHits: Buffer[]) => {
      // The hits answered before belong in the session's manifest: the remote tier is told of them.
      opened.push(`open after ${earlierHits.map((id) => (id.equals(idOf("local")) ? "local" : "?")).join(",")}`);
      // The remote tier around the same local tier: it answers what the local tier could not.
      return {
        get: async (id: Buffer) => {
          opened.push(`get ${id.equals(idOf("remote")) ? "remote" : "local"}`);
          if (id.equals(idOf("remote"))) await tier.put(idOf("remote"), sha256(remoteBody), remoteBody);
          return tier.get(id);
        },
        put: (a: Buffer, o: Buffer, b: Uint8Array) => tier.put(a, o, b),
        close: async () => {
          opened.push("close");
        },
      };
    };
    const run = (io: BlockingIo, streams = () => ({ input: new PassThrough(), output: new PassThrough() })) =>
      serve({ streams, openTiers, blocking: { tier, io, handOver: true }, stats: new Stats(), log: createLogger("error") });

    // Only hits: the tiers behind are never opened, not even to close them.
    const hitsOnly = scriptedIo([getRequest(1, idOf("local")) + getRequest(2, idOf("local")), closeRequest(3)]);
    expect(await run(hitsOnly)).toBe("close");
    expect(opened).toEqual([]);
    expect(lines(hitsOnly.written).map((a) => a.ID)).toEqual([0, 1, 2, 3]);

    // A miss in the middle of a chunk: it and the rest of the chunk go to the opened tiers, in order.
    const io = scriptedIo([getRequest(1, idOf("local")) + getRequest(2, idOf("remote")) + getRequest(3, idOf("local")), null]);
    const input = new PassThrough();
    const output = new PassThrough();
    const out: Buffer[] = [];
    output.on("data", (chunk: Buffer) => out.push(chunk));
    const done = run(io, () => ({ input, output }));
    input.end(closeRequest(4));
    expect(await done).toBe("close");
    expect(opened).toEqual(["open after local", "get remote", "get local", "close"]);
    expect(lines(io.written).map((a) => a.ID)).toEqual([0, 1]);
    const later = lines(Buffer.concat(out).toString());
    expect(later.map((a) => a.ID).sort()).toEqual([2, 3, 4]);
    expect(later.find((a) => a.ID === 2)).toMatchObject({ OutputID: b64(sha256(remoteBody)), Size: remoteBody.length });

    // The miss and go's close in one chunk: both handed over, the close answered last.
    opened.length = 0;
    const last = scriptedIo([getRequest(1, idOf("local")) + getRequest(2, idOf("other")) + closeRequest(3)]);
    const lastOut: Buffer[] = [];
    const lastOutput = new PassThrough();
    lastOutput.on("data", (chunk: Buffer) => lastOut.push(chunk));
    expect(await run(last, () => ({ input: new PassThrough(), output: lastOutput }))).toBe("close");
    expect(opened).toEqual(["open after local", "get local", "close"]);
    expect(lines(Buffer.concat(lastOut).toString())).toEqual([{ ID: 2, Miss: true }, { ID: 3 }]);
  });
});
