/**
 * Zips up to this size are held in memory to be checked, stored and served, from the moment the
 * upstream's headers announce their length; larger ones, and those whose length is not announced,
 * are spooled to disk and checked and stored from there. Most module zips are far smaller
 * (golang.org/x/text: 7 MB).
 */
export const ZIP_IN_MEMORY_MAX = 16 << 20;

/**
 * How many zip fills may hold their zip in memory at once; the others go through disk like a large
 * zip. Every fill holding one let a cold fleet's `go mod download` (many builders, each fetching
 * zips in parallel), or an upstream stalling near the end of each zip, put up to --max-in-flight
 * times ZIP_IN_MEMORY_MAX (4 GiB) in memory.
 */
const ZIP_FILLS_IN_MEMORY = 4;

/** The in-memory places of concurrent zip fills: take() one (false = spool), release() it when the fill ends. */
export class ZipFillMemory {
  private taken = 0;

  take(): boolean {
    if (this.taken >= ZIP_FILLS_IN_MEMORY) return false;
    this.taken++;
    return true;
  }

  release(): void {
    this.taken--;
  }
}
