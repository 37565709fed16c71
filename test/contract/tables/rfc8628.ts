/**
 * specs/rfc8628.yaml: OAuth error codes in JSON bodies (RFC 8628 §3.5, RFC 6749 §5.2), endpoints
 * given explicitly or found by discovery (RFC 8414). The spec's metadata examples name
 * https://auth.example.org, so discovery rows use that issuer and the injected fetch serves the
 * host from the mock, as a hosts-file entry would: the SDK reads, checks and follows the URLs
 * exactly as it would in production.
 */
import createClient from "openapi-fetch";
import { expect } from "vitest";
import type { paths } from "../../../generated/rfc8628/schema.ts";
import {
  vAuthorizationServerMetadata,
  vDeviceAuthorizationResponse,
  vErrorCodeResponse,
  vErrorResponse,
  vRequestTokenResponse,
} from "../../../generated/rfc8628/valibot.gen.ts";
import { formBody, formHeaders } from "../../../src/http/form.ts";
import {
  pollForToken,
  refreshToken,
  revokeToken,
  rfc8628,
  startDeviceAuthorization,
  type ClientAuth,
  type Provider,
} from "../../../src/index.ts";
import { defineContract, type Body, type Mock } from "../contract.ts";

const ISSUER = "https://auth.example.org";
const CLIENT_ID = "contract-client";
const CLIENT_SECRET = "contract-secret";
const OLD_REFRESH_TOKEN = "tGzv3JOkF0XG5Qx2TlKWIA-old";
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const AS_METADATA = "/.well-known/oauth-authorization-server";
const OIDC_CONFIGURATION = "/.well-known/openid-configuration";

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });

/** Endpoints given by the caller, client authentication as asked (default: HTTP Basic). */
const explicit = (
  mock: Mock,
  clientAuth: ClientAuth = "client_secret_basic",
  headers: Record<string, string> = {},
) =>
  rfc8628({
    headers,
    deviceAuthorizationEndpoint: `${mock.url}/device_authorization`,
    tokenEndpoint: `${mock.url}/token`,
    revocationEndpoint: `${mock.url}/revoke`,
    clientId: CLIENT_ID,
    ...(clientAuth === "none" ? {} : { clientSecret: CLIENT_SECRET }),
    clientAuth,
    fetch: mock.fetch,
  });

/** Endpoints found from the issuer (RFC 8414 §3, then OpenID Connect Discovery). */
const discovered = (mock: Mock) =>
  rfc8628({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, fetch: mock.fetch });

/** Start against the mock (its first 200 example), then poll once. */
async function startThenPoll(provider: Provider) {
  return pollForToken(provider, await startDeviceAuthorization(provider));
}

/** The `complete` device authorization example, which discovery rows end with. */
const completeAuthorization = {
  deviceCode: "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
  userCode: "WDJB-MJHT",
  verificationUri: "https://auth.example.org/device",
  verificationUriComplete: "https://auth.example.org/device?user_code=WDJB-MJHT",
  expiresIn: 1800,
  interval: 5,
  expiresAt: expect.any(Number),
};

const bearer = (token: Body) => ({
  status: "authorized",
  token: {
    accessToken: token.access_token,
    tokenType: "Bearer",
    expiresIn: 3600,
    expiresAt: expect.any(Number),
    refreshToken: token.refresh_token,
    scope: token.scope,
    idToken: token.id_token,
    raw: token,
  },
});

/** Only access_token and token_type: no lifetime, no refresh token. */
const minimal = (token: Body) => ({
  status: "authorized",
  token: { accessToken: token.access_token, tokenType: "Bearer", raw: token },
});

/** A client that asks for what GitHub sends by default: Prism then answers form-urlencoded. */
const ACCEPT_FORM = { Accept: "application/x-www-form-urlencoded" };

/** RFC 8628 §3.5: a code other than pending/slow_down means stop polling. */
const stop = (status: number) => (body: Body) => ({
  status: "error",
  error: body.error,
  description: body.error_description,
  httpStatus: status,
  retryable: false,
});

const withDescription = (status: string) => (body: Body) => ({
  status,
  description: body.error_description,
});

/** The token a signing-out client revokes: the `bearer` example's refresh token. */
const REVOKED_TOKEN = "tGzv3JOkF0XG5Qx2TlKWIA";
const revokeWith = (provider: Provider) =>
  revokeToken(provider, REVOKED_TOKEN, { tokenTypeHint: "refresh_token" });
const revokeUnsupported = {
  name: "ConfigurationError",
  code: "revocation_unsupported",
  message: expect.stringMatching(/revocation_endpoint/),
};

const discoveryFailed = (why: RegExp) => ({
  name: "ConfigurationError",
  code: "discovery_failed",
  message: expect.stringMatching(why),
});

export const rfc8628Contract = defineContract({
  spec: "rfc8628",
  exampleOrigins: [ISSUER],
  operations: {
    getAuthorizationServerMetadata: {
      raw: (mock) => client(mock).GET(AS_METADATA),
      bodies: { 200: vAuthorizationServerMetadata, 404: vErrorResponse },
      flows: {
        discover: (mock) => startDeviceAuthorization(discovered(mock)),
        discoverThenRevoke: (mock) => revokeWith(discovered(mock)),
      },
    },
    getOpenIdConfiguration: {
      raw: (mock) => client(mock).GET(OIDC_CONFIGURATION),
      bodies: { 200: vAuthorizationServerMetadata, 404: vErrorResponse },
      flows: {
        discover: (mock) => startDeviceAuthorization(discovered(mock)),
        discoverThenRevoke: (mock) => revokeWith(discovered(mock)),
      },
    },
    requestDeviceAuthorization: {
      raw: (mock) =>
        client(mock).POST("/device_authorization", {
          body: { client_id: CLIENT_ID, scope: "openid offline_access" },
          bodySerializer: formBody,
          headers: formHeaders,
          // Read as text, so a form-urlencoded answer (GitHub) can be read as well as JSON.
          parseAs: "text",
        }),
      bodies: {
        200: vDeviceAuthorizationResponse,
        400: vErrorResponse,
        401: vErrorResponse,
        403: vErrorCodeResponse,
      },
      flows: {
        start: (mock) =>
          startDeviceAuthorization(explicit(mock), { scope: "openid offline_access" }),
        discoverThenStart: (mock) => startDeviceAuthorization(discovered(mock)),
        startAcceptingForm: (mock) => startDeviceAuthorization(explicit(mock, "none", ACCEPT_FORM)),
      },
    },
    requestToken: {
      raw: (mock) =>
        client(mock).POST("/token", {
          body: {
            grant_type: DEVICE_CODE_GRANT,
            device_code: "GmRhmhcxhwAzkoEqiMEg",
            client_id: CLIENT_ID,
          },
          bodySerializer: formBody,
          headers: formHeaders,
          parseAs: "text",
        }),
      bodies: {
        200: vRequestTokenResponse,
        400: vErrorResponse,
        401: vErrorResponse,
        403: vErrorResponse,
        428: vErrorResponse,
        429: vErrorResponse,
      },
      flows: {
        poll: (mock) => startThenPoll(explicit(mock)),
        pollAsPostClient: (mock) => startThenPoll(explicit(mock, "client_secret_post")),
        pollAsPublicClient: (mock) => startThenPoll(explicit(mock, "none")),
        discoverThenPoll: (mock) => startThenPoll(discovered(mock)),
        refresh: (mock) => refreshToken(explicit(mock), OLD_REFRESH_TOKEN),
        pollAcceptingForm: (mock) => startThenPoll(explicit(mock, "none", ACCEPT_FORM)),
      },
    },
    revokeToken: {
      raw: (mock) =>
        client(mock).POST("/revoke", {
          body: { token: REVOKED_TOKEN, token_type_hint: "refresh_token", client_id: CLIENT_ID },
          bodySerializer: formBody,
          headers: formHeaders,
          parseAs: "text",
        }),
      bodies: { 400: vErrorResponse, 401: vErrorResponse },
      flows: {
        revoke: (mock) => revokeWith(explicit(mock)),
        revokeAsPostClient: (mock) => revokeWith(explicit(mock, "client_secret_post")),
        revokeAsPublicClient: (mock) => revokeWith(explicit(mock, "none")),
        discoverThenRevoke: (mock) => revokeWith(discovered(mock)),
      },
    },
  },
  rows: [
    // Discovery: RFC 8414 §3 first, OpenID Connect Discovery when that is not found.
    {
      operationId: "getAuthorizationServerMetadata",
      status: 200,
      example: "device_flow",
      flow: "discover",
      visits: [`GET ${ISSUER}${AS_METADATA}`, `POST ${ISSUER}/device_authorization`],
      resolves: completeAuthorization,
    },
    // Metadata without a device endpoint at the RFC 8414 URL: OpenID Discovery is tried next.
    {
      operationId: "getAuthorizationServerMetadata",
      status: 200,
      example: "no_device_flow",
      flow: "discover",
      visits: [
        `GET ${ISSUER}${AS_METADATA}`,
        `GET ${ISSUER}${OIDC_CONFIGURATION}`,
        `POST ${ISSUER}/device_authorization`,
      ],
      resolves: completeAuthorization,
    },
    {
      operationId: "getAuthorizationServerMetadata",
      status: 404,
      example: "not_found",
      flow: "discover",
      otherPaths: { [OIDC_CONFIGURATION]: "code=200, example=device_flow" },
      visits: [
        `GET ${ISSUER}${AS_METADATA}`,
        `GET ${ISSUER}${OIDC_CONFIGURATION}`,
        `POST ${ISSUER}/device_authorization`,
      ],
      resolves: completeAuthorization,
    },
    {
      operationId: "getOpenIdConfiguration",
      status: 200,
      example: "device_flow",
      flow: "discover",
      otherPaths: { [AS_METADATA]: "code=404" },
      visits: [
        `GET ${ISSUER}${AS_METADATA}`,
        `GET ${ISSUER}${OIDC_CONFIGURATION}`,
        `POST ${ISSUER}/device_authorization`,
      ],
      resolves: completeAuthorization,
    },
    {
      operationId: "getOpenIdConfiguration",
      status: 200,
      example: "no_device_flow",
      flow: "discover",
      otherPaths: { [AS_METADATA]: "code=200, example=no_device_flow" },
      rejects: discoveryFailed(/no device authorization endpoint/),
    },
    {
      operationId: "getOpenIdConfiguration",
      status: 404,
      example: "not_found",
      flow: "discover",
      otherPaths: { [AS_METADATA]: "code=404" },
      visits: [`GET ${ISSUER}${AS_METADATA}`, `GET ${ISSUER}${OIDC_CONFIGURATION}`],
      rejects: discoveryFailed(/HTTP 404.*HTTP 404/),
    },
    // Metadata that names no revocation_endpoint (RFC 8414 §2): nothing is sent but the metadata
    // request, and revokeToken says so with the same typed error as a provider without the method.
    {
      operationId: "getAuthorizationServerMetadata",
      status: 200,
      example: "no_revocation",
      flow: "discoverThenRevoke",
      visits: [`GET ${ISSUER}${AS_METADATA}`],
      rejects: revokeUnsupported,
    },
    {
      operationId: "getOpenIdConfiguration",
      status: 200,
      example: "no_revocation",
      flow: "discoverThenRevoke",
      otherPaths: { [AS_METADATA]: "code=404" },
      visits: [`GET ${ISSUER}${AS_METADATA}`, `GET ${ISSUER}${OIDC_CONFIGURATION}`],
      rejects: revokeUnsupported,
    },

    // Device authorization (RFC 8628 §3.1–3.2).
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "complete",
      flow: "start",
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_uri,
        verificationUriComplete: fields.verification_uri_complete,
        expiresIn: 1800,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "complete",
      flow: "discoverThenStart",
      visits: [`GET ${ISSUER}${AS_METADATA}`, `POST ${ISSUER}/device_authorization`],
      resolves: completeAuthorization,
    },
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "minimal",
      flow: "start",
      // RFC 8628 §3.2: no interval → 5.
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_uri,
        expiresIn: 600,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "google_style",
      flow: "start",
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_url,
        expiresIn: 1800,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    // Entra ID's `message` for the user, and Entra v1's string numbers.
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "entra_message",
      flow: "start",
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_uri,
        expiresIn: 900,
        interval: 5,
        expiresAt: expect.any(Number),
        message: fields.message,
      }),
    },
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "string_numbers",
      flow: "start",
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_url,
        expiresIn: 900,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    // GitHub's default: a form-urlencoded body whose numbers are strings.
    {
      operationId: "requestDeviceAuthorization",
      status: 200,
      example: "github_form",
      flow: "startAcceptingForm",
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_uri,
        expiresIn: 900,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    // Google's quota answer names its code `error_code`.
    {
      operationId: "requestDeviceAuthorization",
      status: 403,
      example: "rate_limit_exceeded",
      flow: "start",
      rejects: { name: "OAuthError", code: "rate_limit_exceeded", httpStatus: 403, retryable: false },
    },
    ...(["invalid_request", "invalid_scope", "unauthorized_client"] as const).map((example) => ({
      operationId: "requestDeviceAuthorization" as const,
      status: 400,
      example,
      flow: "start" as const,
      rejects: (body: Body) => ({
        name: "OAuthError",
        code: body.error,
        description: body.error_description,
        httpStatus: 400,
      }),
    })),
    {
      operationId: "requestDeviceAuthorization",
      status: 401,
      example: "invalid_client",
      flow: "start",
      rejects: { name: "OAuthError", code: "invalid_client", httpStatus: 401, retryable: false },
    },

    // Token request (RFC 8628 §3.4–3.5), with each client authentication method, and refresh.
    { operationId: "requestToken", status: 200, example: "bearer", flow: "poll", resolves: bearer },
    {
      operationId: "requestToken",
      status: 200,
      example: "bearer",
      flow: "pollAsPostClient",
      resolves: bearer,
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "bearer",
      flow: "pollAsPublicClient",
      resolves: bearer,
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "bearer",
      flow: "discoverThenPoll",
      visits: [
        `GET ${ISSUER}${AS_METADATA}`,
        `POST ${ISSUER}/device_authorization`,
        `POST ${ISSUER}/token`,
      ],
      resolves: bearer,
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "bearer",
      flow: "refresh",
      resolves: bearer,
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "minimal",
      flow: "poll",
      resolves: minimal,
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "minimal",
      flow: "refresh",
      // RFC 6749 §6: no new refresh token, so the one used stays.
      resolves: (token: Body) => {
        const expected = minimal(token);
        return { ...expected, token: { ...expected.token, refreshToken: OLD_REFRESH_TOKEN } };
      },
    },
    // GitHub: an error in a 200 is never a token.
    {
      operationId: "requestToken",
      status: 200,
      example: "github_style_pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "github_style_pending",
      flow: "refresh",
      resolves: stop(200),
    },
    // The real wire's token shapes: none of them may lose the token.
    {
      operationId: "requestToken",
      status: 200,
      example: "github_oauth_app",
      flow: "poll",
      resolves: (token: Body) => ({
        status: "authorized",
        token: { accessToken: token.access_token, tokenType: "Bearer", scope: "repo gist", raw: token },
      }),
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "string_expiry",
      flow: "poll",
      resolves: (token: Body) => ({
        status: "authorized",
        token: {
          accessToken: token.access_token,
          tokenType: "Bearer",
          expiresIn: 3599,
          expiresAt: expect.any(Number),
          scope: token.scope,
          raw: token,
        },
      }),
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "array_scope",
      flow: "poll",
      resolves: (token: Body) => ({
        status: "authorized",
        token: {
          accessToken: token.access_token,
          tokenType: "Bearer",
          expiresIn: 14124,
          expiresAt: expect.any(Number),
          refreshToken: token.refresh_token,
          scope: "channel:read:subscriptions user:read:email",
          raw: token,
        },
      }),
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "github_form_token",
      flow: "pollAcceptingForm",
      resolves: (token: Body) => ({
        status: "authorized",
        token: { accessToken: token.access_token, tokenType: "Bearer", scope: "repo gist", raw: token },
      }),
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "github_form_pending",
      flow: "pollAcceptingForm",
      resolves: { status: "pending" },
    },
    // GitHub's slow_down names the new interval (a string in a form body): 22 > 5 + 5.
    {
      operationId: "requestToken",
      status: 200,
      example: "github_form_slow_down",
      flow: "pollAcceptingForm",
      resolves: { status: "slow_down", interval: 22 },
    },
    // Google: 428 pending, 403 slow_down / access_denied; Auth0: 403 pending, 429 slow_down.
    {
      operationId: "requestToken",
      status: 428,
      example: "google_pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    {
      operationId: "requestToken",
      status: 403,
      example: "google_slow_down",
      flow: "poll",
      resolves: { status: "slow_down", interval: 10 },
    },
    {
      operationId: "requestToken",
      status: 403,
      example: "google_access_denied",
      flow: "poll",
      resolves: withDescription("denied"),
    },
    {
      operationId: "requestToken",
      status: 403,
      example: "auth0_pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    {
      operationId: "requestToken",
      status: 429,
      example: "auth0_slow_down",
      flow: "poll",
      resolves: { status: "slow_down", interval: 10 },
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "authorization_pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    // §3.5: "the interval MUST be increased by 5 seconds"; a larger non-standard interval wins.
    {
      operationId: "requestToken",
      status: 400,
      example: "slow_down",
      flow: "poll",
      resolves: { status: "slow_down", interval: 10 },
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "slow_down_with_interval",
      flow: "poll",
      resolves: { status: "slow_down", interval: 15 },
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "access_denied",
      flow: "poll",
      resolves: withDescription("denied"),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "expired_token",
      flow: "poll",
      resolves: withDescription("expired"),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_grant",
      flow: "poll",
      resolves: withDescription("invalid_code"),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_grant",
      flow: "refresh",
      resolves: stop(400),
    },
    ...(
      ["invalid_request", "unauthorized_client", "unsupported_grant_type", "invalid_scope"] as const
    ).flatMap((example) =>
      (["poll", "refresh"] as const).map((flow) => ({
        operationId: "requestToken" as const,
        status: 400,
        example,
        flow,
        resolves: stop(400),
      })),
    ),
    {
      operationId: "requestToken",
      status: 401,
      example: "invalid_client",
      flow: "poll",
      resolves: stop(401),
    },
    {
      operationId: "requestToken",
      status: 401,
      example: "invalid_client",
      flow: "refresh",
      resolves: stop(401),
    },

    // Token revocation (RFC 7009 §2), with each client authentication method and by discovery.
    ...(["revoke", "revokeAsPostClient", "revokeAsPublicClient"] as const).map((flow) => ({
      operationId: "revokeToken" as const,
      status: 200,
      flow,
      resolves: { status: "revoked" },
    })),
    {
      operationId: "revokeToken",
      status: 200,
      flow: "discoverThenRevoke",
      visits: [`GET ${ISSUER}${AS_METADATA}`, `POST ${ISSUER}/revoke`],
      resolves: { status: "revoked" },
    },
    // §2.2.1: an error response stops; §2.2: a token already invalid is what revoking wanted.
    {
      operationId: "revokeToken",
      status: 400,
      example: "unsupported_token_type",
      flow: "revoke",
      resolves: stop(400),
    },
    {
      operationId: "revokeToken",
      status: 400,
      example: "invalid_request",
      flow: "revoke",
      resolves: stop(400),
    },
    {
      operationId: "revokeToken",
      status: 400,
      example: "google_invalid_token",
      flow: "revoke",
      resolves: { status: "revoked" },
    },
    {
      operationId: "revokeToken",
      status: 401,
      example: "invalid_client",
      flow: "revoke",
      resolves: stop(401),
    },
    // §2.2.1: 503 means "try again later", after Retry-After (the spec's example: 30 s).
    {
      operationId: "revokeToken",
      status: 503,
      flow: "revoke",
      resolves: {
        status: "error",
        error: "server_error",
        httpStatus: 503,
        retryable: true,
        retryAfter: 30,
      },
    },
  ],
});
