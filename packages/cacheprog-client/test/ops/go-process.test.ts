import { describe, expect, it } from "vitest";
import { findGoCommand } from "../../src/ops/go-process.ts";

/** A fake /proc: pid -> [argv, ppid]; comm names with spaces and ")" as the kernel writes them. */
function fakeProc(table: Record<number, [string[], number, string?]>) {
  return (path: string): string => {
    const [, pid, file] = /^\/proc\/(\d+)\/(cmdline|stat)$/.exec(path) ?? [];
    const row = table[Number(pid)];
    if (!row) throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
    const [argv, ppid, comm = "x"] = row;
    return file === "cmdline" ? `${argv.join("\0")}\0` : `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1`;
  };
}

const go = ["/usr/local/go/bin/go", "build", "./..."];

describe("findGoCommand", () => {
  it("is the direct parent when go started the client itself", () => {
    expect(findGoCommand(50, fakeProc({ 50: [go, 10] }))).toEqual(go);
  });

  it("walks past wrappers that fork (GNU time, a shell script) to go", () => {
    const time = ["/usr/bin/time", "-f", "%M", "-o", "/tmp/rss-1", "node", "gocacheprog.cjs"];
    const proc = fakeProc({ 70: [time, 60, "time"], 60: [["/bin/sh", "/ci/wrap.sh"], 50, "a) b"], 50: [go, 10] });
    expect(findGoCommand(70, proc)).toEqual(go);
  });

  it("keeps the direct parent when no go is near (a standalone run, a test harness)", () => {
    const proc = fakeProc({ 70: [["bash"], 60], 60: [["sshd: ci"], 1] });
    expect(findGoCommand(70, proc)).toEqual(["bash"]);
  });

  it("stops after a few hops and at unreadable entries", () => {
    const chain = fakeProc({ 9: [["a"], 8], 8: [["b"], 7], 7: [["c"], 6], 6: [["d"], 5], 5: [go, 1] });
    expect(findGoCommand(9, chain)).toEqual(["a"]);
    expect(findGoCommand(9, fakeProc({ 9: [["a"], 8] }))).toEqual(["a"]);
    expect(findGoCommand(9, fakeProc({}))).toBeUndefined();
  });
});
