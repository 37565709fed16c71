// Sizes only, never timings (issue 7). The goal for bundle (a) is 5 KiB gzipped; the floor of the
// packages the design keeps (openapi-fetch 2.6 KiB + the valibot a schema needs 1.9 KiB) leaves
// too little for the SDK's own code, so BENCHMARKS.md reports the goal as missed and this test
// guards against growth instead: a change that adds to the bundle must raise the budget here, in
// review, on purpose.
import { describe, expect, it } from "vitest";
import { allowedWith, PROVIDERS, providersIn, sdkBundleSize } from "../../bench/size.ts";

/**
 * Measured 8.66 KiB (2026-11-22), then 9.94 KiB (2026-12-02) for pollForToken + waitForToken +
 * rfc8628, min+gzip: the real wire (form and text bodies, lenient numbers, discovery that tries
 * both URLs under a shared lifetime, checked options) cost 1.3 KiB. Raised on purpose; issue 15
 * (lean) is to bring it down and lower this budget with it.
 */
const REGRESSION_BUDGET_BYTES = 10.25 * 1024;

describe("bundle size", () => {
  it.each(PROVIDERS)("importing %s pulls in no other provider's code", async (provider) => {
    const size = await sdkBundleSize([provider]);
    // A preset over the RFC 8628 dialect may pull in that dialect, nothing else (design.md).
    expect(providersIn(size).sort()).toEqual(allowedWith(provider).sort());
  });

  it("(a) pollForToken + waitForToken + rfc8628 stays within its budget", async () => {
    const size = await sdkBundleSize(["rfc8628"]);
    expect(size.gzip).toBeLessThanOrEqual(REGRESSION_BUDGET_BYTES);
  });

  it.each(PROVIDERS.filter((p) => p !== "rfc8628"))(
    "(b) rfc8628 + %s stays within its budget",
    async (provider) => {
      const size = await sdkBundleSize(["rfc8628", provider]);
      expect(providersIn(size).sort()).toEqual([...new Set(["rfc8628", provider])].sort());
      expect(size.gzip).toBeLessThanOrEqual(REGRESSION_BUDGET_BYTES + 2 * 1024);
    },
  );
});
