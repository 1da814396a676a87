import { nodeCrypto } from "@gocacheprog/common";

/**
 * go's cache.Subkey (cmd/go/internal/cache/hash.go): sha256("subkey:" ‖ parent ‖ desc), unsalted.
 * After a hit on a package archive, go immediately asks for Subkey(actionID, "stdout") to replay
 * the compiler's output (work/buildid.go useCache → showStdout); knowing that ID early lets the
 * remote tier fetch it alongside instead of one round trip later.
 */
export function subkey(parent: Buffer, desc: string): Buffer {
  return nodeCrypto().createHash("sha256").update("subkey:").update(parent).update(desc).digest();
}

const ARCHIVE_MAGIC = Buffer.from("!<arch>\n");

export function compilerOutputKey(actionId: Buffer): Buffer {
  return subkey(actionId, "stdout");
}

/**
 * The follow-up go will ask for after this hit, if any: only package archives (the compiler's
 * output, which starts with the ar magic) are followed by a compiler-output lookup.
 */
export function followUpKey(actionId: Buffer, output: Buffer): Buffer | undefined {
  const isArchive = output.length >= ARCHIVE_MAGIC.length && output.subarray(0, ARCHIVE_MAGIC.length).equals(ARCHIVE_MAGIC);
  return isArchive ? compilerOutputKey(actionId) : undefined;
}
