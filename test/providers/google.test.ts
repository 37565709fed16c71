/**
 * google() against a loopback imitation of Google's device flow wire (research/providers.md §2,
 * GO1): form requests with `client_id` and `client_secret` in both bodies, `verification_url`,
 * 428 pending, 403 slow_down / access_denied with no interval, 401 invalid_client for the wrong
 * client type, 403 `{"error_code":"rate_limit_exceeded"}` at the device endpoint, an `id_token`
 * with `openid`, and a refresh that issues no new refresh token.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  OAuthError,
  pollForToken,
  refreshToken,
  revokeToken,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
} from "../../src/index.ts";
import { google, googleErrorCodes, type GoogleOptions } from "../../src/providers/google.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  imitateOAuth,
  json,
  pollGaps,
  type Handler,
  type OAuthImitation,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "1234567890-tv.apps.googleusercontent.com";
const CLIENT_SECRET = "GOCSPX-tv client/secret+=";
const DEVICE = "POST /device/code";
const TOKEN = "POST /token";
const DEVICE_CODE = "AH-1Ng3yZfvZ2BAmGNvA8oV8tUiDSLsBSFp0ovtvdHPf";
const ALLOWED_SCOPES = new Set([
  "email",
  "openid",
  "profile",
  "https://www.googleapis.com/auth/drive.file",
]);

// GO1's own bodies, status and all.
const pending = json(428, {
  error: "authorization_pending",
  error_description: "Precondition Required",
});
const slowDown = json(403, { error: "slow_down", error_description: "Forbidden" });
const denied = json(403, { error: "access_denied", error_description: "Forbidden" });
const token = json(200, {
  access_token: "ya29.a0AfH6SMB",
  expires_in: 3599,
  refresh_token: "1//0gEXAMPLE",
  scope: "openid https://www.googleapis.com/auth/userinfo.email",
  token_type: "Bearer",
  id_token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMTAifQ.c2ln",
});

let imitation: OAuthImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

/** Google as GO1 documents it; `rateCheck` off for single polls sent at once on purpose. */
async function imitateGoogle(
  steps: Reply[],
  options: {
    clock?: ScaledClock;
    rateCheck?: boolean;
    quota?: boolean;
    interval?: number;
    routes?: Record<string, Handler>;
  } = {},
) {
  const interval = options.interval ?? 5;
  imitation = await imitateOAuth({
    device: DEVICE,
    token: TOKEN,
    interval,
    now: options.clock?.now,
    routes: options.routes,
    authorize: (request) => {
      if (options.quota) return json(403, { error_code: "rate_limit_exceeded" });
      if (request.form?.client_id !== CLIENT_ID) {
        return json(401, {
          error: "invalid_client",
          error_description: "The OAuth client type is incorrect.",
        });
      }
      const bad = (request.form.scope ?? "").split(" ").find((scope) => !ALLOWED_SCOPES.has(scope));
      if (bad !== undefined)
        return json(400, {
          error: "invalid_scope",
          error_description: `Invalid device flow scope: ${bad}`,
        });
      return json(200, {
        device_code: DEVICE_CODE,
        user_code: "GQVQ-JKEC",
        verification_url: "https://www.google.com/device",
        expires_in: 1800,
        interval,
      });
    },
    // GO1: client_secret is required when polling; a wrong client is 401 invalid_client.
    check: (request) =>
      request.form?.client_id !== CLIENT_ID || request.form.client_secret !== CLIENT_SECRET
        ? json(401, { error: "invalid_client", error_description: "Unauthorized" })
        : undefined,
    steps,
    // GO1: no new refresh token on refresh.
    refresh: () =>
      json(200, {
        access_token: "ya29.refreshed",
        expires_in: 3599,
        scope: "openid",
        token_type: "Bearer",
      }),
    tooEarly: options.rateCheck === false ? undefined : () => slowDown,
  });
  return imitation;
}

function provider(extra: Partial<GoogleOptions> = {}) {
  if (!imitation) throw new Error("no imitation");
  return google({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    baseUrl: imitation.origin,
    ...extra,
  });
}

async function pollOnce(reply: Reply): Promise<PollResult> {
  await imitateGoogle([reply], { rateCheck: false });
  const g = provider();
  return pollForToken(g, await startDeviceAuthorization(g, { scope: "openid email" }));
}

describe("google(): the requests", () => {
  it("sends client_id and client_secret in both form bodies, no Basic, Accept: application/json", async () => {
    await imitateGoogle([pending], { rateCheck: false });
    const g = provider();
    await pollForToken(g, await startDeviceAuthorization(g, { scope: "openid email" }));
    const [device, poll] = imitation!.requests;
    expect(`${device?.method} ${device?.path}`).toBe(DEVICE);
    expect(device?.formAll).toEqual({
      scope: ["openid email"],
      client_id: [CLIENT_ID],
      client_secret: [CLIENT_SECRET],
    });
    expect(`${poll?.method} ${poll?.path}`).toBe(TOKEN);
    expect(poll?.formAll).toEqual({
      grant_type: ["urn:ietf:params:oauth:grant-type:device_code"],
      device_code: [DEVICE_CODE],
      client_id: [CLIENT_ID],
      client_secret: [CLIENT_SECRET],
    });
    for (const request of imitation!.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers.accept).toBe("application/json");
      expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    }
  });

  it("refreshes with client_id and client_secret, keeping the refresh token Google does not reissue", async () => {
    await imitateGoogle([pending], { rateCheck: false });
    const refreshed = await refreshToken(provider(), "1//0gEXAMPLE");
    expect(refreshed).toMatchObject({
      status: "authorized",
      token: { accessToken: "ya29.refreshed", refreshToken: "1//0gEXAMPLE" },
    });
    expect(imitation!.to(TOKEN)[0]?.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: "1//0gEXAMPLE",
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
  });
});

describe("google(): a whole sign-in", () => {
  it("verification_url → 428 pending → 403 slow_down → a token with an id_token, each gap ≥ the interval", async () => {
    const clock = scaledClock(100);
    await imitateGoogle([pending, slowDown, pending, token], { clock });
    const g = provider();
    const authorization = await startDeviceAuthorization(g, { scope: "openid email" });
    expect(authorization).toMatchObject({
      userCode: "GQVQ-JKEC",
      verificationUri: "https://www.google.com/device",
      expiresIn: 1800,
      interval: 5,
    });
    const polls: PollResult[] = [];
    const result = await waitForToken(g, authorization, {
      clock,
      onPoll: (poll) => polls.push(poll),
    });

    expect(polls.map((poll) => poll.status)).toEqual([
      "pending",
      "slow_down",
      "pending",
      "authorized",
    ]);
    expect(polls[1]).toEqual({ status: "slow_down", interval: 10 });
    expect(result).toMatchObject({
      status: "authorized",
      token: {
        accessToken: "ya29.a0AfH6SMB",
        tokenType: "Bearer",
        expiresIn: 3599,
        refreshToken: "1//0gEXAMPLE",
        idToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMTAifQ.c2ln",
        scope: "openid https://www.googleapis.com/auth/userinfo.email",
      },
    });
    const gaps = pollGaps(imitation!, DEVICE);
    [5, 5, 10, 10].forEach((interval, i) =>
      expect(gaps[i], `gap before poll ${i + 1}`).toBeGreaterThanOrEqual(interval * 1000),
    );
    expect(gaps).toHaveLength(4);
    expect(imitation!.early).toBe(0);
  });

  it.each([
    ["403 access_denied", denied, { status: "denied", description: "Forbidden" }],
    ["400 expired_token", json(400, { error: "expired_token" }), { status: "expired" }],
    [
      "400 invalid_grant",
      json(400, { error: "invalid_grant", error_description: "Malformed auth code." }),
      { status: "invalid_code", description: "Malformed auth code." },
    ],
  ] as const)("ends on %s through waitForToken", async (_, reply, expected) => {
    const clock = scaledClock(100);
    await imitateGoogle([pending, reply], { clock });
    const g = provider();
    const result = await waitForToken(g, await startDeviceAuthorization(g, { scope: "openid" }), {
      clock,
    });
    expect(result).toEqual(expected);
    expect(imitation!.polls()).toHaveLength(2);
    expect(imitation!.early).toBe(0);
  });
});

describe("google(): its own error codes", () => {
  it.each([
    ["invalid_client", 401, "TVs and Limited Input devices"],
    ["admin_policy_enforced", 400, "Google Workspace administrator"],
    ["org_internal", 403, "Google Cloud organization"],
  ] as const)(
    "%s (HTTP %i) stops with a description that says what to fix",
    async (error, status, hint) => {
      const result = await pollOnce(json(status, { error, error_description: "from Google" }));
      expect(result).toMatchObject({
        status: "error",
        error,
        httpStatus: status,
        retryable: false,
      });
      expect(result.status === "error" && result.description).toBe(
        `from Google (${googleErrorCodes[error].fix})`,
      );
    },
  );

  it("a wrong secret at the token endpoint is the 401 invalid_client row", async () => {
    await imitateGoogle([pending], { rateCheck: false });
    const g = provider({ clientSecret: "wrong" });
    const result = await pollForToken(g, await startDeviceAuthorization(g, { scope: "openid" }));
    expect(result).toMatchObject({
      status: "error",
      error: "invalid_client",
      httpStatus: 401,
      retryable: false,
    });
  });

  it("the wrong client type at the device endpoint: an OAuthError that names the client type", async () => {
    await imitateGoogle([pending]);
    const failure = await startDeviceAuthorization(provider({ clientId: "web-client" }), {
      scope: "openid",
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({ code: "invalid_client", httpStatus: 401 });
    expect((failure as OAuthError).description).toContain("The OAuth client type is incorrect.");
    expect((failure as OAuthError).description).toContain("TVs and Limited Input devices");
  });

  it("a scope outside the device allowlist: an OAuthError invalid_scope naming it", async () => {
    await imitateGoogle([pending]);
    const failure = await startDeviceAuthorization(provider(), {
      scope: "openid https://mail.google.com/",
    }).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      code: "invalid_scope",
      httpStatus: 400,
      description: "Invalid device flow scope: https://mail.google.com/",
    });
  });

  it('the device endpoint\'s 403 {"error_code":"rate_limit_exceeded"} is an OAuthError with that code', async () => {
    await imitateGoogle([pending], { quota: true });
    const failure = await startDeviceAuthorization(provider(), { scope: "openid" }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({ code: "rate_limit_exceeded", httpStatus: 403 });
    expect(imitation!.polls()).toHaveLength(0);
  });
});

describe("google(): revocation (GO1)", () => {
  it("signing out: the refresh token revoked at /revoke in the form body, then its access token, already dead, counts as revoked", async () => {
    // GO1: revoking either token of a grant revokes the grant; a dead token gets 400 invalid_token.
    const live = new Set(["ya29.a0AfH6SMB", "1//0gEXAMPLE"]);
    await imitateGoogle([token], {
      rateCheck: false,
      routes: {
        "POST /revoke": (request) => {
          const sent = request.form?.token ?? request.query.get("token") ?? "";
          if (!live.has(sent)) {
            return json(400, {
              error: "invalid_token",
              error_description: "Token expired or revoked",
            });
          }
          live.clear();
          return json(200, {});
        },
      },
    });
    const g = provider();
    const signedIn = await pollForToken(
      g,
      await startDeviceAuthorization(g, { scope: "openid email" }),
    );
    if (signedIn.status !== "authorized") throw new Error(`not signed in: ${signedIn.status}`);
    const { refreshToken: refresh = "", accessToken } = signedIn.token;

    expect(await revokeToken(g, refresh, { tokenTypeHint: "refresh_token" })).toEqual({
      status: "revoked",
    });
    expect(await revokeToken(g, accessToken, { tokenTypeHint: "access_token" })).toEqual({
      status: "revoked",
    });
    const revokes = imitation!.to("POST /revoke");
    expect(revokes.map((request) => request.reply?.status)).toEqual([200, 400]);
    expect(revokes.map((request) => request.form?.token)).toEqual([refresh, accessToken]);
    for (const request of revokes) {
      expect(request.query.toString()).toBe("");
      expect(request.form).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expect(request.headers.authorization).toBeUndefined();
    }
  });
});
