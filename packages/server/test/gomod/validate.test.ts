import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { InvalidModuleError } from "../../src/gomod/paths.ts";
import { parseProxyPath } from "../../src/gomod/request.ts";
import { checkAnswer, checkModuleZip, InvalidAnswerError } from "../../src/gomod/validate.ts";

const dir = await mkdtemp(join(tmpdir(), "gomod-validate-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;

async function zipFile(entries: [name: string, text: string][], compress = true): Promise<{ path: string; data: Buffer }> {
  const zip = new ZipFile();
  for (const [name, text] of entries) {
    if (name.endsWith("/")) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.from(text), name, { compress });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const data = Buffer.concat(chunks);
  const path = join(dir, `z${n++}.zip`);
  await writeFile(path, data);
  return { path, data };
}

const M = { path: "example.com/M", version: "v1.0.0" };
const P = "example.com/M@v1.0.0/";

describe("module zip checks", () => {
  it("accepts a zip whose files all live under <path>@<version>/ (directory entries allowed)", async () => {
    const { path } = await zipFile([
      [`${P}go.mod`, "module example.com/M\n"],
      [`${P}sub/`, ""],
      [`${P}sub/a.go`, "package sub\n"],
    ]);
    await expect(checkModuleZip(path, M)).resolves.toBeUndefined();
  });

  it("catches a flipped byte inside a stored file, which only the CRC-32 reveals", async () => {
    const content = "package m // some text that is stored, not deflated\n";
    const { data } = await zipFile([[`${P}m.go`, content]], false);
    const at = data.indexOf(content) + 10;
    data[at] = data[at]! ^ 1;
    const path = join(dir, "flipped.zip");
    await writeFile(path, data);
    await expect(checkModuleZip(path, M)).rejects.toThrow(/CRC-32 mismatch/);
  });

  it.each([
    [
      "a file outside the prefix",
      [
        [`${P}go.mod`, "x"],
        ["example.com/M@v1.0.1/go.mod", "x"],
      ],
      /outside/,
    ],
    ["a lower-case path where go's is upper-case", [["example.com/m@v1.0.0/go.mod", "x"]], /outside/],
    [
      "two names equal but for case",
      [
        [`${P}README`, "a"],
        [`${P}readme`, "b"],
      ],
      /twice/,
    ],
  ] as [string, [string, string][], RegExp][])("refuses %s", async (_, entries, error) => {
    const { path } = await zipFile(entries);
    await expect(checkModuleZip(path, M)).rejects.toThrow(error);
  });

  it("refuses a truncated zip and a file that is not a zip", async () => {
    const { data } = await zipFile([[`${P}go.mod`, "module example.com/M\n"]]);
    const cut = join(dir, "cut.zip");
    await writeFile(cut, data.subarray(0, data.length - 30));
    await expect(checkModuleZip(cut, M)).rejects.toThrow(InvalidAnswerError);
    const html = join(dir, "page.zip");
    await writeFile(html, "<html>502</html>");
    await expect(checkModuleZip(html, M)).rejects.toThrow(/not a readable zip/);
  });

  it("gives the same verdicts on the bytes in memory (what a fill of a zip up to 16 MiB checks)", async () => {
    const good = await zipFile([[`${P}go.mod`, "module example.com/M\n"]]);
    await expect(checkModuleZip(good.data, M)).resolves.toBeUndefined();
    await expect(checkModuleZip(good.data.subarray(0, good.data.length - 30), M)).rejects.toThrow(InvalidAnswerError);
    await expect(checkModuleZip(Buffer.from("<html>502</html>"), M)).rejects.toThrow(/not a readable zip/);
    const content = "package m // some text that is stored, not deflated\n";
    const { data } = await zipFile([[`${P}m.go`, content]], false);
    const at = data.indexOf(content) + 10;
    data[at] = data[at]! ^ 1;
    await expect(checkModuleZip(data, M)).rejects.toThrow(/CRC-32 mismatch/);
    const outside = await zipFile([["example.com/M@v1.0.1/go.mod", "x"]]);
    await expect(checkModuleZip(outside.data, M)).rejects.toThrow(/outside/);
  });

  it("in memory, reads entries written with data descriptors (sizes after the data, as go's zips have them)", async () => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("module example.com/M\n"), `${P}go.mod`);
    zip.addReadStream(Readable.from([Buffer.from("package m\n".repeat(300))]), `${P}m.go`);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    const local = data.indexOf(Buffer.from(`${P}m.go`)) - 30;
    expect(data.readUInt16LE(local + 6) & 0x8).toBe(0x8);
    expect(data.readUInt32LE(local + 22)).toBe(0);
    await expect(checkModuleZip(data, M)).resolves.toBeUndefined();
  });

  it("in memory, streams a file above 8 MiB instead of inflating it at once, with the same checks", async () => {
    const big = "x".repeat(9 << 20);
    const entries: [string, string][] = [[`${P}big.txt`, big]];
    await expect(checkModuleZip((await zipFile(entries)).data, M)).resolves.toBeUndefined();
    const { data } = await zipFile(entries);
    const central = data.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    data.writeUInt32LE(big.length - 1, central + 24);
    await expect(checkModuleZip(data, M)).rejects.toThrow(InvalidAnswerError);
  });

  it("in memory, inflates each file whole and holds it to its recorded size and method", async () => {
    const text = "package m\n".repeat(400);
    const entries: [string, string][] = [
      [`${P}go.mod`, "module example.com/M\n"],
      [`${P}m.go`, text],
      [`${P}empty.go`, ""],
    ];
    await expect(checkModuleZip((await zipFile(entries)).data, M)).resolves.toBeUndefined();
    await expect(checkModuleZip((await zipFile(entries, false)).data, M)).resolves.toBeUndefined();
    // The central directory entry of m.go (the second one): sizes and method as recorded there.
    const central = async () => {
      const { data } = await zipFile(entries);
      const first = data.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      return { data, at: data.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), first + 4) };
    };
    for (const delta of [-1, 1]) {
      const { data, at } = await central();
      data.writeUInt32LE(text.length + delta, at + 24);
      await expect(checkModuleZip(data, M)).rejects.toThrow(InvalidAnswerError);
    }
    const bzip = await central();
    bzip.data.writeUInt16LE(12, bzip.at + 10);
    await expect(checkModuleZip(bzip.data, M)).rejects.toThrow(/compression method 12/);
    const flipped = await central();
    const local = flipped.data.indexOf(Buffer.from(`${P}m.go`)) + `${P}m.go`.length + 20;
    flipped.data[local] = flipped.data[local]! ^ 0xff;
    await expect(checkModuleZip(flipped.data, M)).rejects.toThrow(InvalidAnswerError);
  });
});

describe("other answers", () => {
  const request = (path: string) => parseProxyPath(path);

  it("accepts what a module proxy and a checksum database really send", () => {
    const note = "go.sum database tree\n8\nbl4z=\n\n\u2014 sum.example vly=\n";
    expect(() => checkAnswer(request("example.com/m/@v/list"), Buffer.from("v1.0.0\nv1.1.0\n"))).not.toThrow();
    expect(() => checkAnswer(request("example.com/m/@v/list"), Buffer.alloc(0))).not.toThrow();
    expect(() =>
      checkAnswer(request("example.com/m/@v/v1.0.0.info"), Buffer.from('{"Version":"v1.0.0","Time":"2020-01-01T00:00:00Z"}')),
    ).not.toThrow();
    expect(() =>
      checkAnswer(request("example.com/m/@v/master.info"), Buffer.from('{"Version":"v0.0.0-20200101000000-abcdefabcdef"}')),
    ).not.toThrow();
    expect(() => checkAnswer(request("sumdb/sum.example/latest"), Buffer.from(note))).not.toThrow();
    expect(() =>
      checkAnswer(request("sumdb/sum.example/lookup/example.com/m@v1.0.0"), Buffer.from(`12\nexample.com/m v1.0.0 h1:x=\n\n${note}`)),
    ).not.toThrow();
    expect(() => checkAnswer(request("sumdb/sum.example/tile/8/1/x001/002.p/7"), Buffer.alloc(7 * 32))).not.toThrow();
  });
});

describe("parsed proxy paths", () => {
  it("answers a path asked again with the same request, and refuses a bad one every time", () => {
    const path = "github.com/!burnt!sushi/toml/@v/v1.6.0.zip";
    const first = parseProxyPath(path);
    expect(first).toMatchObject({ kind: "zip", immutable: true, module: { path: "github.com/BurntSushi/toml", version: "v1.6.0" } });
    expect(parseProxyPath(path)).toEqual(first);
    for (let i = 0; i < 2; i++) expect(() => parseProxyPath("github.com/x/../y/@v/v1.0.0.zip")).toThrow(InvalidModuleError);
  });

  it('refuses "." and ".." elements anywhere, the checksum database\'s name included (decoded from %2F..)', () => {
    for (const path of [
      "sumdb/sum.golang.org%2F..%2F..%2Fadmin/supported",
      "sumdb/sum.golang.org/../../admin/supported",
      "sumdb/sum.golang.org/./latest",
      "sumdb/sum.golang.org/../sum.golang.org/lookup/example.com/m@v1.0.0",
      "github.com/x/../y/@v/v1.0.0.zip",
      "github.com/x/y%2F..%2F..%2Fz/@v/list",
      "github.com/x/./y/@v/list",
      "github.com/x/y/../@latest",
    ]) {
      expect(() => parseProxyPath(path), path).toThrow(InvalidModuleError);
    }
    expect(parseProxyPath("sumdb/sum.golang.org/supported")).toMatchObject({ kind: "sumdb-supported" });
  });
});
