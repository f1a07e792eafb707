import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    setupFiles: ["test/setup/v8-workarounds.ts"],
    // The JSON report is what .ci/run reads to print its `N passed, N failed` line.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
