import { createHash } from "node:crypto";

/**
 * go's "h1:" hash of a module's files (golang.org/x/mod/sumdb/dirhash Hash1), the value go.sum and
 * the checksum database record: sha256 over one line "<hex sha256 of the content>  <name>\n" per
 * file, sorted by name, in base64. Names are kept as the zip's raw bytes and sorted bytewise: go
 * compares names as byte strings (UTF-16 order differs past U+FFFF), and reads a zip's names without
 * decoding them, so a decoder's reading (CP437, a Unicode path extra field) would hash another name.
 */
export class DirHash {
  private readonly files: { name: Buffer; sha256: Buffer }[] = [];

  /** `sha256` of the file's whole content. Throws for a name go refuses to hash. */
  add(name: Buffer, sha256: Buffer): void {
    if (name.includes(0x0a)) throw new Error("a file name holds a newline, which go cannot hash");
    this.files.push({ name, sha256 });
  }

  digest(): string {
    const summary = createHash("sha256");
    const sorted = [...this.files].sort((a, b) => Buffer.compare(a.name, b.name));
    for (const file of sorted) {
      summary.update(`${file.sha256.toString("hex")}  `);
      summary.update(file.name);
      summary.update("\n");
    }
    return `h1:${summary.digest("base64")}`;
  }
}

/** The h1 of a .mod file as go records it ("<module> <version>/go.mod h1:..."): one file named go.mod. */
export function goModHash(body: Buffer): string {
  const hash = new DirHash();
  hash.add(Buffer.from("go.mod"), createHash("sha256").update(body).digest());
  return hash.digest();
}
