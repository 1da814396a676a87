import { ZipFile } from "yazl";

/** Module files whose h1 values were computed by the go tool (see dirhash.test.ts). */

export const H1_MODULE = "example.test/h1";
const GO_MOD = "module example.test/h1\n\ngo 1.21\n";

/**
 * Names chosen where a careless hash goes wrong: "a-b.go" < "a.go" < "a/b.go" bytewise, upper case
 * before lower, U+FF21 before U+1D400 in UTF-8 (JavaScript's UTF-16 order puts them the other way
 * round), an empty file and a directory entry (go hashes it as an empty file).
 */
const FILES: Record<string, string> = {
  "go.mod": GO_MOD,
  "a.go": "package h1\n",
  "a-b.go": "package h1 // dash\n",
  "a/b.go": "package b\n",
  "B.go": "package h1 // upper\n",
  "\uFF21.go": "package h1 // fullwidth A\n",
  "\u{1D400}.go": "package h1 // mathematical bold A\n",
  "empty.txt": "",
};

/**
 * What `go mod download -json example.test/h1@<version>` (go 1.26.8) printed as Sum and GoModSum for
 * these zips served from a file:// GOPROXY with GOSUMDB=off. The hash covers names and contents only,
 * so rebuilding the zip here gives the same value whatever yazl writes for times or compression.
 */
export const GO_SUMS = {
  "v1.0.0": { zip: "h1:dl/0ea4vfdEv0EXjg0SKxufY2Qrw5i6ZWoOLnoIXckE=", mod: "h1:pktzcJ4ZuIwCKVWhbR4tTrnM0R5LYNEvFa02ywZ8HOI=" },
  "v1.1.0": { zip: "h1:q5GbVvwG97KIckheBF1X7dRdeNVwtlP28OIINiEoz/I=", mod: "h1:wvL7AzbijZdmWUhBu10SrTgouRn/GCGWsAmrMMlqVZA=" },
};

export type H1Version = keyof typeof GO_SUMS;

export async function h1Fixture(version: H1Version): Promise<{ zip: Buffer; mod: string }> {
  const prefix = `${H1_MODULE}@${version}`;
  const zip = new ZipFile();
  let mod: string;
  if (version === "v1.0.0") {
    mod = GO_MOD;
    for (const [name, text] of Object.entries(FILES)) zip.addBuffer(Buffer.from(text), `${prefix}/${name}`);
    zip.addEmptyDirectory(`${prefix}/dir/`);
  } else {
    // Above the size inflated in one call: this file is hashed as it streams.
    mod = "module example.test/h1\n";
    zip.addBuffer(Buffer.from(mod), `${prefix}/go.mod`);
    zip.addBuffer(Buffer.alloc(9 << 20, "gocacheprog\n"), `${prefix}/big.txt`);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return { zip: Buffer.concat(chunks), mod };
}
