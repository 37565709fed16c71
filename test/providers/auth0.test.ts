/**
 * auth0() against a loopback imitation of Auth0's device flow wire (research/providers.md §4,
 * A01): form requests with `audience`, 403 pending and failures, 429 slow_down with no interval,
 * `verification_uri_complete`, and `expired_token` exactly once per code, then `invalid_grant`.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  pollForToken,
  revokeToken,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type PollResult,
} from "../../src/index.ts";
import { auth0, auth0ErrorCodes, type Auth0Options } from "../../src/providers/auth0.ts";
import { rfc8628ErrorCodes } from "../../src/providers/rfc8628.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  imitateOAuth,
  json,
  pollGaps,
  type Handler,
  type OAuthImitation,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "Xz7vGxZ1native0DeviceApp";
const AUDIENCE = "https://api.example.com/";
const DEVICE = "POST /oauth/device/code";
const TOKEN = "POST /oauth/token";

// A01's own bodies, status and all.
const pending = json(403, {
  error: "authorization_pending",
  error_description: "User has yet to authorize device code.",
});
const slowDown = json(429, {
  error: "slow_down",
  error_description: "You are polling faster than the specified interval of 5 seconds.",
});
const denied = json(403, {
  error: "access_denied",
  error_description: "User cancelled the confirmation prompt or consent page.",
});
const invalidGrant = json(403, {
  error: "invalid_grant",
  error_description: "Invalid or expired device code.",
});
const token = json(200, {
  access_token: "eyJz93a.access",
  id_token: "eyJ0XAi.id",
  refresh_token: "GEbRxBN.refresh",
  scope: "openid offline_access",
  expires_in: 86400,
  token_type: "Bearer",
});

let imitation: OAuthImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

/** Auth0's expiry as A01 describes it: `expired_token` once per device code, `invalid_grant` after. */
function expiryOnce(): { expired: Handler; lostExpired: Handler } {
  const told = new Set<string>();
  const expired: Handler = (request) => {
    const code = request.form?.device_code ?? "";
    if (told.has(code)) return invalidGrant;
    told.add(code);
    return json(403, { error: "expired_token", error_description: "The device code has expired." });
  };
  // Auth0 said expired_token, but the answer never arrived (a reset connection).
  const lostExpired: Handler = (request) => ({ ...(expired(request, 0) as Reply), lost: true });
  return { expired, lostExpired };
}

async function imitateAuth0(
  steps: (Reply | Handler)[],
  options: { clock?: ScaledClock; rateCheck?: boolean; routes?: Record<string, Handler> } = {},
) {
  let issued = 0;
  imitation = await imitateOAuth({
    device: DEVICE,
    token: TOKEN,
    interval: 5,
    now: options.clock?.now,
    routes: options.routes,
    authorize: (request) => {
      if (request.form?.client_id !== CLIENT_ID) {
        return json(401, {
          error: "unauthorized_client",
          error_description: "Unauthorized or unknown client",
        });
      }
      const userCode = `KPXZ-${String(issued).padStart(4, "0")}`;
      const origin = `https://${request.headers.host}`;
      return json(200, {
        device_code: `Ag_EE...ko1p-${issued++}`,
        user_code: userCode,
        verification_uri: `${origin}/activate`,
        verification_uri_complete: `${origin}/activate?user_code=${userCode}`,
        expires_in: 900,
        interval: 5,
      });
    },
    check: (request) =>
      request.form?.client_id === CLIENT_ID
        ? undefined
        : json(401, { error: "invalid_client", error_description: "Unknown client." }),
    steps,
    tooEarly: options.rateCheck === false ? undefined : () => slowDown,
  });
  return imitation;
}

function provider(extra: Partial<Auth0Options> = {}) {
  if (!imitation) throw new Error("no imitation");
  return auth0({ domain: imitation.origin, clientId: CLIENT_ID, audience: AUDIENCE, ...extra });
}

async function signIn(clock: ScaledClock) {
  const a0 = provider();
  const authorization = await startDeviceAuthorization(a0, { scope: "openid offline_access" });
  const polls: PollResult[] = [];
  const result = await waitForToken(a0, authorization, {
    clock,
    onPoll: (poll) => polls.push(poll),
  });
  return { authorization, polls, result };
}

describe("auth0(): the requests", () => {
  it("sends client_id, scope and audience as a public client to /oauth/device/code and /oauth/token", async () => {
    await imitateAuth0([pending], { rateCheck: false });
    const a0 = provider();
    await pollForToken(a0, await startDeviceAuthorization(a0, { scope: "openid offline_access" }));
    const [device, poll] = imitation!.requests;
    expect(`${device?.method} ${device?.path}`).toBe(DEVICE);
    expect(device?.formAll).toEqual({
      scope: ["openid offline_access"],
      audience: [AUDIENCE],
      client_id: [CLIENT_ID],
    });
    expect(`${poll?.method} ${poll?.path}`).toBe(TOKEN);
    expect(poll?.form).toMatchObject({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: "Ag_EE...ko1p-0",
      client_id: CLIENT_ID,
    });
    for (const request of imitation!.requests) {
      expect(request.headers.accept).toBe("application/json");
      expect(request.headers.authorization).toBeUndefined();
    }
  });

  it("leaves audience out when not given", async () => {
    await imitateAuth0([pending], { rateCheck: false });
    await startDeviceAuthorization(auth0({ domain: imitation!.origin, clientId: CLIENT_ID }));
    expect(imitation!.requests[0]?.form).toEqual({ client_id: CLIENT_ID });
  });

  it.each([
    ["a host", "tenant.eu.auth0.com", "https://tenant.eu.auth0.com"],
    ["a custom domain", "login.example.com", "https://login.example.com"],
    ["an origin URL", "https://login.example.com", "https://login.example.com"],
    [
      "an origin URL with a trailing slash",
      "https://login.example.com/",
      "https://login.example.com",
    ],
  ])("takes %s as domain", async (_, domain, origin) => {
    // No real Auth0 here: a fetch that records where the request went (DNS cannot reach a tenant).
    const urls: string[] = [];
    const a0 = auth0({
      domain,
      clientId: CLIENT_ID,
      fetch: async (request) => {
        urls.push(request.url);
        return Response.json({ error: "authorization_pending" }, { status: 403 });
      },
    });
    await expect(startDeviceAuthorization(a0)).rejects.toMatchObject({
      code: "authorization_pending",
    });
    expect(urls).toEqual([`${origin}/oauth/device/code`]);
  });

  it.each([
    "https://tenant.auth0.com/some/path",
    "https://user:pw@tenant.auth0.com",
    "https://tenant.auth0.com?x=1",
    "not a host",
  ])("refuses domain %s", (domain) => {
    expect(() => auth0({ domain, clientId: CLIENT_ID })).toThrow(ConfigurationError);
  });

  it("refuses plain http to a host that is not loopback", () => {
    expect(() => auth0({ domain: "http://tenant.auth0.com", clientId: CLIENT_ID })).toThrow(
      /refusing plain http/,
    );
  });
});

describe("auth0(): a whole sign-in", () => {
  it("403 pending → 429 slow_down → a token, each gap ≥ the interval in force", async () => {
    const clock = scaledClock(100);
    await imitateAuth0([pending, slowDown, pending, token], { clock });
    const { authorization, polls, result } = await signIn(clock);
    expect(authorization).toMatchObject({ interval: 5, expiresIn: 900, userCode: "KPXZ-0000" });
    expect(authorization.verificationUriComplete).toMatch(/\/activate\?user_code=KPXZ-0000$/);
    expect(polls.map((poll) => poll.status)).toEqual([
      "pending",
      "slow_down",
      "pending",
      "authorized",
    ]);
    // A 429 slow_down is slow_down (+5 s for good), not a one-off rate-limit error.
    expect(polls[1]).toEqual({ status: "slow_down", interval: 10 });
    expect(result).toMatchObject({
      status: "authorized",
      token: {
        accessToken: "eyJz93a.access",
        idToken: "eyJ0XAi.id",
        refreshToken: "GEbRxBN.refresh",
        expiresIn: 86400,
      },
    });
    const gaps = pollGaps(imitation!, DEVICE);
    expect(gaps).toHaveLength(4);
    [5, 5, 10, 10].forEach((interval, i) =>
      expect(gaps[i], `gap before poll ${i + 1}`).toBeGreaterThanOrEqual(interval * 1000),
    );
    expect(imitation!.early).toBe(0);
  });

  it("403 access_denied → denied", async () => {
    const clock = scaledClock(100);
    await imitateAuth0([pending, denied], { clock });
    const { result } = await signIn(clock);
    expect(result).toEqual({
      status: "denied",
      description: "User cancelled the confirmation prompt or consent page.",
    });
  });

  it("403 expired_token (sent once) → expired", async () => {
    const clock = scaledClock(100);
    await imitateAuth0([pending, expiryOnce().expired], { clock });
    const { result } = await signIn(clock);
    expect(result).toEqual({ status: "expired", description: "The device code has expired." });
  });

  it("expired_token lost on the way, then invalid_grant after pending → expired, not invalid_code", async () => {
    const clock = scaledClock(100);
    const { expired, lostExpired } = expiryOnce();
    await imitateAuth0([pending, lostExpired, expired], { clock });
    const { polls, result } = await signIn(clock);
    expect(polls.map((poll) => poll.status)).toEqual(["pending", "error", "expired"]);
    expect(polls[1]).toMatchObject({ error: "network_error", retryable: true });
    expect(imitation!.polls().map((poll) => poll.reply?.body)).toEqual([
      pending.body,
      expect.stringContaining("expired_token"),
      invalidGrant.body,
    ]);
    expect(result).toEqual({ status: "expired", description: "Invalid or expired device code." });
  });
});

describe("auth0(): invalid_grant after pending, with bounded memory", () => {
  /** A hand-built authorization for `deviceCode`, as a resumed flow would have it. */
  const authorizationFor = (deviceCode: string): DeviceAuthorization => ({
    deviceCode,
    userCode: "KPXZ-0000",
    verificationUri: "https://tenant.auth0.com/activate",
    expiresIn: 900,
    interval: 5,
    expiresAt: Date.now() + 900_000,
  });
  it("invalid_grant for a code never seen pending is invalid_code", async () => {
    await imitateAuth0([invalidGrant], { rateCheck: false });
    expect(await pollForToken(provider(), authorizationFor("never-seen"))).toEqual({
      status: "invalid_code",
      description: "Invalid or expired device code.",
    });
  });

  it("the memory is per provider: a fresh provider (a resumed flow) reads invalid_grant as invalid_code", async () => {
    await imitateAuth0([pending, invalidGrant], { rateCheck: false });
    const code = authorizationFor("code-a");
    expect(await pollForToken(provider(), code)).toEqual({ status: "pending" });
    expect((await pollForToken(provider(), code)).status).toBe("invalid_code");
  });

  it("a code is forgotten once its flow ends (denied), so a later invalid_grant is invalid_code", async () => {
    await imitateAuth0([pending, denied, invalidGrant], { rateCheck: false });
    const a0 = provider();
    const code = authorizationFor("code-b");
    expect((await pollForToken(a0, code)).status).toBe("pending");
    expect((await pollForToken(a0, code)).status).toBe("denied");
    expect((await pollForToken(a0, code)).status).toBe("invalid_code");
  });

  it("a retryable error in between keeps the memory; slow_down counts as seen alive", async () => {
    await imitateAuth0([slowDown, json(503, { error: "temporarily_unavailable" }), invalidGrant], {
      rateCheck: false,
    });
    const a0 = provider();
    const code = authorizationFor("code-c");
    expect((await pollForToken(a0, code)).status).toBe("slow_down");
    expect(await pollForToken(a0, code)).toMatchObject({ status: "error", retryable: true });
    expect((await pollForToken(a0, code)).status).toBe("expired");
  });

  it("remembers at most 1000 codes: the oldest is evicted, the newer ones still expire", async () => {
    let gone = false;
    await imitateAuth0([() => (gone ? invalidGrant : pending)], { rateCheck: false });
    const a0 = provider();
    for (let i = 0; i <= 1000; i += 1)
      expect((await pollForToken(a0, authorizationFor(`c${i}`))).status).toBe("pending");
    gone = true;
    expect((await pollForToken(a0, authorizationFor("c0"))).status).toBe("invalid_code");
    expect((await pollForToken(a0, authorizationFor("c1"))).status).toBe("expired");
    expect((await pollForToken(a0, authorizationFor("c1000"))).status).toBe("expired");
  });
});

describe("auth0(): the table", () => {
  it("is the RFC's: Auth0 adds a rule (invalid_grant after pending), not codes", () => {
    expect(auth0ErrorCodes).toEqual(rfc8628ErrorCodes);
  });
});

describe("auth0(): revocation (A03, A05)", () => {
  it("revokes a refresh token at /oauth/revoke as the Native app (client_id, no secret)", async () => {
    await imitateAuth0([token], {
      rateCheck: false,
      routes: {
        "POST /oauth/revoke": (request) =>
          request.form?.client_id === CLIENT_ID
            ? { status: 200 }
            : json(401, { error: "invalid_client", error_description: "Unknown client." }),
      },
    });
    expect(
      await revokeToken(provider(), "v1.MRrt-refresh", { tokenTypeHint: "refresh_token" }),
    ).toEqual({
      status: "revoked",
    });
    const [request] = imitation!.to("POST /oauth/revoke");
    expect(request?.formAll).toEqual({
      token: ["v1.MRrt-refresh"],
      token_type_hint: ["refresh_token"],
      client_id: [CLIENT_ID],
    });
    expect(request?.headers.authorization).toBeUndefined();
  });
});
