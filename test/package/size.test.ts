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
 * both URLs under a shared lifetime, checked options) cost 1.3 KiB; revocation and the ID-token
 * wiring (without jose) 0.5 KiB more, 10.56 KiB. Raised on purpose; issue 15 (lean) is to bring it
 * down and lower this budget with it.
 */
const REGRESSION_BUDGET_BYTES = 10.75 * 1024;
/**
 * The presets that verify ID tokens by default (issue 14) carry jose, about 6.4 KiB gzipped, and
 * the verifier: measured 18.1 to 18.5 KiB over (a)'s code (2026-12-02). rfc8628 alone stays
 * without jose (budget a).
 */
const OPENID_PRESETS = new Set(["google", "microsoft", "auth0", "okta", "keycloak"]);
const OPENID_BUDGET_BYTES = 19 * 1024;

describe("bundle size", () => {
  it.each(PROVIDERS)("importing %s pulls in no other provider's code", async (provider) => {
    const size = await sdkBundleSize([provider]);
    // A preset over the RFC 8628 dialect may pull in that dialect, nothing else (design.md).
    expect(providersIn(size).sort()).toEqual(allowedWith(provider).sort());
  });

  it("jose is only in bundles that verify ID tokens: not in rfc8628's or github's, in google's", async () => {
    const hasJose = (inputs: Record<string, number>) => Object.keys(inputs).some((path) => path.includes("node_modules/jose/"));
    expect(hasJose((await sdkBundleSize(["rfc8628"])).inputs)).toBe(false);
    expect(hasJose((await sdkBundleSize(["rfc8628", "github"])).inputs)).toBe(false);
    expect(hasJose((await sdkBundleSize(["rfc8628", "google"])).inputs)).toBe(true);
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
      expect(size.gzip).toBeLessThanOrEqual(
        OPENID_PRESETS.has(provider) ? OPENID_BUDGET_BYTES : REGRESSION_BUDGET_BYTES + 2 * 1024,
      );
    },
  );
});
