/**
 * okta() against a loopback imitation of an Okta org (research/providers.md §5): OIDC metadata
 * that lists the device endpoint (OK4), `/oauth2/{authServerId}/v1/device/authorize` and
 * `/v1/token` (OK1), HTTP 400 for every poll error, `slow_down` included, with no interval (OK2),
 * codes that live 600 s (OK1).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  pollForToken,
  revokeToken,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
} from "../../src/index.ts";
import { okta, oktaErrorCodes } from "../../src/providers/okta.ts";
import { rfc8628ErrorCodes } from "../../src/providers/rfc8628.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  imitateOAuth,
  json,
  pollGaps,
  type OAuthImitation,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "0oa4dnative9yq0QvX5d7";
const DEVICE_CODE = "4ebba3fb-4ad3-4a27-9de0-8a0a8d7a7c4e";

// OK1 / OK2 bodies; the others are RFC-shaped (their exact Okta text is unconfirmed).
const pending = json(400, {
  error: "authorization_pending",
  error_description: "The device authorization is pending. Please try again later.",
});
const slowDown = json(400, {
  error: "slow_down",
  error_description: "Slow down the polling frequency. Please try again later.",
});
const denied = json(400, {
  error: "access_denied",
  error_description: "The resource owner or authorization server denied the request.",
});
const expired = json(400, {
  error: "expired_token",
  error_description: "The device code is expired.",
});
const token = json(200, {
  token_type: "Bearer",
  expires_in: 3600,
  access_token: "eyJraWQiOiJ.access",
  scope: "openid offline_access",
  refresh_token: "a9VpZDRCeFh3Nkk2VdY",
  id_token: "eyJraWQiOiJ.id",
});

let imitation: OAuthImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

/**
 * An Okta org: `authServer` "default" (a custom authorization server) or undefined (the org's).
 * Metadata is served at `{issuer}/.well-known/openid-configuration` and
 * `{issuer}/.well-known/oauth-authorization-server`, where Okta publishes it.
 */
async function imitateOkta(
  steps: Reply[],
  options: { clock?: ScaledClock; authServer?: string; rateCheck?: boolean } = {},
) {
  const prefix = options.authServer === undefined ? "/oauth2" : `/oauth2/${options.authServer}`;
  const issuerPath = options.authServer === undefined ? "" : `/oauth2/${options.authServer}`;
  const metadata = (request: { headers: { host?: string } }) => {
    const origin = `http://${request.headers.host}`;
    return json(200, {
      issuer: `${origin}${issuerPath}`,
      authorization_endpoint: `${origin}${prefix}/v1/authorize`,
      token_endpoint: `${origin}${prefix}/v1/token`,
      device_authorization_endpoint: `${origin}${prefix}/v1/device/authorize`,
      revocation_endpoint: `${origin}${prefix}/v1/revoke`,
      grant_types_supported: [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
      ],
    });
  };
  imitation = await imitateOAuth({
    device: `POST ${prefix}/v1/device/authorize`,
    token: `POST ${prefix}/v1/token`,
    interval: 5,
    now: options.clock?.now,
    routes: {
      [`GET ${issuerPath}/.well-known/openid-configuration`]: metadata,
      [`GET ${issuerPath}/.well-known/oauth-authorization-server`]: metadata,
      // OK1: token, token_type_hint, client_id → 200.
      [`POST ${prefix}/v1/revoke`]: (request) =>
        request.form?.client_id === CLIENT_ID && request.form.token
          ? { status: 200 }
          : json(400, {
              error: "invalid_request",
              error_description: "Missing token or client_id.",
            }),
    },
    authorize: (request) => {
      if (request.form?.client_id !== CLIENT_ID) {
        return json(401, {
          error: "invalid_client",
          error_description: "Invalid value for 'client_id' parameter.",
        });
      }
      const origin = `https://${request.headers.host}`;
      return json(200, {
        device_code: DEVICE_CODE,
        user_code: "GDLMZQCT",
        verification_uri: `${origin}/activate`,
        verification_uri_complete: `${origin}/activate?user_code=GDLMZQCT`,
        expires_in: 600,
        interval: 5,
      });
    },
    steps,
    tooEarly: options.rateCheck === false ? undefined : () => slowDown,
  });
  return imitation;
}

const issuerOf = (authServer?: string) =>
  `${imitation!.origin}${authServer === undefined ? "" : `/oauth2/${authServer}`}`;

describe("okta(): discovery and requests", () => {
  it("finds a custom authorization server's endpoints from its issuer, once, and sends public-client forms", async () => {
    await imitateOkta([pending], { authServer: "default", rateCheck: false });
    const provider = okta({ issuer: issuerOf("default"), clientId: CLIENT_ID });
    const authorization = await startDeviceAuthorization(provider, {
      scope: "openid offline_access",
    });
    await pollForToken(provider, authorization);
    await pollForToken(provider, authorization);
    const routes = imitation!.requests.map((request) => `${request.method} ${request.path}`);
    // RFC 8414's inserted path is not where Okta serves it (404), so OpenID discovery is next.
    expect(routes).toEqual([
      "GET /.well-known/oauth-authorization-server/oauth2/default",
      "GET /oauth2/default/.well-known/openid-configuration",
      "POST /oauth2/default/v1/device/authorize",
      "POST /oauth2/default/v1/token",
      "POST /oauth2/default/v1/token",
    ]);
    const [device, poll] = imitation!.requests.filter((request) => request.method === "POST");
    expect(device?.formAll).toEqual({ scope: ["openid offline_access"], client_id: [CLIENT_ID] });
    expect(poll?.formAll).toEqual({
      grant_type: ["urn:ietf:params:oauth:grant-type:device_code"],
      device_code: [DEVICE_CODE],
      client_id: [CLIENT_ID],
    });
    for (const request of imitation!.requests) {
      expect(request.headers.accept).toBe("application/json");
      expect(request.headers.authorization).toBeUndefined();
    }
  });

  it("the org authorization server: /oauth2/v1/device/authorize from the org's RFC 8414 metadata", async () => {
    await imitateOkta([pending], { rateCheck: false });
    const provider = okta({ issuer: issuerOf(), clientId: CLIENT_ID });
    await pollForToken(provider, await startDeviceAuthorization(provider));
    expect(imitation!.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /.well-known/oauth-authorization-server",
      "POST /oauth2/v1/device/authorize",
      "POST /oauth2/v1/token",
    ]);
  });

  it("an issuer that does not match the metadata's is refused (RFC 8414 §3.3)", async () => {
    await imitateOkta([pending], { authServer: "default" });
    const provider = okta({ issuer: `${imitation!.origin}/oauth2/default/`, clientId: CLIENT_ID });
    await expect(startDeviceAuthorization(provider)).rejects.toMatchObject({
      code: "discovery_failed",
    });
  });

  it("an unknown client at the device endpoint is an OAuthError", async () => {
    await imitateOkta([pending], { authServer: "default" });
    const provider = okta({ issuer: issuerOf("default"), clientId: "someone-else" });
    await expect(startDeviceAuthorization(provider)).rejects.toMatchObject({
      code: "invalid_client",
      httpStatus: 401,
    });
  });

  it("refuses a plain-http issuer that is not loopback", () => {
    expect(() =>
      okta({ issuer: "http://dev-123.okta.com/oauth2/default", clientId: CLIENT_ID }),
    ).toThrow(ConfigurationError);
  });
});

describe("okta(): a whole sign-in", () => {
  it("400 pending → 400 slow_down (no interval) → a token, each gap ≥ the interval in force", async () => {
    const clock = scaledClock(100);
    await imitateOkta([pending, slowDown, pending, token], { clock, authServer: "default" });
    const provider = okta({ issuer: issuerOf("default"), clientId: CLIENT_ID });
    const authorization = await startDeviceAuthorization(provider, {
      scope: "openid offline_access",
    });
    expect(authorization).toMatchObject({ expiresIn: 600, interval: 5, userCode: "GDLMZQCT" });
    expect(authorization.verificationUriComplete).toMatch(/\/activate\?user_code=GDLMZQCT$/);
    const polls: PollResult[] = [];
    const result = await waitForToken(provider, authorization, {
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
        tokenType: "Bearer",
        expiresIn: 3600,
        refreshToken: "a9VpZDRCeFh3Nkk2VdY",
        idToken: "eyJraWQiOiJ.id",
      },
    });
    const gaps = pollGaps(imitation!, "POST /oauth2/default/v1/device/authorize");
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
      {
        status: "denied",
        description: "The resource owner or authorization server denied the request.",
      },
    ],
    ["expired_token", expired, { status: "expired", description: "The device code is expired." }],
  ] as const)("ends on 400 %s through waitForToken", async (_, reply, expected) => {
    const clock = scaledClock(100);
    await imitateOkta([pending, reply], { clock, authServer: "default" });
    const provider = okta({ issuer: issuerOf("default"), clientId: CLIENT_ID });
    const result = await waitForToken(provider, await startDeviceAuthorization(provider), {
      clock,
    });
    expect(result).toEqual(expected);
  });
});

describe("okta(): the table", () => {
  it("restates RFC 8628 §3.5: Okta adds no code of its own", () => {
    expect(oktaErrorCodes).toEqual(rfc8628ErrorCodes);
  });

  it("a caller's row is applied (a code Okta may send that the SDK does not ship)", async () => {
    await imitateOkta([json(400, { error: "invalid_scope" })], {
      authServer: "default",
      rateCheck: false,
    });
    const provider = okta({
      issuer: issuerOf("default"),
      clientId: CLIENT_ID,
      errorCodes: { invalid_scope: { fix: "ask for fewer scopes" } },
    });
    const result = await pollForToken(provider, await startDeviceAuthorization(provider));
    expect(result).toMatchObject({
      status: "error",
      error: "invalid_scope",
      description: "ask for fewer scopes",
      retryable: false,
    });
  });
});

describe("okta(): revocation (OK1)", () => {
  it("revokes at the metadata's …/v1/revoke, discovery shared with the sign-in", async () => {
    await imitateOkta([token], { authServer: "default", rateCheck: false });
    const provider = okta({ issuer: issuerOf("default"), clientId: CLIENT_ID });
    const signedIn = await pollForToken(provider, await startDeviceAuthorization(provider));
    if (signedIn.status !== "authorized") throw new Error(`not signed in: ${signedIn.status}`);
    expect(
      await revokeToken(provider, signedIn.token.accessToken, { tokenTypeHint: "access_token" }),
    ).toEqual({ status: "revoked" });
    expect(imitation!.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /.well-known/oauth-authorization-server/oauth2/default",
      "GET /oauth2/default/.well-known/openid-configuration",
      "POST /oauth2/default/v1/device/authorize",
      "POST /oauth2/default/v1/token",
      "POST /oauth2/default/v1/revoke",
    ]);
    expect(imitation!.to("POST /oauth2/default/v1/revoke")[0]?.formAll).toEqual({
      token: ["eyJraWQiOiJ.access"],
      token_type_hint: ["access_token"],
      client_id: [CLIENT_ID],
    });
  });
});
