/**
 * specs/transparenc.yaml: form-urlencoded requests, OAuth error codes plus Django REST framework's
 * own `{detail}` and field-error bodies. The token endpoint exists with and without the trailing
 * slash; both get the same rows.
 */
import createClient from "openapi-fetch";
import * as v from "valibot";
import { expect } from "vitest";
import type { paths } from "../../../generated/transparenc/schema.ts";
import {
  vDetail,
  vDeviceAuthorizationResponse,
  vDeviceTokenResponse,
  vFieldErrors,
  vOAuthError,
} from "../../../generated/transparenc/valibot.gen.ts";
import { formBody, formHeaders } from "../../../src/http/form.ts";
import {
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  transparenc,
  type TransparencOptions,
} from "../../../src/index.ts";
import { defineContract, type Body, type Mock, type Row } from "../contract.ts";

const CLIENT_ID = "contract-client";
const OLD_REFRESH_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9-old";
const FALLBACK_VERIFICATION_URI = "https://transparenc.example.org/activate";
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
type TokenPath = NonNullable<TransparencOptions["tokenPath"]>;

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });
const provider = (mock: Mock, tokenPath?: TokenPath) =>
  transparenc({
    baseUrl: mock.url,
    clientId: CLIENT_ID,
    deviceType: "tv",
    deviceOs: "linux",
    verificationUri: FALLBACK_VERIFICATION_URI,
    ...(tokenPath ? { tokenPath } : {}),
    fetch: mock.fetch,
  });

/** Start against the mock (its first 200 example), then poll once, as waitForToken would. */
async function startThenPoll(mock: Mock, tokenPath: TokenPath, interval?: number) {
  const server = provider(mock, tokenPath);
  const authorization = await startDeviceAuthorization(server);
  return pollForToken(
    server,
    interval === undefined ? authorization : { ...authorization, interval },
  );
}

/** The drivers of one token path. */
function tokenOperation(tokenPath: TokenPath) {
  const errors = v.union([vOAuthError, vFieldErrors, vDetail]);
  return {
    raw: (mock: Mock) =>
      client(mock).POST(tokenPath, {
        body: {
          grant_type: DEVICE_CODE_GRANT,
          client_id: CLIENT_ID,
          device_code: "4Wm3tQ1kq8b5hJx0",
        },
        bodySerializer: formBody,
        headers: formHeaders,
      }),
    bodies: { 200: vDeviceTokenResponse, 400: errors, 415: vDetail, 429: vDetail },
    flows: {
      poll: (mock: Mock) => startThenPoll(mock, tokenPath),
      // A resumed flow polling every second: DRF's "available in 7 seconds" then outweighs +5 s.
      pollEverySecond: (mock: Mock) => startThenPoll(mock, tokenPath, 1),
      refresh: (mock: Mock) => refreshToken(provider(mock, tokenPath), OLD_REFRESH_TOKEN),
    },
  };
}

const authorized = (token: Body, refreshed = token.refresh_token) => ({
  status: "authorized",
  token: {
    accessToken: token.access_token,
    tokenType: "Bearer",
    expiresIn: 3600,
    expiresAt: expect.any(Number),
    ...(refreshed === undefined ? {} : { refreshToken: refreshed }),
    ...(token.scope === undefined ? {} : { scope: token.scope }),
    raw: token,
  },
});

const stop = (error: string, description: string) => ({
  status: "error",
  error,
  description,
  httpStatus: 400,
  retryable: false,
});

type TokenOperation = "v1_oauth_token_create" | "v1_oauth_token_create_slash";
type TokenFlow = "poll" | "pollEverySecond" | "refresh";

/** The same rows for both token paths. */
function tokenRows(operationId: TokenOperation): Row<TokenOperation, TokenFlow>[] {
  const described = (status: string) => (body: Body) => ({
    status,
    description: body.error_description,
  });
  return [
    {
      operationId,
      status: 200,
      example: "token",
      flow: "poll",
      resolves: (token: Body) => authorized(token),
    },
    {
      operationId,
      status: 200,
      example: "token",
      flow: "refresh",
      resolves: (token: Body) => authorized(token),
    },
    {
      operationId,
      status: 200,
      example: "without_refresh_token",
      flow: "poll",
      resolves: (token: Body) => authorized(token),
    },
    {
      operationId,
      status: 200,
      example: "without_refresh_token",
      flow: "refresh",
      // RFC 6749 §6: no new refresh token, so the one used stays.
      resolves: (token: Body) => authorized(token, OLD_REFRESH_TOKEN),
    },
    {
      operationId,
      status: 400,
      example: "authorization_pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    {
      operationId,
      status: 400,
      example: "slow_down",
      flow: "poll",
      resolves: { status: "slow_down", interval: 10 },
    },
    {
      operationId,
      status: 400,
      example: "expired_token",
      flow: "poll",
      resolves: described("expired"),
    },
    {
      operationId,
      status: 400,
      example: "access_denied",
      flow: "poll",
      resolves: described("denied"),
    },
    {
      operationId,
      status: 400,
      example: "invalid_grant",
      flow: "poll",
      resolves: described("invalid_code"),
    },
    {
      operationId,
      status: 400,
      example: "invalid_grant",
      flow: "refresh",
      resolves: (body: Body) => stop("invalid_grant", body.error_description as string),
    },
    {
      operationId,
      status: 400,
      example: "missing_field",
      flow: "poll",
      resolves: stop("invalid_request", "grant_type: This field is required."),
    },
    {
      operationId,
      status: 400,
      example: "missing_field",
      flow: "refresh",
      resolves: stop("invalid_request", "grant_type: This field is required."),
    },
    {
      operationId,
      status: 400,
      example: "parse_error",
      flow: "poll",
      resolves: stop("invalid_request", "Malformed request."),
    },
    {
      operationId,
      status: 415,
      example: "unsupported_media_type",
      flow: "poll",
      resolves: (body: Body) => ({
        status: "error",
        error: "unsupported_media_type",
        description: body.detail,
        httpStatus: 415,
        retryable: false,
      }),
    },
    // Throttled: a slow_down of at least interval + 5 s, and of the 7 s DRF asks for.
    {
      operationId,
      status: 429,
      example: "throttled",
      flow: "poll",
      resolves: { status: "slow_down", interval: 10 },
    },
    {
      operationId,
      status: 429,
      example: "throttled",
      flow: "pollEverySecond",
      resolves: { status: "slow_down", interval: 7 },
    },
    {
      operationId,
      status: 429,
      example: "throttled",
      flow: "refresh",
      resolves: {
        status: "error",
        error: "rate_limited",
        httpStatus: 429,
        retryable: true,
        retryAfter: 7,
      },
    },
  ];
}

export const transparencContract = defineContract({
  spec: "transparenc",
  operations: {
    v1_oauth_device_authorization_create: {
      raw: (mock) =>
        client(mock).POST("/api/v1/oauth/device-authorization/", {
          body: { client_id: CLIENT_ID, device_type: "tv", device_os: "linux", scope: "read" },
          bodySerializer: formBody,
          headers: formHeaders,
        }),
      bodies: { 200: vDeviceAuthorizationResponse, 400: v.union([vOAuthError, vFieldErrors]) },
      flows: { start: (mock) => startDeviceAuthorization(provider(mock), { scope: "read write" }) },
    },
    v1_oauth_token_create: tokenOperation("/api/v1/oauth/token"),
    v1_oauth_token_create_slash: tokenOperation("/api/v1/oauth/token/"),
  },
  rows: [
    {
      operationId: "v1_oauth_device_authorization_create",
      status: 200,
      example: "started",
      flow: "start",
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
      operationId: "v1_oauth_device_authorization_create",
      status: 200,
      example: "empty_verification_uri",
      flow: "start",
      // The server sent "": the caller's fallback is used.
      resolves: (fields: Body) => ({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: FALLBACK_VERIFICATION_URI,
        expiresIn: 600,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    {
      operationId: "v1_oauth_device_authorization_create",
      status: 400,
      example: "invalid_client",
      flow: "start",
      rejects: (body: Body) => ({
        name: "OAuthError",
        code: "invalid_client",
        description: body.error_description,
        httpStatus: 400,
      }),
    },
    {
      operationId: "v1_oauth_device_authorization_create",
      status: 400,
      example: "missing_field",
      flow: "start",
      rejects: { name: "ResponseError", code: "http_error", httpStatus: 400, retryable: false },
    },
    ...tokenRows("v1_oauth_token_create"),
    ...tokenRows("v1_oauth_token_create_slash"),
  ],
});
