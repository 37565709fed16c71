/**
 * twitch() against a loopback imitation of Twitch's device flow, built from research/providers.md
 * §8: form requests with `scopes` (plural) at start (TW4), errors as HTTP 400
 * `{"status":400,"message":…}` with no `error` field (TW3, TW4), `"invalid device code"` once a code
 * expired or was used, a success with an array `scope` and a lowercase `bearer` (TW2), and
 * single-use refresh tokens that rotate (fs:59795603589).
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  OAuthError,
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type PollResult,
} from "../../src/index.ts";
import { twitch, twitchErrorCodes, type TwitchOptions } from "../../src/providers/twitch.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import { gapsOf, startWire, type Wire, type WireReply, type WireRequest } from "./loopback-wire.ts";

const CLIENT_ID = "twitch-test-client-id";
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const SCOPES = "user:read:email chat:read";

/** What the token endpoint answers a valid poll, in order (the last repeats). */
type Step = "pending" | "slow_down" | "authorized" | "denied" | "expired" | WireReply;

const twitchError = (message: string, status = 400): WireReply => ({
  status,
  body: { status, message },
});

interface Imitation {
  wire: Wire;
  deviceCode: string;
  /** Every access and refresh token issued, in order. */
  issued: { accessToken: string; refreshToken: string }[];
}

/** Twitch's wire as the research describes it; `interval` is what the device answer says. */
async function imitateTwitch(
  clock: ScaledClock | undefined,
  steps: Step[],
  interval = 5,
): Promise<Imitation> {
  const deviceCode = `dc-${randomUUID()}`;
  const userCode = "ABCDEFGH";
  const issued: Imitation["issued"] = [];
  const liveRefreshTokens = new Set<string>();
  let polls = 0;
  let used = false;
  const issue = (): WireReply => {
    const token = { accessToken: `at-${randomUUID()}`, refreshToken: `rt-${randomUUID()}` };
    issued.push(token);
    liveRefreshTokens.add(token.refreshToken);
    return {
      status: 200,
      body: {
        access_token: token.accessToken,
        refresh_token: token.refreshToken,
        expires_in: 14124,
        scope: SCOPES.split(" "),
        token_type: "bearer",
      },
    };
  };

  const handle = (request: WireRequest): WireReply => {
    if (
      request.method !== "POST" ||
      request.headers["content-type"] !== "application/x-www-form-urlencoded"
    ) {
      return twitchError("unsupported request");
    }
    const { form } = request;
    if (form.client_id !== CLIENT_ID) return twitchError("invalid client");
    if (request.path === "/oauth2/device") {
      return {
        status: 200,
        body: {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `https://www.twitch.tv/activate?public=true&device-code=${userCode}`,
          expires_in: 1800,
          interval,
        },
      };
    }
    if (request.path !== "/oauth2/token")
      return { status: 404, body: { status: 404, message: "Not Found" } };
    if (form.grant_type === "refresh_token") {
      // Single-use: a refresh token works once, and the new one replaces it.
      if (!form.refresh_token || !liveRefreshTokens.delete(form.refresh_token)) {
        return twitchError("Invalid refresh token");
      }
      return issue();
    }
    if (form.grant_type !== DEVICE_CODE_GRANT) return twitchError("unsupported grant type");
    if (form.device_code !== deviceCode || used) return twitchError("invalid device code");
    const step = steps[Math.min(polls++, steps.length - 1)] as Step;
    if (typeof step === "object") return step;
    switch (step) {
      case "pending":
        return twitchError("authorization_pending");
      case "slow_down":
        return twitchError("slow_down");
      case "denied":
        return twitchError("access_denied");
      case "expired":
        return twitchError("invalid device code");
      case "authorized":
        used = true;
        return issue();
    }
  };
  const wire = await startWire(handle, clock ? () => clock.now() : undefined);
  return { wire, deviceCode, issued };
}

let open: Wire[] = [];
afterEach(async () => {
  await Promise.all(open.map((wire) => wire.close()));
  open = [];
});

async function setUp(steps: Step[], options: { clock?: ScaledClock; interval?: number } = {}) {
  const imitation = await imitateTwitch(options.clock, steps, options.interval);
  open.push(imitation.wire);
  const provider = (extra: Partial<TwitchOptions> = {}) =>
    twitch({ clientId: CLIENT_ID, baseUrl: imitation.wire.origin, ...extra });
  return { ...imitation, provider };
}

/** One poll of an authorization started against the imitation. */
async function pollOnce(steps: Step[], extra: Partial<TwitchOptions> = {}): Promise<PollResult> {
  const { provider } = await setUp(steps);
  const twitch = provider(extra);
  return pollForToken(twitch, await startDeviceAuthorization(twitch, { scope: SCOPES }));
}

describe("twitch(): the device flow against an imitation of Twitch's wire", () => {
  it("start → pending → slow_down → token, with Twitch's own field names and success shape", async () => {
    const clock = scaledClock(50);
    const { wire, provider, deviceCode, issued } = await setUp(
      ["pending", "slow_down", "authorized"],
      { clock },
    );
    const twitch = provider();

    const authorization = await startDeviceAuthorization(twitch, { scope: SCOPES });
    const startedAt = clock.now();
    const seen: string[] = [];
    const result = await waitForToken(twitch, authorization, {
      clock,
      onPoll: (poll) => seen.push(poll.status),
    });

    // The device answer: verification_uri already holds the code, and there is no _complete.
    expect(authorization).toEqual({
      deviceCode,
      userCode: "ABCDEFGH",
      verificationUri: "https://www.twitch.tv/activate?public=true&device-code=ABCDEFGH",
      expiresIn: 1800,
      interval: 5,
      expiresAt: expect.any(Number),
    });
    expect(seen).toEqual(["pending", "slow_down", "authorized"]);
    // An array scope and a lowercase bearer, normalised (TW2).
    expect(result).toEqual({
      status: "authorized",
      token: {
        accessToken: issued[0]?.accessToken,
        tokenType: "Bearer",
        expiresIn: 14124,
        expiresAt: expect.any(Number),
        refreshToken: issued[0]?.refreshToken,
        scope: SCOPES,
        raw: expect.objectContaining({
          scope: ["user:read:email", "chat:read"],
          token_type: "bearer",
        }),
      },
    });

    // The start request: client_id and `scopes`, plural; never `scope`, never a secret.
    const [start] = wire.to("/oauth2/device");
    expect(start?.keys.sort()).toEqual(["client_id", "scopes"]);
    expect(start?.form).toEqual({ client_id: CLIENT_ID, scopes: SCOPES });
    expect(start?.headers.accept).toBe("application/json");
    // Every poll: the device code grant, the same three fields.
    const polls = wire.to("/oauth2/token");
    expect(polls).toHaveLength(3);
    for (const poll of polls) {
      expect(poll.keys.sort()).toEqual(["client_id", "device_code", "grant_type"]);
      expect(poll.form).toEqual({
        client_id: CLIENT_ID,
        device_code: deviceCode,
        grant_type: DEVICE_CODE_GRANT,
      });
    }
    // RFC 8628 §3.5: the first poll waits one interval; slow_down adds 5 s from then on.
    const gaps = gapsOf(polls, startedAt);
    expect(gaps[0]).toBeGreaterThanOrEqual(5);
    expect(gaps[1]).toBeGreaterThanOrEqual(5);
    expect(gaps[2]).toBeGreaterThanOrEqual(10);
  });

  it("never polls sooner than a longer interval the server asks for", async () => {
    const clock = scaledClock(50);
    const { wire, provider } = await setUp(["pending", "pending", "authorized"], {
      clock,
      interval: 8,
    });
    const twitch = provider();
    const authorization = await startDeviceAuthorization(twitch, { scope: SCOPES });
    const startedAt = clock.now();

    const result = await waitForToken(twitch, authorization, { clock });

    expect(result.status).toBe("authorized");
    const gaps = gapsOf(wire.to("/oauth2/token"), startedAt);
    expect(gaps).toHaveLength(3);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(8);
  });

  it("a declined request is denied, and polling stops", async () => {
    const clock = scaledClock(50);
    const { wire, provider } = await setUp(["pending", "denied"], { clock });
    const twitch = provider();

    const result = await waitForToken(
      twitch,
      await startDeviceAuthorization(twitch, { scope: SCOPES }),
      { clock },
    );

    expect(result).toEqual({ status: "denied" });
    expect(wire.to("/oauth2/token")).toHaveLength(2);
  });

  it('"invalid device code" is expired, and polling stops', async () => {
    const clock = scaledClock(50);
    const { wire, provider } = await setUp(["pending", "expired"], { clock });
    const twitch = provider();

    const result = await waitForToken(
      twitch,
      await startDeviceAuthorization(twitch, { scope: SCOPES }),
      { clock },
    );

    expect(result).toEqual({ status: "expired" });
    expect(wire.to("/oauth2/token")).toHaveLength(2);
  });

  it("a code already exchanged reads like an expired one (TW4): start again", async () => {
    const { provider } = await setUp(["authorized"]);
    const twitch = provider();
    const authorization = await startDeviceAuthorization(twitch, { scope: SCOPES });

    expect((await pollForToken(twitch, authorization)).status).toBe("authorized");
    expect(await pollForToken(twitch, authorization)).toEqual({ status: "expired" });
  });

  it("a saved authorization (plain JSON) resumes with a new provider and polls the same way", async () => {
    const { wire, provider, deviceCode } = await setUp(["pending", "authorized"]);
    const saved = JSON.stringify(await startDeviceAuthorization(provider(), { scope: SCOPES }));

    const resumed = JSON.parse(saved) as DeviceAuthorization;
    const first = await pollForToken(provider(), resumed);
    const second = await pollForToken(provider(), resumed);

    expect([first.status, second.status]).toEqual(["pending", "authorized"]);
    for (const poll of wire.to("/oauth2/token")) {
      expect(poll.form).toEqual({
        client_id: CLIENT_ID,
        device_code: deviceCode,
        grant_type: DEVICE_CODE_GRANT,
      });
    }
  });
});

describe("twitch(): Twitch's own answers", () => {
  /** The documented rows, written out independently of the adapter's table. */
  const EXPECTED = {
    authorization_pending: "pending",
    slow_down: "slow_down",
    "invalid device code": "expired",
    access_denied: "denied",
  } as const;

  it("the table is exactly the documented message → result mapping", () => {
    expect(twitchErrorCodes).toEqual(EXPECTED);
  });

  for (const [message, status] of Object.entries(EXPECTED)) {
    it(`HTTP 400 {"message":"${message}"} with no error field → ${status}`, async () => {
      const result = await pollOnce([twitchError(message)]);
      expect(result).toEqual(status === "slow_down" ? { status, interval: 10 } : { status });
    });
  }

  it("an unknown message stops polling, with the message as the error code", async () => {
    const result = await pollOnce([twitchError("missing device code")]);
    expect(result).toEqual({
      status: "error",
      error: "missing device code",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("a caller's errorCodes row maps a message the SDK does not ship", async () => {
    const result = await pollOnce([twitchError("missing device code")], {
      errorCodes: { "missing device code": { fix: "send device_code" } },
    });
    expect(result).toEqual({
      status: "error",
      error: "missing device code",
      description: "send device_code",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("a message in a 5xx answer is a retryable error", async () => {
    const result = await pollOnce([twitchError("Internal Server Error", 503)]);
    expect(result).toMatchObject({ status: "error", httpStatus: 503, retryable: true });
  });

  it("a 200 without an access token is invalid_response, never authorized", async () => {
    const result = await pollOnce([{ status: 200, body: { scope: [], token_type: "bearer" } }]);
    expect(result).toMatchObject({ status: "error", error: "invalid_response", retryable: false });
  });

  it('an unknown client at start is an OAuthError named by the "message"', async () => {
    const { wire } = await setUp(["pending"]);
    const stranger = twitch({ clientId: "not-registered", baseUrl: wire.origin });

    const start = startDeviceAuthorization(stranger, { scope: SCOPES });

    await expect(start).rejects.toBeInstanceOf(OAuthError);
    await expect(start).rejects.toMatchObject({
      code: "invalid client",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("refresh sends client_id, grant_type and refresh_token; a spent refresh token is refused", async () => {
    const { wire, provider, issued } = await setUp(["authorized"]);
    const twitch = provider();
    const first = await pollForToken(
      twitch,
      await startDeviceAuthorization(twitch, { scope: SCOPES }),
    );
    expect(first.status).toBe("authorized");
    const used = issued[0]?.refreshToken as string;

    const refreshed = await refreshToken(twitch, used);
    const again = await refreshToken(twitch, used);

    // Twitch rotates: the answer's new refresh token replaces the spent one.
    expect(refreshed).toMatchObject({
      status: "authorized",
      token: {
        accessToken: issued[1]?.accessToken,
        refreshToken: issued[1]?.refreshToken,
        scope: SCOPES,
      },
    });
    expect(again).toEqual({
      status: "error",
      error: "Invalid refresh token",
      httpStatus: 400,
      retryable: false,
    });
    const refreshes = wire
      .to("/oauth2/token")
      .filter((request) => request.form.grant_type === "refresh_token");
    expect(refreshes[0]?.form).toEqual({
      client_id: CLIENT_ID,
      grant_type: "refresh_token",
      refresh_token: used,
    });
  });
});
