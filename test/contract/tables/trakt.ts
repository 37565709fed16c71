/**
 * specs/trakt.yaml: the answer is the HTTP status. 400 is "pending", which is also what Prism
 * answers an invalid request with: hence the check for `sl-violations` on every exchange.
 */
import createClient from "openapi-fetch";
import { expect } from "vitest";
import type { paths } from "../../../generated/trakt/schema.ts";
import { vDeviceCodeResponse, vError, vToken } from "../../../generated/trakt/valibot.gen.ts";
import {
  pollForToken,
  refreshToken,
  revokeToken,
  startDeviceAuthorization,
  trakt,
} from "../../../src/index.ts";
import { defineContract, type Body, type Mock } from "../contract.ts";

const CLIENT_ID = "contract-client";
const CLIENT_SECRET = "contract-secret";
const OLD_REFRESH_TOKEN = "76ba4c5c75c96f6087f58a4de10be6c00b29ea1ddc3b2022ee2016d1363e3a7c";
/** The `Token` example's access token: what signing out revokes. */
const ACCESS_TOKEN = "dbaf9757982a9e738f05d249b7b5b4a266b3a139049317c4909f2f263572c781";
const header = { "trakt-api-version": "2", "trakt-api-key": CLIENT_ID } as const;

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });
const provider = (mock: Mock) =>
  trakt({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: mock.url, fetch: mock.fetch });

/** Start against the mock (its 200 example), then poll once: the way an app uses the two. */
async function startThenPoll(mock: Mock) {
  const trakt = provider(mock);
  return pollForToken(trakt, await startDeviceAuthorization(trakt));
}

const authorized = (token: Body) => ({
  status: "authorized",
  token: {
    accessToken: token.access_token,
    tokenType: "Bearer",
    expiresIn: 7776000,
    expiresAt: expect.any(Number),
    refreshToken: token.refresh_token,
    scope: "public",
    raw: token,
  },
});

const oauthError = (status: number) => (body: Body) => ({
  status: "error",
  error: body.error,
  description: body.error_description,
  httpStatus: status,
  retryable: false,
});

export const traktContract = defineContract({
  spec: "trakt",
  operations: {
    generateNewDeviceCodes: {
      raw: (mock) =>
        client(mock).POST("/oauth/device/code", {
          params: { header },
          body: { client_id: CLIENT_ID },
        }),
      bodies: { 200: vDeviceCodeResponse },
      flows: { start: (mock) => startDeviceAuthorization(provider(mock)) },
    },
    pollForTheAccessToken: {
      raw: (mock) =>
        client(mock).POST("/oauth/device/token", {
          params: { header },
          body: { code: "d9c126a7", client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
        }),
      bodies: { 200: vToken },
      flows: { poll: startThenPoll },
    },
    exchangeRefreshTokenForAccessToken: {
      raw: (mock) =>
        client(mock).POST("/oauth/token", {
          params: { header },
          body: {
            refresh_token: OLD_REFRESH_TOKEN,
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
            grant_type: "refresh_token",
          },
        }),
      bodies: { 200: vToken, 400: vError, 401: vError },
      flows: { refresh: (mock) => refreshToken(provider(mock), OLD_REFRESH_TOKEN) },
    },
    revokeAnAccessToken: {
      raw: (mock) =>
        client(mock).POST("/oauth/revoke", {
          params: { header },
          body: { token: ACCESS_TOKEN, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
          parseAs: "text",
        }),
      bodies: { 401: vError },
      flows: { revoke: (mock) => revokeToken(provider(mock), ACCESS_TOKEN) },
    },
  },
  rows: [
    {
      operationId: "generateNewDeviceCodes",
      status: 200,
      example: "codes",
      flow: "start",
      // Trakt says verification_url and sends no verification_uri_complete.
      resolves: (codes: Body) => ({
        deviceCode: codes.device_code,
        userCode: codes.user_code,
        verificationUri: codes.verification_url,
        expiresIn: 600,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    {
      operationId: "generateNewDeviceCodes",
      status: 403,
      flow: "start",
      rejects: { name: "ResponseError", code: "http_error", httpStatus: 403, retryable: false },
    },
    {
      operationId: "pollForTheAccessToken",
      status: 200,
      example: "token",
      flow: "poll",
      resolves: authorized,
    },
    {
      operationId: "pollForTheAccessToken",
      status: 400,
      flow: "poll",
      resolves: { status: "pending" },
    },
    {
      operationId: "pollForTheAccessToken",
      status: 404,
      flow: "poll",
      resolves: { status: "invalid_code" },
    },
    {
      operationId: "pollForTheAccessToken",
      status: 409,
      flow: "poll",
      resolves: { status: "already_used" },
    },
    {
      operationId: "pollForTheAccessToken",
      status: 410,
      flow: "poll",
      resolves: { status: "expired" },
    },
    {
      operationId: "pollForTheAccessToken",
      status: 418,
      flow: "poll",
      resolves: { status: "denied" },
    },
    // RFC 8628 §3.5: interval + 5 s (Prism's Retry-After, 1 s, asks for less).
    {
      operationId: "pollForTheAccessToken",
      status: 429,
      flow: "poll",
      resolves: { status: "slow_down", interval: 10 },
    },
    {
      operationId: "exchangeRefreshTokenForAccessToken",
      status: 200,
      example: "token",
      flow: "refresh",
      resolves: authorized,
    },
    {
      operationId: "exchangeRefreshTokenForAccessToken",
      status: 400,
      example: "invalid_grant",
      flow: "refresh",
      resolves: oauthError(400),
    },
    {
      operationId: "exchangeRefreshTokenForAccessToken",
      status: 401,
      example: "invalid_client",
      flow: "refresh",
      resolves: oauthError(401),
    },
    {
      operationId: "revokeAnAccessToken",
      status: 200,
      flow: "revoke",
      resolves: { status: "revoked" },
    },
    {
      operationId: "revokeAnAccessToken",
      status: 401,
      example: "invalid_client",
      flow: "revoke",
      resolves: oauthError(401),
    },
    // Over capacity: worth trying again, after Prism's Retry-After (the spec's example, 1 s).
    {
      operationId: "revokeAnAccessToken",
      status: 503,
      flow: "revoke",
      resolves: {
        status: "error",
        error: "server_error",
        httpStatus: 503,
        retryable: true,
        retryAfter: 1,
      },
    },
  ],
});
