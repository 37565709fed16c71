/**
 * specs/amazon.yaml: form requests with `response_type=device_code` at start, a poll with
 * `grant_type=device_code` and the `user_code`, RFC 6749 error bodies plus `invalid_code_pair`.
 * The token endpoint serves both the poll and the refresh.
 */
import createClient from "openapi-fetch";
import { expect } from "vitest";
import type { paths } from "../../../generated/amazon/schema.ts";
import {
  vDeviceAuthorizationResponse,
  vErrorResponse,
  vTokenResponse,
} from "../../../generated/amazon/valibot.gen.ts";
import { formBody, formHeaders } from "../../../src/http/form.ts";
import { pollForToken, refreshToken, startDeviceAuthorization } from "../../../src/index.ts";
import { amazon, amazonErrorCodes } from "../../../src/providers/amazon.ts";
import { defineContract, type Body, type Mock } from "../contract.ts";

const CLIENT_ID = "amzn1.application-oa2-client.contract";
const SCOPE = "profile";
const OLD_REFRESH_TOKEN = "Atzr|IQEBLzAtAhRPpMJxdwVz2Nn6f2y-old";

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });
const provider = (mock: Mock) =>
  amazon({ clientId: CLIENT_ID, baseUrl: mock.url, fetch: mock.fetch });

/** Start against the mock (its 200 example), then poll once. */
async function startThenPoll(mock: Mock) {
  const server = provider(mock);
  return pollForToken(server, await startDeviceAuthorization(server, { scope: SCOPE }));
}

const authorized = (token: Body) => ({
  status: "authorized",
  token: {
    accessToken: token.access_token,
    tokenType: "Bearer",
    expiresIn: 3600,
    expiresAt: expect.any(Number),
    refreshToken: token.refresh_token,
    raw: token,
  },
});

const described = (status: string) => (body: Body) => ({
  status,
  description: body.error_description,
});
const stop = (fix?: string) => (body: Body) => ({
  status: "error",
  error: body.error,
  description:
    fix === undefined ? body.error_description : `${body.error_description as string} (${fix})`,
  httpStatus: 400,
  retryable: false,
});

export const amazonContract = defineContract({
  spec: "amazon",
  operations: {
    createCodePair: {
      raw: (mock) =>
        client(mock).POST("/auth/o2/create/codepair", {
          body: { response_type: "device_code", client_id: CLIENT_ID, scope: SCOPE },
          bodySerializer: formBody,
          headers: formHeaders,
        }),
      bodies: { 200: vDeviceAuthorizationResponse, 400: vErrorResponse },
      flows: { start: (mock) => startDeviceAuthorization(provider(mock), { scope: SCOPE }) },
    },
    requestToken: {
      raw: (mock) =>
        client(mock).POST("/auth/o2/token", {
          body: {
            grant_type: "device_code",
            device_code: "74tq5miHKB",
            user_code: "94238",
            client_id: CLIENT_ID,
          },
          bodySerializer: formBody,
          headers: formHeaders,
        }),
      bodies: { 200: vTokenResponse, 400: vErrorResponse },
      flows: {
        poll: startThenPoll,
        refresh: (mock) => refreshToken(provider(mock), OLD_REFRESH_TOKEN),
      },
    },
  },
  rows: [
    {
      operationId: "createCodePair",
      status: 200,
      example: "codepair",
      flow: "start",
      // LW1's 30 s interval is kept as sent.
      resolves: (pair: Body) => ({
        deviceCode: pair.device_code,
        userCode: pair.user_code,
        verificationUri: pair.verification_uri,
        expiresIn: 600,
        interval: 30,
        expiresAt: expect.any(Number),
      }),
    },
    ...(["invalid_request", "unauthorized_client", "invalid_scope"] as const).map((example) => ({
      operationId: "createCodePair" as const,
      status: 400,
      example,
      flow: "start" as const,
      rejects: (error: Body) => ({
        name: "OAuthError",
        code: error.error,
        description: error.error_description,
        httpStatus: 400,
        retryable: false,
      }),
    })),
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
    // RFC 8628 §3.5: Amazon's 30 s + 5 s.
    {
      operationId: "requestToken",
      status: 400,
      example: "slow_down",
      flow: "poll",
      resolves: { status: "slow_down", interval: 35 },
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_code_pair",
      flow: "poll",
      resolves: described("expired"),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_grant",
      flow: "poll",
      resolves: described("invalid_code"),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_grant",
      flow: "refresh",
      resolves: stop(),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_client",
      flow: "poll",
      resolves: stop(amazonErrorCodes.invalid_client.fix),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "unauthorized_client",
      flow: "poll",
      resolves: stop(amazonErrorCodes.unauthorized_client.fix),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "unsupported_grant_type",
      flow: "poll",
      resolves: stop(),
    },
    {
      operationId: "requestToken",
      status: 400,
      example: "invalid_request",
      flow: "poll",
      resolves: stop(),
    },
  ],
});
