/**
 * waitForToken against generated servers and hand-built authorizations: whatever the interval
 * (0, NaN, negative, Infinity, 1e308), maxBackoff (NaN, negative, Infinity) or answers (endless
 * slow_down, garbage Retry-After, network failures), it never polls in a tight loop, never sooner
 * than the RFC allows, never after expiresAt, and always ends.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ConfigurationError } from "../../src/errors.ts";
import type { Provider } from "../../src/provider.ts";
import { rfc8628 } from "../../src/providers/rfc8628.ts";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import { waitForToken } from "../../src/wait.ts";
import { virtualClock } from "../support/fault-clock.ts";
import { retryAfterArb } from "../support/fuzz-answers.ts";
import { effectiveInterval } from "../support/fuzz-oracles.ts";

const RUNS = 400;

/** What the generated server does on one request. */
type Step =
  | { kind: "pending" }
  | { kind: "slow_down"; interval?: number }
  | { kind: "unavailable"; retryAfter?: string }
  | { kind: "throttled"; retryAfter?: string }
  | { kind: "network" }
  | { kind: "token"; lenient?: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant<Step>({ kind: "pending" }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant("slow_down" as const),
      interval: fc.option(fc.constantFrom(0, -1, 3, 30, 1e308), { nil: undefined }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("unavailable" as const),
      retryAfter: fc.option(retryAfterArb, { nil: undefined }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("throttled" as const),
      retryAfter: fc.option(retryAfterArb, { nil: undefined }),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant<Step>({ kind: "network" }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("token" as const), lenient: fc.boolean() }),
    weight: 1,
  },
);

function reply(step: Step): Response {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  switch (step.kind) {
    case "pending":
      return json(400, { error: "authorization_pending" });
    case "slow_down":
      return json(
        400,
        step.interval === undefined
          ? { error: "slow_down" }
          : { error: "slow_down", interval: step.interval },
      );
    case "unavailable":
      return new Response("<html>503</html>", {
        status: 503,
        headers: step.retryAfter === undefined ? {} : { "retry-after": step.retryAfter },
      });
    case "throttled":
      return new Response(null, {
        status: 429,
        headers: step.retryAfter === undefined ? {} : { "retry-after": step.retryAfter },
      });
    case "token":
      // Issue 11: a token with odd non-essential fields is still the end of the wait.
      return json(
        200,
        step.lenient
          ? { access_token: "at", expires_in: "3599", scope: null }
          : { access_token: "at", token_type: "Bearer" },
      );
    case "network":
      throw new TypeError("fetch failed");
  }
}

const oddInterval = fc.oneof(
  fc.integer({ min: 1, max: 20 }),
  fc.constantFrom(
    0,
    -1,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0.001,
    0.5,
    1e308,
    3e6,
  ),
);
const oddMaxBackoff = fc.option(
  fc.constantFrom(Number.NaN, -1, 0, 0.5, 1, 60, Number.POSITIVE_INFINITY, 1e12),
  { nil: undefined },
);

describe("waitForToken never polls in a tight loop", () => {
  test(`${RUNS} generated servers and hand-built authorizations`, async () => {
    await fc.assert(
      fc.asyncProperty(
        oddInterval,
        fc.integer({ min: 1, max: 300 }),
        oddMaxBackoff,
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (interval, expiresIn, maxBackoff, steps, random) => {
          const clock = virtualClock({ random: () => random });
          const start = clock.now();
          const times: number[] = [];
          const provider = rfc8628({
            deviceAuthorizationEndpoint: "https://as.example/device",
            tokenEndpoint: "https://as.example/token",
            clientId: "c",
            fetch: async () => {
              times.push(clock.now());
              // The server's script, its last step repeated forever.
              return reply(steps[Math.min(times.length - 1, steps.length - 1)] as Step);
            },
          });
          const authorization: DeviceAuthorization = {
            deviceCode: "dc",
            userCode: "ABCD-EFGH",
            verificationUri: "https://as.example/device",
            expiresIn,
            interval,
            expiresAt: start + expiresIn * 1000,
          };
          const results: PollResult[] = [];
          const end = await waitForToken(provider, authorization, {
            clock,
            maxBackoff,
            onPoll: (r) => results.push(r),
          });

          // It ends: with the token, or expired at the deadline (every error here is retryable).
          expect(["authorized", "expired"]).toContain(end.status);
          // RFC 8628 §3.5: a token ends the wait at once, so the last request got the token.
          const tokenAt = steps.findIndex((step) => step.kind === "token");
          if (end.status === "authorized")
            expect(times.length - 1).toBe(Math.min(tokenAt, steps.length - 1));
          // A server whose script reaches a token before the deadline is never "expired" early.
          if (end.status === "expired" && tokenAt !== -1)
            expect(times.length).toBeLessThanOrEqual(tokenAt);
          if (end.status === "expired")
            expect(clock.now()).toBeGreaterThanOrEqual(authorization.expiresAt);
          // Never a request after expiresAt (RFC 8628 §3.2 expires_in); never more than one a second.
          for (const at of times) expect(at).toBeLessThan(authorization.expiresAt);
          expect(times.length).toBeLessThanOrEqual(expiresIn);

          // RFC 8628 §3.5: the interval between requests, +5 s for every slow_down from then on.
          let current = effectiveInterval(interval);
          let previous = start;
          times.forEach((at, i) => {
            expect(at - previous, `gap before request ${i + 1}`).toBeGreaterThanOrEqual(
              current * 1000,
            );
            expect(at - previous).toBeGreaterThanOrEqual(1000);
            const result = results[i] as PollResult;
            if (result.status === "slow_down") current += 5;
            previous = at;
          });
          // No timer was ever handed a delay Node would turn into 1 ms.
          for (const ms of clock.requested)
            expect(Number.isNaN(ms) || ms > 2 ** 31 - 1).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("a custom provider's odd figures cannot shorten the wait", async () => {
    // slow_down without a usable interval, retryable errors asking NaN, -1 or Infinity seconds.
    const script: PollResult[] = [
      { status: "slow_down", interval: Number.NaN },
      { status: "slow_down", interval: 0 },
      { status: "error", error: "server_error", retryable: true, retryAfter: Number.NaN },
      { status: "error", error: "server_error", retryable: true, retryAfter: -1 },
      { status: "slow_down", interval: -5 },
      {
        status: "error",
        error: "server_error",
        retryable: true,
        retryAfter: Number.POSITIVE_INFINITY,
      },
    ];
    const clock = virtualClock();
    const times: number[] = [];
    const provider: Provider = {
      name: "custom",
      requestDeviceAuthorization: () => Promise.reject(new Error("unused")),
      refreshToken: () => Promise.reject(new Error("unused")),
      requestToken: async () => {
        times.push(clock.now());
        return script[times.length - 1] ?? { status: "pending" };
      },
    };
    const start = clock.now();
    const end = await waitForToken(
      provider,
      {
        deviceCode: "d",
        userCode: "U",
        verificationUri: "https://x.example/",
        expiresIn: 3600,
        interval: 1,
        expiresAt: start + 3_600_000,
      },
      { clock },
    );
    const gaps = times.map((t, i) => t - (i === 0 ? start : (times[i - 1] as number)));
    // 1 s, then 6, 11 (slow_down twice), ≥ 11 for two retryable errors, 16 after the third slow_down.
    expect(gaps.slice(0, 6).map((g) => g >= 0)).toEqual([true, true, true, true, true, true]);
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps[1]).toBeGreaterThanOrEqual(6000);
    expect(gaps[2]).toBeGreaterThanOrEqual(11_000);
    expect(gaps[3]).toBeGreaterThanOrEqual(11_000);
    expect(gaps[4]).toBeGreaterThanOrEqual(11_000);
    expect(gaps[5]).toBeGreaterThanOrEqual(16_000);
    // Retry-After: Infinity means never again before the deadline.
    expect(end).toEqual({ status: "expired" });
    expect(times).toHaveLength(6);
  });

  test("a wait longer than a timer can hold (2^31 ms) is chained, not fired at once", async () => {
    const clock = virtualClock();
    const times: number[] = [];
    const provider = rfc8628({
      deviceAuthorizationEndpoint: "https://as.example/device",
      tokenEndpoint: "https://as.example/token",
      clientId: "c",
      fetch: async () => {
        times.push(clock.now());
        return new Response('{"access_token":"at","token_type":"Bearer"}', { status: 200 });
      },
    });
    const start = clock.now();
    // A resumed authorization with a 35-day interval and a far deadline.
    const interval = 3e6;
    await waitForToken(
      provider,
      {
        deviceCode: "d",
        userCode: "U",
        verificationUri: "https://x.example/",
        expiresIn: 1e7,
        interval,
        expiresAt: start + 1e10,
      },
      { clock },
    );
    expect(times).toHaveLength(1);
    expect((times[0] as number) - start).toBeGreaterThanOrEqual(interval * 1000);
    expect(Math.max(...clock.requested)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  test("with real timers, a huge interval sends nothing and warns of no timer overflow", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    let requests = 0;
    const provider = rfc8628({
      deviceAuthorizationEndpoint: "https://as.example/device",
      tokenEndpoint: "https://as.example/token",
      clientId: "c",
      fetch: async () => {
        requests += 1;
        return new Response('{"error":"authorization_pending"}', { status: 400 });
      },
    });
    const controller = new AbortController();
    const reason = new Error("test over");
    const waiting = waitForToken(
      provider,
      {
        deviceCode: "d",
        userCode: "U",
        verificationUri: "https://x.example/",
        expiresIn: 1e7,
        interval: 3e6,
        expiresAt: Date.now() + 1e10,
      },
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    process.off("warning", onWarning);
    expect(requests).toBe(0);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });

  test("without a finite expiresAt it refuses at once instead of polling forever", async () => {
    let requests = 0;
    const provider = rfc8628({
      deviceAuthorizationEndpoint: "https://as.example/device",
      tokenEndpoint: "https://as.example/token",
      clientId: "c",
      fetch: async () => {
        requests += 1;
        return new Response('{"error":"authorization_pending"}', { status: 400 });
      },
    });
    for (const expiresAt of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      undefined as unknown as number,
    ]) {
      const waiting = waitForToken(
        provider,
        {
          deviceCode: "d",
          userCode: "U",
          verificationUri: "https://x.example/",
          expiresIn: 600,
          interval: 1,
          expiresAt,
        },
        { clock: virtualClock() },
      );
      await expect(waiting).rejects.toBeInstanceOf(ConfigurationError);
      await expect(waiting).rejects.toMatchObject({ code: "invalid_option" });
    }
    expect(requests).toBe(0);
  });
});
