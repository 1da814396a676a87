// What test/gomod is expected to do, shared by every e2e test that builds it.

/** Stdout lines of `go test` that report a passing package: `ok  \t<pkg>\t<time or (cached)>`. */
export function okLines(goTestStdout: string): string[] {
  return goTestStdout.split("\n").filter((line) => line.startsWith("ok "));
}

/** Facts about test/gomod that tests assert against. */
export const gomod = {
  /** What `cmd/demo` prints: it goes through every library package, cgo and embedded files included. */
  demoOutput:
    "report v3: 3 shapes, total area 19.57, largest circle\n" +
    "digest 63412ced52d85daff9b2a9571fa961f459919f03a97a75382ed5c6d2985ea001\n" +
    "cgo checksum 2682547824465410486\n",
  /** Packages in the module, cmd/demo included. */
  packageCount: 6,
  libraries: ["./cmath", "./codec", "./report", "./shapes", "./stats"],
  testedPackages: [
    "example.com/gomod/cmath",
    "example.com/gomod/codec",
    "example.com/gomod/report",
    "example.com/gomod/shapes",
    "example.com/gomod/stats",
  ],
};
