import { defineConfig } from "vitest/config";

// One project per kind of test, so each can be run alone (`vitest run --project contract`).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      // Each preset against a loopback imitation of its provider's documented wire.
      { test: { name: "providers", include: ["test/providers/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "contract",
          include: ["test/contract/**/*.test.ts"],
          globalSetup: ["test/contract/prism.setup.ts"],
        },
      },
      // Staying signed in: stores, single-flight refresh in one process and across processes.
      { test: { name: "sessions", include: ["test/sessions/**/*.test.ts"], testTimeout: 60_000 } },
      // Who signed in: ID tokens verified (jose) against a loopback OIDC imitation, hostile cases.
      { test: { name: "identity", include: ["test/identity/**/*.test.ts"], testTimeout: 60_000 } },
      // An independent RFC 8628 server (Debian's Authlib), as a real peer.
      { test: { name: "interop", include: ["test/interop/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "hostile", include: ["test/hostile/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "cli", include: ["test/cli/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      { test: { name: "package", include: ["test/package/**/*.test.ts"], testTimeout: 120_000 } },
    ],
  },
});
