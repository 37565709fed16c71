/**
 * specs/aws-sso.yaml: JSON with camelCase members, a RegisterClient before every first start, and
 * errors whose body keeps OAuth's snake_case `error` next to the `x-amzn-ErrorType` header. One
 * header serves every example of a status, so the spec gives it no example and Prism's header
 * names no exception the table knows: these rows map by the body alone (the header-only and
 * header-first cases run against the imitation in test/providers/aws-sso.test.ts).
 */
import createClient from "openapi-fetch";
import { expect } from "vitest";
import type { paths } from "../../../generated/aws-sso/schema.ts";
import {
  vAwsError,
  vCreateTokenResponse,
  vRegisterClientResponse,
  vStartDeviceAuthorizationResponse,
} from "../../../generated/aws-sso/valibot.gen.ts";
import { pollForToken, refreshToken, startDeviceAuthorization } from "../../../src/index.ts";
import {
  awsSso,
  awsSsoErrorCodes,
  type AwsSsoRegistration,
} from "../../../src/providers/aws-sso.ts";
import { defineContract, type Body, type Expectation, type Mock } from "../contract.ts";

const START_URL = "https://my-org.awsapps.com/start";
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const OLD_REFRESH_TOKEN = "aorvJYubGpU6i91YnH7Mfo-old";
/** A saved registration, as a refresh in another process has it. */
const SAVED: AwsSsoRegistration = {
  clientId: "saved-client-id",
  clientSecret: "saved-client-secret",
  clientSecretExpiresAt: 1901232000,
};
const fix = awsSsoErrorCodes.invalid_client.fix;

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });
const provider = (mock: Mock, registration?: AwsSsoRegistration) =>
  awsSso({
    region: "us-east-1",
    startUrl: START_URL,
    baseUrl: mock.url,
    fetch: mock.fetch,
    registration,
  });

/** Register and start against the mock (their 200 examples), then poll once. */
async function startThenPoll(mock: Mock) {
  const aws = provider(mock);
  return pollForToken(aws, await startDeviceAuthorization(aws));
}

/** AW1's camelCase token, normalised. */
const authorized = (token: Body) => ({
  status: "authorized",
  token: {
    accessToken: token.accessToken,
    tokenType: "Bearer",
    expiresIn: 28800,
    expiresAt: expect.any(Number),
    refreshToken: token.refreshToken,
    raw: token,
  },
});

/** What startDeviceAuthorization rejects with for an AWS error body. */
const startRejects =
  (status: number, retryable = false, hint?: string) =>
  (error: Body) => ({
    name: "OAuthError",
    code: error.error,
    description: hint ? `${error.error_description as string} (${hint})` : error.error_description,
    httpStatus: status,
    retryable,
  });

/** A poll or refresh that stops (or, for 5xx, may retry) with the body's code. */
const errorResult =
  (status: number, retryable = false, hint?: string) =>
  (error: Body) => ({
    status: "error",
    error: error.error,
    description: hint ? `${error.error_description as string} (${hint})` : error.error_description,
    httpStatus: status,
    retryable,
  });

const outcome = (status: string) => (error: Body) => ({
  status,
  description: error.error_description,
});

const tokenRow = (example: string, resolves: Expectation) =>
  ({ operationId: "createToken", status: 400, example, flow: "poll", resolves }) as const;

export const awsSsoContract = defineContract({
  spec: "aws-sso",
  operations: {
    registerClient: {
      raw: (mock) =>
        client(mock).POST("/client/register", {
          body: { clientName: "device-flow-sdk", clientType: "public" },
        }),
      bodies: { 200: vRegisterClientResponse, 400: vAwsError, 500: vAwsError },
      flows: { start: (mock) => startDeviceAuthorization(provider(mock)) },
    },
    startDeviceAuthorization: {
      raw: (mock) =>
        client(mock).POST("/device_authorization", {
          body: { clientId: SAVED.clientId, clientSecret: SAVED.clientSecret, startUrl: START_URL },
        }),
      bodies: {
        200: vStartDeviceAuthorizationResponse,
        400: vAwsError,
        401: vAwsError,
        500: vAwsError,
      },
      flows: { start: (mock) => startDeviceAuthorization(provider(mock)) },
    },
    createToken: {
      raw: (mock) =>
        client(mock).POST("/token", {
          body: {
            clientId: SAVED.clientId,
            clientSecret: SAVED.clientSecret,
            grantType: DEVICE_CODE_GRANT,
            deviceCode:
              "XnLHvJ0Rsr6Fqqw5IFWeHiR0cMcyr8MRTf4DT8KvL1y0Ge2Fv0gx1GyB7Ix8uLcX5DI5Dl9n1i1AJeCtIG5UBJg",
          },
        }),
      bodies: { 200: vCreateTokenResponse, 400: vAwsError, 401: vAwsError, 500: vAwsError },
      flows: {
        poll: startThenPoll,
        refresh: (mock) => refreshToken(provider(mock, SAVED), OLD_REFRESH_TOKEN),
      },
    },
  },
  rows: [
    {
      operationId: "registerClient",
      status: 200,
      example: "registered",
      flow: "start",
      resolves: () => ({
        deviceCode:
          "XnLHvJ0Rsr6Fqqw5IFWeHiR0cMcyr8MRTf4DT8KvL1y0Ge2Fv0gx1GyB7Ix8uLcX5DI5Dl9n1i1AJeCtIG5UBJg",
        userCode: "LBCD-QFRT",
        verificationUri: "https://device.sso.us-east-1.amazonaws.com/",
        verificationUriComplete: "https://device.sso.us-east-1.amazonaws.com/?user_code=LBCD-QFRT",
        expiresIn: 600,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    // A refused registration (no device request follows: see test/providers/aws-sso.test.ts).
    ...(["invalid_request", "invalid_scope", "invalid_client_metadata"] as const).map(
      (example) =>
        ({
          operationId: "registerClient",
          status: 400,
          example,
          flow: "start",
          rejects: startRejects(400),
        }) as const,
    ),
    {
      operationId: "registerClient",
      status: 500,
      example: "server_error",
      flow: "start",
      rejects: startRejects(500, true),
    },
    {
      operationId: "startDeviceAuthorization",
      status: 200,
      example: "device",
      flow: "start",
      resolves: (device: Body) => ({
        deviceCode: device.deviceCode,
        userCode: device.userCode,
        verificationUri: device.verificationUri,
        verificationUriComplete: device.verificationUriComplete,
        expiresIn: 600,
        interval: 5,
        expiresAt: expect.any(Number),
      }),
    },
    ...(["invalid_request", "unauthorized_client", "slow_down"] as const).map(
      (example) =>
        ({
          operationId: "startDeviceAuthorization",
          status: 400,
          example,
          flow: "start",
          rejects: startRejects(400),
        }) as const,
    ),
    {
      operationId: "startDeviceAuthorization",
      status: 401,
      example: "invalid_client",
      flow: "start",
      rejects: startRejects(401, false, fix),
    },
    {
      operationId: "startDeviceAuthorization",
      status: 500,
      example: "server_error",
      flow: "start",
      rejects: startRejects(500, true),
    },
    {
      operationId: "createToken",
      status: 200,
      example: "token",
      flow: "poll",
      resolves: authorized,
    },
    {
      operationId: "createToken",
      status: 200,
      example: "token",
      flow: "refresh",
      resolves: authorized,
    },
    tokenRow("authorization_pending", () => ({ status: "pending" })),
    // RFC 8628 §3.5: no interval in the body (AW1), so the device answer's 5 s + 5 s.
    tokenRow("slow_down", () => ({ status: "slow_down", interval: 10 })),
    tokenRow("access_denied", outcome("denied")),
    tokenRow("expired_token", outcome("expired")),
    tokenRow("invalid_grant", outcome("invalid_code")),
    tokenRow("invalid_request", errorResult(400)),
    tokenRow("invalid_scope", errorResult(400)),
    tokenRow("unauthorized_client", errorResult(400)),
    tokenRow("unsupported_grant_type", errorResult(400)),
    {
      operationId: "createToken",
      status: 400,
      example: "invalid_grant",
      flow: "refresh",
      resolves: errorResult(400),
    },
    {
      operationId: "createToken",
      status: 401,
      example: "invalid_client",
      flow: "poll",
      resolves: errorResult(401, false, fix),
    },
    {
      operationId: "createToken",
      status: 401,
      example: "invalid_client",
      flow: "refresh",
      // A refresh has no table: the code and the server's words, final.
      resolves: errorResult(401),
    },
    {
      operationId: "createToken",
      status: 500,
      example: "server_error",
      flow: "poll",
      resolves: errorResult(500, true),
    },
  ],
});
