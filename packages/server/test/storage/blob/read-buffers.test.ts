import { describe, expect, it } from "vitest";
import { giveBackReadBuffer, takeReadBuffer } from "../../../src/storage/blob/read-buffers.ts";

describe("read buffers", () => {
  it("reuses a buffer given back, once, and only buffers it handed out", () => {
    const first = takeReadBuffer(1024 * 1024 - 5);
    expect(first.byteLength).toBe(1024 * 1024 - 5);
    giveBackReadBuffer(first);
    giveBackReadBuffer(first); // a second give-back is ignored: the buffer must not be handed out twice
    const second = takeReadBuffer(1024 * 1024);
    expect(second.buffer).toBe(first.buffer);
    const third = takeReadBuffer(1024 * 1024);
    expect(third.buffer).not.toBe(first.buffer);

    const foreign = Buffer.allocUnsafeSlow(1024 * 1024);
    giveBackReadBuffer(foreign);
    const fourth = takeReadBuffer(1024 * 1024);
    expect(fourth.buffer).not.toBe(foreign.buffer);
  });
});
