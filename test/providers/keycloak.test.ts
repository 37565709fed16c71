/**
 * keycloak() against a loopback imitation of a Keycloak realm's device grant (research/providers.md
 * §6): the realm in the path (KC2, KC4), a confidential client authenticated at the device
 * endpoint too (KC2), every poll error HTTP 400 JSON (KC1), slow_down checked before denial and
 * pending (KC1), no interval in slow_down, `verification_uri_complete` (KC2, KC3), and
 * `unauthorized_client` for a client without the grant (fs:60844457266).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  OAuthError,
  pollForToken,
  refreshToken,
  revokeToken,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
} from "../../src/index.ts";
import {
  keycloak,
  keycloakErrorCodes,
  type KeycloakOptions,
} from "../../src/providers/keycloak.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  basicCredentials,
  imitateOAuth,
  json,
  pollGaps,
  type Handler,
  type ImitationRequest,
  type OAuthImitation,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "tv-app";
const SECRET = "s3cr:t+ %é/=";
const DEVICE_CODE = "kqmtPL0uzuTlu7oYJsPxKfmHVrWx7IWm1yCw1xQmHbI";

// KC1's answers: all HTTP 400.
const pending = json(400, {
  error: "authorization_pending",
  error_description: "The authorization request is still pending",
});
const slowDown = json(400, { error: "slow_down", error_description: "Slow down" });
const denied = json(400, {
  error: "access_denied",
  error_description: "The end user denied the authorization request",
});
const expired = json(400, { error: "expired_token", error_description: "Device code is expired" });
const invalid = json(400, { error: "invalid_grant", error_description: "Device code not valid" });
const token = json(200, {
  access_token: "eyJhbGciOiJSUzI1NiJ9.kc.access",
  expires_in: 300,
  refresh_expires_in: 1800,
  refresh_token: "eyJhbGciOiJIUzI1NiJ9.kc.refresh",
  token_type: "Bearer",
  id_token: "eyJhbGciOiJSUzI1NiJ9.kc.id",
  "not-before-policy": 0,
  session_state: "3e9b2f4e-5b3a-4b8f-9d1c-2a7e6f0c1b2d",
  scope: "openid profile email",
});

let imitation: OAuthImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

/**
 * A realm at `{prefix}/realms/{realmSegment}`. With `secret`, the client is confidential: every
 * request must authenticate (KC2 authenticates the client at the device endpoint too).
 */
async function imitateKeycloak(
  steps: Reply[],
  options: {
    clock?: ScaledClock;
    secret?: string;
    prefix?: string;
    realmSegment?: string;
    rateCheck?: boolean;
    grantDisabled?: boolean;
    /** More routes, by path under the realm: `"POST /protocol/openid-connect/revoke"`. */
    realmRoutes?: Record<string, (refused: Reply | undefined) => Reply>;
  } = {},
) {
  const root = `${options.prefix ?? ""}/realms/${options.realmSegment ?? "myrealm"}`;
  const unauthenticated = (request: ImitationRequest): Reply | undefined => {
    const basic = basicCredentials(request);
    const ok =
      options.secret === undefined
        ? basic === undefined
        : basic?.id === CLIENT_ID && basic.secret === options.secret;
    return ok && request.form?.client_id === CLIENT_ID
      ? undefined
      : json(401, {
          error: "invalid_client",
          error_description: "Invalid client or Invalid client credentials",
        });
  };
  const routes: Record<string, Handler> = Object.fromEntries(
    Object.entries(options.realmRoutes ?? {}).map(([route, answer]) => {
      const [method, path] = route.split(" ");
      return [`${method} ${root}${path}`, (request) => answer(unauthenticated(request))];
    }),
  );
  imitation = await imitateOAuth({
    routes,
    device: `POST ${root}/protocol/openid-connect/auth/device`,
    token: `POST ${root}/protocol/openid-connect/token`,
    interval: 5,
    now: options.clock?.now,
    authorize: (request) => {
      const refused = unauthenticated(request);
      if (refused) return refused;
      if (options.grantDisabled) {
        return json(400, {
          error: "unauthorized_client",
          error_description:
            "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client.",
        });
      }
      const verification = `https://${request.headers.host}${root}/device`;
      return json(200, {
        device_code: DEVICE_CODE,
        user_code: "WKQL-XBZJ",
        verification_uri: verification,
        verification_uri_complete: `${verification}?user_code=WKQL-XBZJ`,
        expires_in: 600,
        interval: 5,
      });
    },
    check: unauthenticated,
    steps,
    refresh: () =>
      json(200, {
        ...JSON.parse(token.body!),
        access_token: "kc.refreshed",
        refresh_token: "kc.rotated",
      }),
    // KC1 checks the poll rate before denial and pending.
    tooEarly: options.rateCheck === false ? undefined : () => slowDown,
  });
  return imitation;
}

function provider(extra: Partial<KeycloakOptions> = {}) {
  if (!imitation) throw new Error("no imitation");
  return keycloak({ baseUrl: imitation.origin, realm: "myrealm", clientId: CLIENT_ID, ...extra });
}

describe("keycloak(): the requests", () => {
  it("a confidential client sends Basic (each part form-url-encoded) and client_id in both bodies", async () => {
    await imitateKeycloak([pending], { secret: SECRET, rateCheck: false });
    const kc = provider({ clientSecret: SECRET });
    await pollForToken(kc, await startDeviceAuthorization(kc, { scope: "openid" }));
    const [device, poll] = imitation!.requests;
    expect(`${device?.method} ${device?.path}`).toBe(
      "POST /realms/myrealm/protocol/openid-connect/auth/device",
    );
    expect(`${poll?.method} ${poll?.path}`).toBe(
      "POST /realms/myrealm/protocol/openid-connect/token",
    );
    const encoded = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
    for (const request of [device, poll]) {
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${CLIENT_ID}:${encoded(SECRET)}`).toString("base64")}`,
      );
      expect(basicCredentials(request!)).toEqual({ id: CLIENT_ID, secret: SECRET });
      expect(request?.headers.accept).toBe("application/json");
      expect(request?.body).not.toContain("client_secret");
    }
    expect(device?.formAll).toEqual({ scope: ["openid"], client_id: [CLIENT_ID] });
    expect(poll?.formAll).toEqual({
      grant_type: ["urn:ietf:params:oauth:grant-type:device_code"],
      device_code: [DEVICE_CODE],
      client_id: [CLIENT_ID],
    });
  });

  it("a public client sends client_id only, no Authorization", async () => {
    await imitateKeycloak([pending], { rateCheck: false });
    const kc = provider();
    await pollForToken(kc, await startDeviceAuthorization(kc));
    for (const request of imitation!.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.form?.client_id).toBe(CLIENT_ID);
    }
  });

  it("a confidential client without its secret is refused at the device endpoint (KC2)", async () => {
    await imitateKeycloak([pending], { secret: SECRET });
    await expect(startDeviceAuthorization(provider())).rejects.toMatchObject({
      code: "invalid_client",
      httpStatus: 401,
    });
    expect(imitation!.polls()).toHaveLength(0);
  });

  it.each([
    ["an old distribution's /auth prefix", "/auth", "myrealm", "myrealm"],
    ["a realm that needs encoding, kept one path segment", "", "my realm/x", "my%20realm%2Fx"],
  ])("%s", async (_, prefix, realm, segment) => {
    await imitateKeycloak([pending], { prefix, realmSegment: segment, rateCheck: false });
    const kc = keycloak({ baseUrl: `${imitation!.origin}${prefix}/`, realm, clientId: CLIENT_ID });
    await pollForToken(kc, await startDeviceAuthorization(kc));
    expect(imitation!.requests.map((request) => request.path)).toEqual([
      `${prefix}/realms/${segment}/protocol/openid-connect/auth/device`,
      `${prefix}/realms/${segment}/protocol/openid-connect/token`,
    ]);
  });

  it("refuses an empty realm", () => {
    expect(() =>
      keycloak({ baseUrl: "https://sso.example.com", realm: "", clientId: CLIENT_ID }),
    ).toThrow(ConfigurationError);
  });

  it("refreshes with Basic and keeps the rotated refresh token", async () => {
    await imitateKeycloak([pending], { secret: SECRET });
    const refreshed = await refreshToken(
      provider({ clientSecret: SECRET }),
      "eyJhbGciOiJIUzI1NiJ9.kc.refresh",
    );
    expect(refreshed).toMatchObject({
      status: "authorized",
      token: { accessToken: "kc.refreshed", refreshToken: "kc.rotated" },
    });
    expect(imitation!.requests[0]?.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: "eyJhbGciOiJIUzI1NiJ9.kc.refresh",
      client_id: CLIENT_ID,
    });
  });
});

describe("keycloak(): a whole sign-in", () => {
  it("pending → slow_down → a token with Keycloak's extras, each gap ≥ the interval in force", async () => {
    const clock = scaledClock(100);
    await imitateKeycloak([pending, slowDown, pending, token], { clock, secret: SECRET });
    const kc = provider({ clientSecret: SECRET });
    const authorization = await startDeviceAuthorization(kc, { scope: "openid" });
    expect(authorization).toMatchObject({ userCode: "WKQL-XBZJ", expiresIn: 600, interval: 5 });
    expect(authorization.verificationUri).toMatch(/\/realms\/myrealm\/device$/);
    expect(authorization.verificationUriComplete).toBe(
      `${authorization.verificationUri}?user_code=WKQL-XBZJ`,
    );
    const polls: PollResult[] = [];
    const result = await waitForToken(kc, authorization, {
      clock,
      onPoll: (poll) => polls.push(poll),
    });
    expect(polls.map((poll) => poll.status)).toEqual([
      "pending",
      "slow_down",
      "pending",
      "authorized",
    ]);
    expect(result).toMatchObject({
      status: "authorized",
      token: {
        tokenType: "Bearer",
        expiresIn: 300,
        refreshToken: "eyJhbGciOiJIUzI1NiJ9.kc.refresh",
        idToken: "eyJhbGciOiJSUzI1NiJ9.kc.id",
      },
    });
    expect(result.status === "authorized" && result.token.raw).toMatchObject({
      refresh_expires_in: 1800,
      session_state: expect.any(String),
    });
    const gaps = pollGaps(imitation!, "POST /realms/myrealm/protocol/openid-connect/auth/device");
    expect(gaps).toHaveLength(4);
    [5, 5, 10, 10].forEach((interval, i) =>
      expect(gaps[i], `gap before poll ${i + 1}`).toBeGreaterThanOrEqual(interval * 1000),
    );
    expect(imitation!.early).toBe(0);
  });

  it.each([
    [
      "access_denied",
      denied,
      { status: "denied", description: "The end user denied the authorization request" },
    ],
    ["expired_token", expired, { status: "expired", description: "Device code is expired" }],
    ["invalid_grant", invalid, { status: "invalid_code", description: "Device code not valid" }],
  ] as const)("ends on 400 %s through waitForToken", async (_, reply, expected) => {
    const clock = scaledClock(100);
    await imitateKeycloak([pending, reply], { clock });
    const kc = provider();
    const result = await waitForToken(kc, await startDeviceAuthorization(kc), { clock });
    expect(result).toEqual(expected);
    // Had the loop polled early, KC1's order would have answered slow_down instead.
    expect(imitation!.early).toBe(0);
  });
});

describe("keycloak(): its own error codes", () => {
  it("a client without the device grant: an OAuthError unauthorized_client that says what to enable", async () => {
    await imitateKeycloak([pending], { grantDisabled: true });
    const failure = await startDeviceAuthorization(provider()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({
      code: "unauthorized_client",
      httpStatus: 400,
      retryable: false,
    });
    expect((failure as OAuthError).description).toContain(
      keycloakErrorCodes.unauthorized_client.fix,
    );
  });

  it("unauthorized_client at a poll stops with the same hint", async () => {
    await imitateKeycloak([json(400, { error: "unauthorized_client" })], { rateCheck: false });
    const kc = provider();
    const result = await pollForToken(kc, await startDeviceAuthorization(kc));
    expect(result).toMatchObject({
      status: "error",
      error: "unauthorized_client",
      retryable: false,
      description: keycloakErrorCodes.unauthorized_client.fix,
    });
  });

  it("invalid_scope (consent withdrawn, KC1) is not in the table: it stops polling", async () => {
    await imitateKeycloak(
      [
        json(400, {
          error: "invalid_scope",
          error_description: "Client no longer has requested consent from user",
        }),
      ],
      { rateCheck: false },
    );
    const kc = provider();
    const result = await pollForToken(kc, await startDeviceAuthorization(kc));
    expect(result).toMatchObject({
      status: "error",
      error: "invalid_scope",
      httpStatus: 400,
      retryable: false,
    });
  });
});

describe("keycloak(): revocation (KC4 revocation_endpoint)", () => {
  it("a confidential client revokes at …/protocol/openid-connect/revoke with Basic, as at its token endpoint", async () => {
    await imitateKeycloak([token], {
      secret: SECRET,
      rateCheck: false,
      realmRoutes: {
        "POST /protocol/openid-connect/revoke": (refused) => refused ?? { status: 200 },
      },
    });
    const kc = provider({ clientSecret: SECRET });
    expect(
      await revokeToken(kc, "eyJhbGciOiJIUzI1NiJ9.refresh", { tokenTypeHint: "refresh_token" }),
    ).toEqual({
      status: "revoked",
    });
    expect(
      await revokeToken(provider({ clientSecret: "wrong" }), "eyJhbGciOiJIUzI1NiJ9.refresh"),
    ).toMatchObject({
      status: "error",
      error: "invalid_client",
      httpStatus: 401,
      retryable: false,
    });
    const [request] = imitation!.to("POST /realms/myrealm/protocol/openid-connect/revoke");
    expect(request?.formAll).toEqual({
      token: ["eyJhbGciOiJIUzI1NiJ9.refresh"],
      token_type_hint: ["refresh_token"],
      client_id: [CLIENT_ID],
    });
    expect(request && basicCredentials(request)).toEqual({ id: CLIENT_ID, secret: SECRET });
  });
});
