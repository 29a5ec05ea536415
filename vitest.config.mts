import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file gets its own process: Pulumi's runtime state (mocks, config) is process-global.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI also writes a JSON summary, from which .ci/run prints one "N passed, N failed" line.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: ".test-results.json" }]]
      : ["default"],
  },
});
