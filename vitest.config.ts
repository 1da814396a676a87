import { defineConfig } from "vitest/config";

// expect.poll waits on background work (a drain, a removal, a rebuild); its 1 s default is less
// than a busy 2-core CI machine sometimes takes, so every poll gets 10 s (a passing poll ends at once).
const expectDefaults = { poll: { timeout: 10_000 } };

// Unit tests run in parallel; e2e tests drive real go builds, servers, redis-server and versitygw,
// which would fight for the machine's 2 cores, so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          expect: expectDefaults,
          include: ["packages/*/test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          expect: expectDefaults,
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
