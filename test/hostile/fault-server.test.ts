/**
 * A real loopback server that misbehaves, and the real fetch: waitForToken must end correctly,
 * within the bounds RFC 8628 sets, and never poll in a tight loop. Time runs 20× faster
 * (scaledClock): a 60 s code lives 3 s. Gaps are measured by the server, on the same clock, so a
 * gap shorter than the rule is a real violation, not noise.
 */
import { describe, expect, test, type TestContext } from "vitest";
import { NetworkError } from "../../src/errors.ts";
import { pollForToken } from "../../src/poll.ts";
import type { Provider } from "../../src/provider.ts";
import { fakts } from "../../src/providers/fakts.ts";
import { rfc8628 } from "../../src/providers/rfc8628.ts";
import { trakt } from "../../src/providers/trakt.ts";
import { transparenc } from "../../src/providers/transparenc.ts";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import { startDeviceAuthorization } from "../../src/start.ts";
import { waitForToken } from "../../src/wait.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  cutOff,
  flood,
  gzipBomb,
  hang,
  informational,
  json,
  raw,
  reset,
  sequence,
  startFaultServer,
  text,
  trickle,
  type FaultServer,
  type Scenario,
} from "../support/fault-server.ts";

const SCALE = 20;
const MiB = 1024 * 1024;
const TOKEN = { access_token: "fault-access-token", token_type: "Bearer", expires_in: 3600 };
const HTML_502 =
  "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";

/** A fault server closed when the test ends (tests here run concurrently, each with its own). */
async function serve(
  ctx: TestContext,
  routes: Scenario | Record<string, Scenario>,
  clock?: ScaledClock,
): Promise<FaultServer> {
  const server = await startFaultServer(routes, clock ? { now: clock.now } : {});
  ctx.onTestFinished(() => server.close());
  return server;
}

function provider(server: FaultServer, timeout?: number): Provider {
  return rfc8628({
    deviceAuthorizationEndpoint: `${server.origin}/device`,
    tokenEndpoint: `${server.origin}/token`,
    clientId: "fault-client",
    timeout,
  });
}

function authorizationAt(clock: ScaledClock, interval = 1, expiresIn = 60): DeviceAuthorization {
  return {
    deviceCode: "fault-device-code",
    userCode: "ABCD-EFGH",
    verificationUri: "https://example.com/device",
    expiresIn,
    interval,
    expiresAt: clock.now() + expiresIn * 1000,
  };
}

/** Virtual ms between requests, the first measured from `start`. */
const gapsOf = (server: FaultServer, start: number) =>
  server.requests.map(
    (r, i) => r.at - (i === 0 ? start : (server.requests[i - 1] as { at: number }).at),
  );

/** RFC 8628 §3.5 backoff with the clock's jitter fixed at 0.5: interval · 2^f, 3/4 of it, ≥ interval. */
const backoffMs = (intervalS: number, failures: number, capS = 60) =>
  failures === 0
    ? intervalS * 1000
    : Math.max(
        intervalS * 1000,
        0.75 * Math.min(intervalS * 1000 * 2 ** failures, Math.max(capS, intervalS) * 1000),
      );

/** How late the loop may end after expiresAt on a loaded machine (virtual ms): 1 s of real time. */
const LATE = 1000 * SCALE;

describe.concurrent("waitForToken against a misbehaving server", () => {
  test("connection reset on every request: backs off (1, 1.5, 3, 6, 12, 24 s) and ends expired", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(ctx, { "/token": reset() }, clock);
    const start = clock.now();
    const authorization = authorizationAt(clock);
    const polls: PollResult[] = [];
    const result = await waitForToken(provider(server), authorization, {
      clock,
      onPoll: (r) => polls.push(r),
    });

    expect(result).toEqual({ status: "expired" });
    expect(clock.now()).toBeGreaterThanOrEqual(authorization.expiresAt);
    expect(clock.now()).toBeLessThan(authorization.expiresAt + LATE);
    for (const poll of polls)
      expect(poll).toMatchObject({ status: "error", error: "network_error", retryable: true });
    const gaps = gapsOf(server, start);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps.length).toBeLessThanOrEqual(6);
    gaps.forEach((gap, i) => expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(backoffMs(1, i)));
    for (const r of server.requests) expect(r.at).toBeLessThan(authorization.expiresAt);
  });

  test("accepts and hangs: the 300 ms per-request timeout fires every time, then backoff, then expired", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(ctx, { "/token": hang() }, clock);
    const start = clock.now();
    const authorization = authorizationAt(clock);
    const polls: PollResult[] = [];
    const result = await waitForToken(provider(server, 300), authorization, {
      clock,
      onPoll: (r) => polls.push(r),
    });

    expect(result).toEqual({ status: "expired" });
    expect(polls.length).toBeGreaterThanOrEqual(2);
    for (const poll of polls)
      expect(poll).toMatchObject({ status: "error", error: "timeout", retryable: true });
    const gaps = gapsOf(server, start);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(backoffMs(1, i)));
    // Each timed-out request was really cancelled: the client hung up every connection.
    expect(await server.allClosed()).toBe(true);
  });

  test("500, 502 and 503 with HTML bodies are retried with backoff until the token comes", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(
      ctx,
      {
        "/token": sequence(
          text(500, "<html>Internal Server Error</html>"),
          text(502, HTML_502),
          text(503, "<!DOCTYPE html><p>Service Unavailable"),
          json(200, TOKEN),
        ),
      },
      clock,
    );
    const start = clock.now();
    const polls: PollResult[] = [];
    const result = await waitForToken(provider(server), authorizationAt(clock), {
      clock,
      onPoll: (r) => polls.push(r),
    });

    expect(result.status).toBe("authorized");
    expect(
      polls.slice(0, 3).map((p) => p.status === "error" && [p.error, p.httpStatus, p.retryable]),
    ).toEqual([
      ["server_error", 500, true],
      ["server_error", 502, true],
      ["server_error", 503, true],
    ]);
    gapsOf(server, start).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(backoffMs(1, i)));
  });

  test("503 with Retry-After: 7 waits at least 7 s before the next request", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(
      ctx,
      {
        "/token": sequence(
          text(503, "<html>busy</html>", { "retry-after": "7" }),
          json(200, TOKEN),
        ),
      },
      clock,
    );
    const start = clock.now();
    const polls: PollResult[] = [];
    const result = await waitForToken(provider(server), authorizationAt(clock), {
      clock,
      onPoll: (r) => polls.push(r),
    });

    expect(result.status).toBe("authorized");
    expect(polls[0]).toMatchObject({
      status: "error",
      error: "server_error",
      retryAfter: 7,
      retryable: true,
    });
    const [first, second] = gapsOf(server, start);
    expect(first).toBeGreaterThanOrEqual(1000);
    expect(second).toBeGreaterThanOrEqual(7000);
  });

  test("truncated JSON in a complete message is a final invalid_response after one request", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(
      ctx,
      {
        "/token": text(200, '{"access_token":"fault-access-token","tok', {
          "content-type": "application/json",
        }),
      },
      clock,
    );
    const result = await waitForToken(provider(server), authorizationAt(clock), { clock });
    expect(result).toMatchObject({ status: "error", error: "invalid_response", retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  test("a connection dropped mid-body is a retryable network_error; the retry gets the token", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(
      ctx,
      { "/token": sequence(cutOff(200, JSON.stringify(TOKEN), 20), json(200, TOKEN)) },
      clock,
    );
    const polls: PollResult[] = [];
    const result = await waitForToken(provider(server), authorizationAt(clock), {
      clock,
      onPoll: (r) => polls.push(r),
    });
    expect(polls[0]).toMatchObject({ status: "error", error: "network_error", retryable: true });
    expect(result.status).toBe("authorized");
    expect(server.requests).toHaveLength(2);
  });

  test("endless slow_down: gaps 1, 6, 11, 16, 21 s, never shorter, then expired at expiresAt", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(ctx, { "/token": json(400, { error: "slow_down" }) }, clock);
    const start = clock.now();
    const authorization = authorizationAt(clock, 1, 60);
    const polls: PollResult[] = [];
    const result = await waitForToken(provider(server), authorization, {
      clock,
      onPoll: (r) => polls.push(r),
    });

    expect(result).toEqual({ status: "expired" });
    expect(clock.now()).toBeGreaterThanOrEqual(authorization.expiresAt);
    expect(clock.now()).toBeLessThan(authorization.expiresAt + LATE);
    // RFC 8628 §3.5: +5 s "for this and all subsequent requests".
    expect(polls.map((p) => p.status === "slow_down" && p.interval)).toEqual(
      [6, 11, 16, 21, 26].slice(0, polls.length),
    );
    const gaps = gapsOf(server, start);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps.length).toBeLessThanOrEqual(5);
    gaps.forEach((gap, i) => expect(gap, `gap ${i}`).toBeGreaterThanOrEqual((1 + 5 * i) * 1000));
    for (const r of server.requests) expect(r.at).toBeLessThan(authorization.expiresAt);
  });

  test("interval: 0 from the device endpoint means the RFC default, 5 s between polls", async (ctx) => {
    const server = await serve(ctx, {
      "/device": json(200, {
        device_code: "dc",
        user_code: "ABCD-EFGH",
        verification_uri: "https://example.com/device",
        expires_in: 30,
        interval: 0,
      }),
      "/token": json(400, { error: "authorization_pending" }),
    });
    const authorization = await startDeviceAuthorization(provider(server));
    expect(authorization.interval).toBe(5);
    // The clock starts now, at the authorization's arrival, as Date.now() did for expiresAt.
    const clock = scaledClock(SCALE);
    const start = clock.now();
    const tokenRequests = () => server.requests.filter((r) => r.path === "/token");
    const stamps: number[] = [];
    const result = await waitForToken(provider(server), authorization, {
      clock,
      onPoll: () => stamps.push(clock.now()),
    });

    expect(result).toEqual({ status: "expired" });
    expect(tokenRequests().length).toBeGreaterThanOrEqual(4);
    expect(tokenRequests().length).toBeLessThanOrEqual(5);
    // Answers arrive at least 5 s apart, the first at least 5 s after the start.
    stamps.forEach((at, i) =>
      expect(at - (i === 0 ? start : (stamps[i - 1] as number))).toBeGreaterThanOrEqual(5000),
    );
  });

  test("a body over 1 MiB without Content-Length (50 MiB chunked) is cut off early", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(ctx, { "/token": flood(50 * MiB, { declared: false }) }, clock);
    const result = await waitForToken(provider(server), authorizationAt(clock), { clock });
    expect(result).toMatchObject({
      status: "error",
      error: "response_too_large",
      retryable: false,
    });
    expect(server.requests).toHaveLength(1);
    expect(await server.allClosed()).toBe(true);
    // The server could hand over 1 MiB plus what the sockets buffer, never the 50 MiB.
    expect(server.bytesWritten()).toBeLessThan(16 * MiB);
  });

  test("a body over 1 MiB with Content-Length (50 MiB declared) is refused unread", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(ctx, { "/token": flood(50 * MiB, { declared: true }) }, clock);
    const result = await waitForToken(provider(server), authorizationAt(clock), { clock });
    expect(result).toMatchObject({
      status: "error",
      error: "response_too_large",
      retryable: false,
      httpStatus: 200,
    });
    expect(await server.allClosed()).toBe(true);
    expect(server.bytesWritten()).toBeLessThan(16 * MiB);
  });

  test("a gzip bomb (50 KiB declared, 50 MiB inflated) is cut off at 1 MiB of inflated body", async (ctx) => {
    const clock = scaledClock(SCALE);
    const server = await serve(ctx, { "/token": gzipBomb(50 * MiB) }, clock);
    const before = process.memoryUsage();
    const result = await waitForToken(provider(server), authorizationAt(clock), { clock });
    const after = process.memoryUsage();
    expect(result).toMatchObject({
      status: "error",
      error: "response_too_large",
      retryable: false,
    });
    // Loose: a client that inflated it all would hold ≥ 50 MiB of body (100 MiB as a JS string).
    expect(
      after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers),
    ).toBeLessThan(40 * MiB);
  });
});

describe.concurrent("one request against a misbehaving server", () => {
  test("a body trickled slower than the timeout is abandoned at the timeout, and the connection closed", async (ctx) => {
    const server = await serve(ctx, {
      "/token": trickle(200, JSON.stringify(TOKEN), { bytes: 1, everyMs: 30 }),
    });
    const started = Date.now();
    const result = await pollForToken(provider(server, 300), authorizationAt(scaledClock(1)));
    expect(result).toMatchObject({ status: "error", error: "timeout", retryable: true });
    // Bounded by the 300 ms timeout, not the 2 s the trickle would take (nor the 30 s default).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await server.allClosed()).toBe(true);
    expect(server.bytesWritten()).toBeLessThan(200 + JSON.stringify(TOKEN).length);
  });

  test("a slow body inside the timeout is read whole", async (ctx) => {
    const server = await serve(ctx, {
      "/token": trickle(200, JSON.stringify(TOKEN), { bytes: 8, everyMs: 20 }),
    });
    const result = await pollForToken(provider(server, 10_000), authorizationAt(scaledClock(1)));
    expect(result.status === "authorized" && result.token.accessToken).toBe(TOKEN.access_token);
  });

  test("1xx: 103 Early Hints before the answer is skipped; an unasked 100 Continue, then silence, is a retryable error", async (ctx) => {
    const server = await serve(ctx, {
      "/token": sequence(informational("103", json(200, TOKEN)), informational("100", hang())),
    });
    const first = await pollForToken(provider(server, 300), authorizationAt(scaledClock(1)));
    expect(first.status).toBe("authorized");
    const second = await pollForToken(provider(server, 300), authorizationAt(scaledClock(1)));
    // undici refuses the unsolicited 100 (network_error); a client that waited would time out.
    expect(second).toMatchObject({ status: "error", retryable: true });
    expect(["network_error", "timeout"]).toContain((second as { error: string }).error);
  });

  test("a 101 Switching Protocols nobody asked for, or bytes that are not HTTP, are network errors", async (ctx) => {
    const server = await serve(ctx, {
      "/token": sequence(
        raw(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        ),
        raw("SSH-2.0-OpenSSH_9.6\r\n"),
      ),
    });
    for (let i = 0; i < 2; i++) {
      const result = await pollForToken(provider(server, 2000), authorizationAt(scaledClock(1)));
      expect(result.status).toBe("error");
      expect(result).toMatchObject({ retryable: true });
      expect(["network_error", "timeout"]).toContain((result as { error: string }).error);
    }
  });

  test("the per-request timeout also bounds startDeviceAuthorization", async (ctx) => {
    const server = await serve(ctx, { "/device": hang() });
    await expect(startDeviceAuthorization(provider(server, 300))).rejects.toSatisfy(
      (e: unknown) => e instanceof NetworkError && e.code === "timeout" && e.retryable,
    );
  });
});

/** Every adapter, each pointed at the same misbehaving server (its token path routes anywhere). */
const ADAPTERS: [string, (origin: string) => Provider][] = [
  [
    "rfc8628",
    (o) =>
      rfc8628({
        deviceAuthorizationEndpoint: `${o}/device`,
        tokenEndpoint: `${o}/token`,
        clientId: "c",
        timeout: 300,
      }),
  ],
  ["trakt", (o) => trakt({ baseUrl: o, clientId: "c", clientSecret: "s", timeout: 300 })],
  [
    "transparenc",
    (o) =>
      transparenc({ baseUrl: o, clientId: "c", deviceType: "tv", deviceOs: "linux", timeout: 300 }),
  ],
  [
    "fakts",
    (o) => fakts({ baseUrl: `${o}/f/`, manifest: { identifier: "x", version: "1" }, timeout: 300 }),
  ],
];

const FAULTS: [string, Scenario, Partial<PollResult> & Record<string, unknown>][] = [
  ["connection reset", reset(), { status: "error", error: "network_error", retryable: true }],
  ["hang", hang(), { status: "error", error: "timeout", retryable: true }],
  [
    "502 HTML",
    text(502, HTML_502),
    { status: "error", error: "server_error", httpStatus: 502, retryable: true },
  ],
  [
    "50 MiB chunked",
    flood(50 * MiB, { declared: false }),
    { status: "error", error: "response_too_large", retryable: false },
  ],
  [
    "gzip bomb",
    gzipBomb(50 * MiB),
    { status: "error", error: "response_too_large", retryable: false },
  ],
  [
    "truncated connection",
    cutOff(200, JSON.stringify(TOKEN), 10),
    { status: "error", error: "network_error", retryable: true },
  ],
];

describe.concurrent.each(ADAPTERS)("%s: each fault is one typed poll result", (_name, make) => {
  test.for(FAULTS)("%s", async ([_fault, scenario, expected], ctx) => {
    const server = await serve(ctx, scenario);
    const result = await pollForToken(make(server.origin), authorizationAt(scaledClock(1)));
    expect(result).toMatchObject(expected);
  });
});
