/**
 * specs/twitch.yaml: form requests, `scopes` (plural) at start, and every error's code in the
 * body's `message` (no `error` field). The token endpoint serves both the poll and the refresh.
 */
import createClient from "openapi-fetch";
import { expect } from "vitest";
import type { paths } from "../../../generated/twitch/schema.ts";
import {
  vDeviceAuthorizationResponse,
  vTokenResponse,
  vTwitchError,
} from "../../../generated/twitch/valibot.gen.ts";
import { formBody, formHeaders } from "../../../src/http/form.ts";
import { pollForToken, refreshToken, startDeviceAuthorization } from "../../../src/index.ts";
import { twitch } from "../../../src/providers/twitch.ts";
import { defineContract, type Body, type Mock } from "../contract.ts";

const CLIENT_ID = "contract-twitch-client";
const SCOPES = "channel:read:subscriptions user:read:email";
const OLD_REFRESH_TOKEN = "eyJfaWQmNzMtNGCJ9-old";

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });
const provider = (mock: Mock) =>
  twitch({ clientId: CLIENT_ID, baseUrl: mock.url, fetch: mock.fetch });

/** Start against the mock (its 200 example), then poll once. */
async function startThenPoll(mock: Mock) {
  const server = provider(mock);
  return pollForToken(server, await startDeviceAuthorization(server, { scope: SCOPES }));
}

/** TW2's token: the array scope joined, the lowercase `bearer` written `Bearer`. */
const authorized = (token: Body) => ({
  status: "authorized",
  token: {
    accessToken: token.access_token,
    tokenType: "Bearer",
    expiresIn: 14124,
    expiresAt: expect.any(Number),
    refreshToken: token.refresh_token,
    scope: (token.scope as string[]).join(" "),
    raw: token,
  },
});

export const twitchContract = defineContract({
  spec: "twitch",
  operations: {
    requestDeviceCode: {
      raw: (mock) =>
        client(mock).POST("/oauth2/device", {
          body: { client_id: CLIENT_ID, scopes: SCOPES },
          bodySerializer: formBody,
          headers: formHeaders,
        }),
      bodies: { 200: vDeviceAuthorizationResponse, 400: vTwitchError },
      flows: { start: (mock) => startDeviceAuthorization(provider(mock), { scope: SCOPES }) },
    },
    requestToken: {
      raw: (mock) =>
        client(mock).POST("/oauth2/token", {
          body: {
            client_id: CLIENT_ID,
            device_code: "ike3GM8QIdYZs43KdrWPIO36LofILoCyFEzjlQ91",
            grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          },
          bodySerializer: formBody,
          headers: formHeaders,
        }),
      bodies: { 200: vTokenResponse, 400: vTwitchError },
      flows: {
        poll: startThenPoll,
        refresh: (mock) => refreshToken(provider(mock), OLD_REFRESH_TOKEN),
      },
    },
  },
  rows: [
    {
      operationId: "requestDeviceCode",
      status: 200,
      example: "device",
      flow: "start",
      // verification_uri already carries the code; no verification_uri_complete (TW4).
      resolves: (device: Body) => ({
        deviceCode: device.device_code,
        userCode: device.user_code,
        verificationUri: device.verification_uri,
        expiresIn: 1800,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    {
      operationId: "requestDeviceCode",
      status: 400,
      example: "invalid_client",
      flow: "start",
      rejects: (error: Body) => ({
        name: "OAuthError",
        code: error.message,
        httpStatus: 400,
        retryable: false,
      }),
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "token",
      flow: "poll",
      resolves: authorized,
    },
    {
      operationId: "requestToken",
      status: 200,
      example: "token",
      flow: "refresh",
      resolves: authorized,
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "authorization_pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    // RFC 8628 §3.5: interval + 5 s.
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
      example: "invalid_device_code",
      flow: "poll",
      resolves: { status: "expired" },
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "access_denied",
      flow: "poll",
      resolves: { status: "denied" },
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_refresh_token",
      flow: "refresh",
      resolves: (error: Body) => ({
        status: "error",
        error: error.message,
        httpStatus: 400,
        retryable: false,
      }),
    },
  ],
});
