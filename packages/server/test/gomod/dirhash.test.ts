import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { DirHash, goModHash } from "../../src/gomod/dirhash.ts";
import { checkModuleZip } from "../../src/gomod/validate.ts";
import { GO_SUMS, H1_MODULE, type H1Version, h1Fixture } from "./h1-fixture.ts";

const dir = await mkdtemp(join(tmpdir(), "gomod-dirhash-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function zipHash(zip: Buffer | string, version: string): Promise<string> {
  const hash = new DirHash();
  await checkModuleZip(zip, { path: H1_MODULE, version }, hash);
  return hash.digest();
}

function goAvailable(): boolean {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("go's h1 hash (dirhash Hash1)", () => {
  it.each(
    Object.keys(GO_SUMS) as H1Version[],
  )("gives go's value for the zip and .mod of %s, from memory and from a file", async (version) => {
    const { zip, mod } = await h1Fixture(version);
    const file = join(dir, `${version}.zip`);
    await writeFile(file, zip);
    expect(await zipHash(zip, version)).toBe(GO_SUMS[version].zip);
    expect(await zipHash(file, version)).toBe(GO_SUMS[version].zip);
    expect(goModHash(Buffer.from(mod))).toBe(GO_SUMS[version].mod);
  });

  it("changes with a file's content or name", async () => {
    const one = new DirHash();
    one.add(Buffer.from("m@v1.0.0/a"), Buffer.alloc(32));
    const other = new DirHash();
    other.add(Buffer.from("m@v1.0.0/b"), Buffer.alloc(32));
    const third = new DirHash();
    third.add(Buffer.from("m@v1.0.0/a"), Buffer.alloc(32, 1));
    expect(new Set([one.digest(), other.digest(), third.digest()]).size).toBe(3);
  });

  it("refuses a zip with a file name go cannot hash", async () => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("x"), `${H1_MODULE}@v1.0.0/a\nb`);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    await expect(zipHash(Buffer.concat(chunks), "v1.0.0")).rejects.toThrow(/newline/);
  });

  it("refuses a directory entry with content, which go cannot hash", async () => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("x"), `${H1_MODULE}@v1.0.0/dir_`);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    // yazl writes no such entry: its name becomes "dir/" in both headers afterwards.
    const data = Buffer.from(Buffer.concat(chunks).toString("latin1").replaceAll("dir_", "dir/"), "latin1");
    await expect(zipHash(data, "v1.0.0")).rejects.toThrow(/directory .* with content/);
  });

  // The constants above, recomputed by the go on this machine when there is one (no network: a file:// proxy).
  it.skipIf(!goAvailable())(
    "matches the go tool on this machine",
    async () => {
      const work = join(dir, "go");
      const versions = join(work, "proxy", H1_MODULE, "@v");
      await mkdir(versions, { recursive: true });
      for (const version of Object.keys(GO_SUMS) as (keyof typeof GO_SUMS)[]) {
        const { zip, mod } = await h1Fixture(version);
        await writeFile(join(versions, `${version}.zip`), zip);
        await writeFile(join(versions, `${version}.mod`), mod);
        await writeFile(join(versions, `${version}.info`), JSON.stringify({ Version: version }));
        const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: work, GOTOOLCHAIN: "local", GOENV: "off" };
        Object.assign(env, {
          GOPATH: join(work, "gopath"),
          GOPROXY: `file://${join(work, "proxy")}`,
          GOSUMDB: "off",
          GOFLAGS: "-modcacherw",
        });
        const out = JSON.parse(
          execFileSync("go", ["mod", "download", "-json", `${H1_MODULE}@${version}`], { cwd: work, env, encoding: "utf8" }),
        );
        expect({ zip: out.Sum, mod: out.GoModSum }).toEqual(GO_SUMS[version]);
      }
    },
    120_000,
  );
});
