/**
 * waitForToken's schedule (RFC 8628 §3.2, §3.5) on a virtual clock: the gaps between requests are
 * read from the fake clock, so they are exact and no test waits in real time.
 */
import { describe, expect, it } from "vitest";
import {
  pollForToken,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
  type WaitOptions,
} from "../../src/index.ts";
import { FakeClock } from "../support/fake-clock.ts";
import {
  empty,
  hang,
  json,
  networkFailure,
  scriptedFetch,
  type RecordedRequest,
  type Reply,
  type ScriptedFetch,
} from "../support/fake-fetch.ts";
import { authorizationAt, rfcProvider, traktProvider } from "../support/fixtures.ts";

const pending = json(400, { error: "authorization_pending" });
const slowDown = json(400, { error: "slow_down" });
const token = json(200, { access_token: "at-1", token_type: "Bearer", expires_in: 3600 });

/** Milliseconds between successive requests, the first measured from `start`. */
function gaps(start: number, requests: RecordedRequest[]): number[] {
  return requests.map(
    (request, i) => request.at - (i === 0 ? start : (requests[i - 1]?.at ?? start)),
  );
}

interface Run {
  clock: FakeClock;
  fake: ScriptedFetch;
  start: number;
  result: Awaited<ReturnType<typeof waitForToken>>;
}

/** Runs the loop against an RFC 8628 provider answering with `script`. */
async function run(
  script: Reply[],
  authorization: { interval?: number; expiresIn?: number } = {},
  options: Omit<WaitOptions, "clock"> & { random?: number } = {},
): Promise<Run> {
  const { random, ...waitOptions } = options;
  const clock = new FakeClock(random === undefined ? {} : { random });
  const fake = scriptedFetch(script, { clock });
  const start = clock.now();
  const result = await waitForToken(rfcProvider(fake), authorizationAt(start, authorization), {
    ...waitOptions,
    clock,
  });
  return { clock, fake, start, result };
}

describe("waitForToken: the interval", () => {
  it("waits one interval before the first poll", async () => {
    const { clock, fake, start, result } = await run([token], { interval: 7 });
    expect(result.status).toBe("authorized");
    expect(clock.delays).toEqual([7000]);
    expect(fake.requests[0]?.at).toBe(start + 7000);
  });

  it("slow_down from interval 1 gives gaps of exactly 1, 6, 11, 11 s", async () => {
    const { fake, start, result } = await run([slowDown, slowDown, pending, token], {
      interval: 1,
    });
    expect(result.status).toBe("authorized");
    expect(gaps(start, fake.requests)).toEqual([1000, 6000, 11000, 11000]);
  });

  it("slow_down's increase lasts for all later polls, through pending answers", async () => {
    const { fake, start } = await run([slowDown, pending, pending, pending, token], {
      interval: 5,
    });
    expect(gaps(start, fake.requests)).toEqual([5000, 10000, 10000, 10000, 10000]);
  });

  it("an authorization started without `interval` polls every 5 s", async () => {
    const clock = new FakeClock({ start: Date.now() });
    const fake = scriptedFetch(
      [
        json(200, {
          device_code: "dc",
          user_code: "UC",
          verification_uri: "https://auth.example.org/device",
          expires_in: 600,
        }),
        pending,
        pending,
        pending,
        token,
      ],
      { clock },
    );
    const provider = rfcProvider(fake);
    const authorization = await startDeviceAuthorization(provider);
    expect(authorization.interval).toBe(5);
    const start = clock.now();
    const result = await waitForToken(provider, authorization, { clock });
    expect(result.status).toBe("authorized");
    expect(gaps(start, fake.requests.slice(1))).toEqual([5000, 5000, 5000, 5000]);
  });

  for (const bad of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`a resumed authorization with interval ${bad} polls every 5 s`, async () => {
      const { fake, start } = await run([pending, token], { interval: bad });
      expect(gaps(start, fake.requests)).toEqual([5000, 5000]);
    });
  }

  it("a sub-second interval is raised to 1 s", async () => {
    const { fake, start } = await run([pending, token], { interval: 0.01 });
    expect(gaps(start, fake.requests)).toEqual([1000, 1000]);
  });
});

describe("waitForToken: Retry-After", () => {
  it("slow_down with a larger Retry-After uses it for every later poll", async () => {
    const { fake, start } = await run(
      [json(400, { error: "slow_down" }, { "Retry-After": "30" }), pending, token],
      { interval: 5 },
    );
    expect(gaps(start, fake.requests)).toEqual([5000, 30000, 30000]);
  });

  it("Trakt's 429 with Retry-After slows every later poll", async () => {
    const clock = new FakeClock();
    const fake = scriptedFetch([empty(429, { "Retry-After": "20" }), empty(400), token], { clock });
    const start = clock.now();
    const result = await waitForToken(traktProvider(fake), authorizationAt(start), { clock });
    expect(result.status).toBe("authorized");
    expect(gaps(start, fake.requests)).toEqual([5000, 20000, 20000]);
  });

  it("a rate-limited answer waits its Retry-After once, then the interval again", async () => {
    const { fake, start } = await run([empty(429, { "Retry-After": "40" }), pending, token]);
    expect(gaps(start, fake.requests)).toEqual([5000, 40000, 5000]);
  });

  it("a Retry-After shorter than the backoff does not shorten it", async () => {
    const { fake, start } = await run([empty(503, { "Retry-After": "2" }), pending, token]);
    // backoff after one failure with random 0.5: 5 s + 5 s · 0.5 = 7.5 s
    expect(gaps(start, fake.requests)).toEqual([5000, 7500, 5000]);
  });
});

describe("waitForToken: expiry (no request at or after expiresAt)", () => {
  it("returns expired without polling past the deadline", async () => {
    const { clock, fake, start, result } = await run([pending, pending], {
      interval: 5,
      expiresIn: 12,
    });
    expect(result).toEqual({ status: "expired" });
    expect(fake.requests.map((r) => r.at - start)).toEqual([5000, 10000]);
    expect(fake.remaining).toBe(0);
    expect(clock.now()).toBe(start + 12000);
  });

  it("a poll due exactly at expiresAt is not sent", async () => {
    const { fake, start, result } = await run([pending], { interval: 5, expiresIn: 10 });
    expect(result).toEqual({ status: "expired" });
    expect(fake.requests.map((r) => r.at - start)).toEqual([5000]);
  });

  it("an authorization already expired sends nothing", async () => {
    const clock = new FakeClock();
    const fake = scriptedFetch([], { clock });
    const authorization = { ...authorizationAt(clock.now()), expiresAt: clock.now() - 1 };
    expect(await waitForToken(rfcProvider(fake), authorization, { clock })).toEqual({
      status: "expired",
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("a slow_down that pushes the next poll past the deadline ends the flow", async () => {
    const { fake, start, result } = await run([slowDown, pending], { interval: 5, expiresIn: 20 });
    expect(result).toEqual({ status: "expired" });
    expect(fake.requests.map((r) => r.at - start)).toEqual([5000, 15000]);
  });

  it("backoff after network errors never polls past the deadline", async () => {
    const { fake, start, result } = await run(
      [networkFailure(), networkFailure(), networkFailure(), networkFailure()],
      { interval: 5, expiresIn: 40 },
    );
    expect(result).toEqual({ status: "expired" });
    expect(fake.requests.every((r) => r.at < start + 40000)).toBe(true);
    expect(fake.requests.map((r) => r.at - start)).toEqual([5000, 12500, 27500]);
  });

  it("every request of a long run is before expiresAt", async () => {
    const script = Array.from({ length: 30 }, () => pending);
    const { fake, start, result } = await run(script, { interval: 5, expiresIn: 100 });
    expect(result).toEqual({ status: "expired" });
    expect(fake.requests).toHaveLength(19);
    expect(Math.max(...fake.requests.map((r) => r.at))).toBeLessThan(start + 100000);
  });
});

describe("waitForToken: abort", () => {
  it("while waiting: rejects with signal.reason and leaves no timer", async () => {
    const clock = new FakeClock({ auto: false });
    const fake = scriptedFetch([], { clock });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const waiting = waitForToken(rfcProvider(fake), authorizationAt(clock.now()), {
      clock,
      signal: controller.signal,
    });
    await clock.whenTimerPending();
    expect(clock.pending).toBe(1);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it("while waiting between two polls", async () => {
    const clock = new FakeClock({ auto: false });
    const fake = scriptedFetch([pending], { clock });
    const controller = new AbortController();
    const waiting = waitForToken(rfcProvider(fake), authorizationAt(clock.now()), {
      clock,
      signal: controller.signal,
    });
    await clock.whenTimerPending();
    clock.advance();
    await fake.whenRequested(1);
    await clock.whenTimerPending();
    controller.abort("stop");
    await expect(waiting).rejects.toBe("stop");
    expect(clock.pending).toBe(0);
    expect(fake.requests).toHaveLength(1);
  });

  it("with a request in flight: rejects with signal.reason and cancels the request", async () => {
    const clock = new FakeClock();
    const fake = scriptedFetch([hang()], { clock });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const waiting = waitForToken(rfcProvider(fake), authorizationAt(clock.now()), {
      clock,
      signal: controller.signal,
    });
    await fake.whenRequested(1);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(fake.requests[0]?.signal.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it("without a reason: rejects with the AbortError the signal holds", async () => {
    const clock = new FakeClock();
    const fake = scriptedFetch([hang()], { clock });
    const controller = new AbortController();
    const waiting = waitForToken(rfcProvider(fake), authorizationAt(clock.now()), {
      clock,
      signal: controller.signal,
    });
    await fake.whenRequested(1);
    controller.abort();
    const failure = await waiting.catch((error: unknown) => error);
    expect(failure).toBe(controller.signal.reason);
    expect(failure).toMatchObject({ name: "AbortError" });
  });

  it("an already-aborted signal rejects at once, with no timer and no request", async () => {
    const clock = new FakeClock({ auto: false });
    const fake = scriptedFetch([], { clock });
    const reason = new Error("already");
    await expect(
      waitForToken(rfcProvider(fake), authorizationAt(clock.now()), {
        clock,
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it("pollForToken with a request in flight rejects with the reason, not an error result", async () => {
    const fake = scriptedFetch([hang()]);
    const controller = new AbortController();
    const polling = pollForToken(rfcProvider(fake), authorizationAt(Date.now()), {
      signal: controller.signal,
    });
    await fake.whenRequested(1);
    const reason = new Error("gone");
    controller.abort(reason);
    await expect(polling).rejects.toBe(reason);
  });
});

describe("waitForToken: backoff after retryable errors", () => {
  it("doubles with jitter, capped, then returns to the interval after a good answer", async () => {
    const failures = Array.from({ length: 5 }, () => networkFailure());
    const { fake, start, result } = await run(
      [...failures, pending, token],
      { interval: 5 },
      { random: 0.5 },
    );
    expect(result.status).toBe("authorized");
    // ceiling = min(5 s · 2^n, 60 s); wait = ceiling/2 + ceiling/2 · 0.5
    expect(gaps(start, fake.requests)).toEqual([5000, 7500, 15000, 30000, 45000, 45000, 5000]);
  });

  it("with the smallest jitter it never waits less than the interval", async () => {
    const failures = Array.from({ length: 4 }, () => networkFailure());
    const { fake, start } = await run([...failures, token], { interval: 5 }, { random: 0 });
    expect(gaps(start, fake.requests)).toEqual([5000, 5000, 10000, 20000, 30000]);
  });

  it("with the largest jitter it never waits more than the cap", async () => {
    const failures = Array.from({ length: 6 }, () => empty(502));
    const { clock } = await run(
      [...failures, token],
      { interval: 5 },
      { random: 0.999999, maxBackoff: 30 },
    );
    expect(clock.delays.every((d) => d >= 5000 && d <= 30000)).toBe(true);
    expect(clock.delays.slice(-2).map(Math.round)).toEqual([30000, 30000]);
  });

  it("a cap below the interval still waits the interval", async () => {
    const failures = Array.from({ length: 3 }, () => networkFailure());
    const { fake, start } = await run([...failures, token], { interval: 5 }, { maxBackoff: 2 });
    expect(gaps(start, fake.requests)).toEqual([5000, 5000, 5000, 5000]);
  });

  it("5xx and 429 count as failures too, and slow_down resets the count", async () => {
    const { fake, start } = await run([empty(500), empty(429), slowDown, pending, token], {
      interval: 5,
    });
    expect(gaps(start, fake.requests)).toEqual([5000, 7500, 15000, 10000, 10000]);
  });
});

describe("waitForToken: the end of the loop", () => {
  const terminal: [string, Reply, PollResult["status"]][] = [
    ["invalid_client (401)", json(401, { error: "invalid_client" }), "error"],
    ["unsupported_grant_type", json(400, { error: "unsupported_grant_type" }), "error"],
    ["a 200 without a usable token", json(200, { access_token: "" }), "error"],
    ["access_denied", json(400, { error: "access_denied" }), "denied"],
    ["expired_token", json(400, { error: "expired_token" }), "expired"],
    ["invalid_grant", json(400, { error: "invalid_grant" }), "invalid_code"],
  ];
  for (const [name, reply, status] of terminal) {
    it(`${name} ends it after one request`, async () => {
      const { fake, result } = await run([reply]);
      expect(result.status).toBe(status);
      if (result.status === "error") expect(result.retryable).toBe(false);
      expect(fake.requests).toHaveLength(1);
    });
  }

  it("Trakt's 409 already_used ends it", async () => {
    const clock = new FakeClock();
    const fake = scriptedFetch([empty(400), empty(409)], { clock });
    expect(
      await waitForToken(traktProvider(fake), authorizationAt(clock.now()), { clock }),
    ).toEqual({
      status: "already_used",
    });
    expect(fake.requests).toHaveLength(2);
  });
});

describe("waitForToken: onPoll", () => {
  it("receives every result, in order", async () => {
    const seen: PollResult[] = [];
    const { result } = await run(
      [pending, slowDown, empty(503), pending, token],
      {},
      { onPoll: (r) => seen.push(r) },
    );
    expect(seen.map((r) => r.status)).toEqual([
      "pending",
      "slow_down",
      "error",
      "pending",
      "authorized",
    ]);
    expect(seen[1]).toEqual({ status: "slow_down", interval: 10 });
    expect(seen[4]).toBe(result);
  });

  it("an onPoll that throws does not lose the token", async () => {
    let calls = 0;
    const { result } = await run(
      [pending, token],
      {},
      {
        onPoll: () => {
          calls += 1;
          throw new Error("UI bug");
        },
      },
    );
    expect(calls).toBe(2);
    expect(result).toMatchObject({ status: "authorized", token: { accessToken: "at-1" } });
  });

  it("an async onPoll that rejects does not lose the token (no unhandled rejection)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let calls = 0;
      const { result } = await run(
        [pending, token],
        {},
        {
          onPoll: async () => {
            calls += 1;
            throw new Error("async UI bug");
          },
        },
      );
      expect(calls).toBe(2);
      expect(result).toMatchObject({ status: "authorized", token: { accessToken: "at-1" } });
      // Give Node a macrotask to report rejections nobody handled.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("waitForToken: whole milliseconds", () => {
  // Found by the hostile fuzzer: a jittered backoff of 1999.0000000000002 ms, rounded up by the
  // timer, landed the poll exactly on expiresAt.
  it("a fractional backoff never lands a poll on the deadline, and timers get whole ms", async () => {
    const { clock, fake, start, result } = await run(
      [pending, pending, empty(429), token],
      { interval: 1, expiresIn: 5 },
      { random: 0.9990000000000002 },
    );
    expect(result.status).toBe("expired");
    for (const request of fake.requests) expect(request.at).toBeLessThan(start + 5000);
    expect(fake.requests).toHaveLength(3);
    expect(clock.delays.every(Number.isInteger)).toBe(true);
  });
});
