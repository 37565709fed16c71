// Sizes only, never timings. Issue 15's goals are in BENCHMARKS.md with verdicts; these budgets
// hold what it reached, so a change that adds to a bundle must raise a figure here, in review, on
// purpose.
import { describe, expect, it } from "vitest";
import {
  allowedWith,
  bundleSize,
  OPENID_PRESETS as OPENID,
  PRESET_OVER_A_BYTES,
  PROVIDERS,
  providersIn,
  sdkBundleSize,
  SESSION_OVER_A_BYTES,
} from "../../bench/size.ts";

/**
 * pollForToken + waitForToken + rfc8628, min+gzip: 8.66 KiB (2026-11-22), 10.56 KiB after the real
 * wire, revocation and the ID-token wiring (2026-12-02), 8.76 KiB (8,971 B) once the adapters read
 * their answers without valibot (issue 15). The goal, 6.5 KiB, is not reached (BENCHMARKS.md says
 * why); this is the figure reached, with a few dozen bytes of slack for toolchain noise.
 */
const REGRESSION_BUDGET_BYTES = 9_050;
/** AWS IAM Identity Center has a second operation (RegisterClient) and reuses its registration: +1.46 KiB. */
const AWS_SSO_OVER_A_BYTES = 1_550;
/**
 * The presets that verify ID tokens by default (issue 14) carry jose (about 6.4 KiB gzipped) and
 * the verifier: 17.1 KiB with (a)'s code (2026-12-02). rfc8628 alone stays without jose.
 */
const OPENID_PRESETS = new Set<string>(OPENID);
const OPENID_BUDGET_BYTES = 17.3 * 1024;

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
    "(b) rfc8628 + %s stays within its budget over (a)",
    async (provider) => {
      const [a, size] = await Promise.all([sdkBundleSize(["rfc8628"]), sdkBundleSize(["rfc8628", provider])]);
      expect(providersIn(size).sort()).toEqual([...new Set(["rfc8628", provider])].sort());
      if (OPENID_PRESETS.has(provider)) expect(size.gzip).toBeLessThanOrEqual(OPENID_BUDGET_BYTES);
      else
        expect(size.gzip - a.gzip).toBeLessThanOrEqual(
          provider === "aws-sso" ? AWS_SSO_OVER_A_BYTES : PRESET_OVER_A_BYTES,
        );
    },
  );

  it("a session (createSession + memoryStore) adds at most 1.5 KiB to (a)", async () => {
    const [a, session] = await Promise.all([
      sdkBundleSize(["rfc8628"]),
      bundleSize(`export { pollForToken, waitForToken, rfc8628, createSession, memoryStore } from "./src/index.ts";`),
    ]);
    expect(session.gzip - a.gzip).toBeLessThanOrEqual(SESSION_OVER_A_BYTES);
  });
});
