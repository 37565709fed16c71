/**
 * Property: whatever a device authorization endpoint answers, startDeviceAuthorization resolves
 * to a DeviceAuthorization or rejects with a typed DeviceFlowError, and every law of the
 * contract holds (test/support/fuzz-oracles.ts: RFC 8628 §3.2 with the README's defaults and
 * clamps, RFC 6749 §5.2 errors). 10,000 generated answers per adapter.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { DeviceAuthorization } from "../../src/result.ts";
import { startDeviceAuthorization } from "../../src/start.ts";
import { authorizationAnswerArb, replayFetch } from "../support/fuzz-answers.ts";
import { checkStartLaws, received } from "../support/fuzz-oracles.ts";
import {
  ADAPTERS,
  FAKTS_BASE,
  FUZZ_CLIENT_SECRET,
  makeProvider,
} from "../support/fuzz-providers.ts";

const RUNS = 10_000;

const setupArb = fc.record({
  fallbackUri: fc.option(fc.constantFrom("https://tp.example/device", "javascript:alert(1)", ""), {
    nil: undefined,
  }),
  faktsExpiresIn: fc.option(fc.constantFrom(1, 60, 86_400, 200_000), { nil: undefined }),
  faktsInterval: fc.option(fc.constantFrom(1, 2, 30), { nil: undefined }),
});

describe.each(ADAPTERS)("%s: startDeviceAuthorization against generated answers", (adapter) => {
  test(`${RUNS} answers: an authorization or a typed error, and every law holds`, async () => {
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    // One provider per combination of options (building one costs more than a request).
    const providers = new Map<
      string,
      { replay: ReturnType<typeof replayFetch>; provider: ReturnType<typeof makeProvider> }
    >();
    const secrets = adapter === "rfc8628" || adapter === "trakt" ? [FUZZ_CLIENT_SECRET] : [];

    await fc.assert(
      fc.asyncProperty(authorizationAnswerArb(adapter), setupArb, async (answer, setup) => {
        const key = JSON.stringify(setup);
        let entry = providers.get(key);
        if (!entry) {
          const replay = replayFetch();
          entry = { replay, provider: makeProvider(adapter, { ...setup, fetch: replay.fetch }) };
          providers.set(key, entry);
        }
        entry.replay.play(answer);
        const before = Date.now();
        const outcome: { value?: DeviceAuthorization; error?: unknown } = {};
        try {
          outcome.value = await startDeviceAuthorization(entry.provider);
        } catch (error) {
          outcome.error = error;
        }
        const after = Date.now();
        checkStartLaws({
          adapter,
          answer,
          body: received(answer),
          setup: { ...setup, faktsBase: FAKTS_BASE },
          outcome,
          window: { before, after },
          secrets,
        });
        const error = outcome.error as { name: string; code: string } | undefined;
        // OAuth codes are the server's own: counted by class only.
        bump(
          error
            ? `error:${error.name}${error.name === "OAuthError" && error.code !== "start_refused" ? "" : `:${error.code}`}`
            : "authorization",
        );
        if (outcome.value) {
          bump(`interval:${outcome.value.interval === 5 ? "default" : "server"}`);
          if (outcome.value.expiresIn === 86_400) bump("expiresIn:clamped");
        }
      }),
      { numRuns: RUNS },
    );

    expect(seen.get("authorization") ?? 0).toBeGreaterThanOrEqual(200);
    expect(seen.get("error:ResponseError:invalid_response") ?? 0).toBeGreaterThanOrEqual(200);
    expect(seen.get("error:ResponseError:unexpected_redirect") ?? 0).toBeGreaterThanOrEqual(20);
    if (adapter !== "fakts") {
      expect(seen.get("interval:default") ?? 0).toBeGreaterThanOrEqual(20);
      expect(seen.get("expiresIn:clamped") ?? 0).toBeGreaterThanOrEqual(5);
    }
    console.info(`${adapter}: ${RUNS} answers`, Object.fromEntries([...seen].sort()));
  });
});
