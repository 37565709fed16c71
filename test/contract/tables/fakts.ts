/** specs/fakts.yaml: every answer is HTTP 200; the outcome is the body's `status`. */
import createClient from "openapi-fetch";
import { expect } from "vitest";
import type { paths } from "../../../generated/fakts/schema.ts";
import { vChallengeResponse, vStartResponse } from "../../../generated/fakts/valibot.gen.ts";
import { fakts, pollForToken, startDeviceAuthorization } from "../../../src/index.ts";
import { defineContract, type Body, type Mock } from "../contract.ts";

const manifest = { identifier: "device-flow-sdk.contract", version: "1.0.0" };

const client = (mock: Mock) => createClient<paths>({ baseUrl: mock.url, fetch: mock.fetch });
const provider = (mock: Mock) => fakts({ baseUrl: mock.url, manifest, fetch: mock.fetch });

/** Start against the mock (its `granted` example), then challenge once. */
async function startThenChallenge(mock: Mock) {
  const server = provider(mock);
  return pollForToken(server, await startDeviceAuthorization(server));
}

const refused = (status: string) => (body: Body) => ({ status, description: body.message });

export const faktsContract = defineContract({
  spec: "fakts",
  operations: {
    start: {
      raw: (mock) =>
        client(mock).POST("/start/", {
          body: {
            manifest,
            expiration_time_seconds: 300,
            redirect_uris: [],
            requested_client_kind: "development",
          },
        }),
      bodies: { 200: vStartResponse },
      flows: {
        start: (mock) => startDeviceAuthorization(provider(mock), { scope: "openid read" }),
      },
    },
    challenge: {
      raw: (mock) =>
        client(mock).POST("/challenge/", {
          body: { code: "6c1f2a9b-3d4e-4f50-8a61-7b2c3d4e5f60" },
        }),
      bodies: { 200: vChallengeResponse },
      flows: { poll: startThenChallenge },
    },
  },
  rows: [
    {
      operationId: "start",
      status: 200,
      example: "granted",
      flow: "start",
      // fakts sends no URL: the user goes to {base}configure/, with the code when possible.
      resolves: (start: Body, mock: Mock) => ({
        deviceCode: start.code,
        userCode: start.code,
        verificationUri: `${mock.url}/configure/`,
        verificationUriComplete: `${mock.url}/configure/?device_code=${start.code as string}&grant=device_code`,
        expiresIn: 300,
        interval: 1,
        expiresAt: expect.any(Number),
      }),
    },
    {
      operationId: "start",
      status: 200,
      example: "error",
      flow: "start",
      rejects: (start: Body) => ({
        name: "OAuthError",
        code: "start_refused",
        description: start.error,
        httpStatus: 200,
      }),
    },
    {
      operationId: "challenge",
      status: 200,
      example: "pending",
      flow: "poll",
      resolves: { status: "pending" },
    },
    {
      operationId: "challenge",
      status: 200,
      example: "granted",
      flow: "poll",
      resolves: (granted: Body) => ({
        status: "authorized",
        token: { accessToken: granted.token, tokenType: "fakts", raw: granted },
      }),
    },
    {
      operationId: "challenge",
      status: 200,
      example: "denied",
      flow: "poll",
      resolves: refused("denied"),
    },
    {
      operationId: "challenge",
      status: 200,
      example: "expired",
      flow: "poll",
      resolves: refused("expired"),
    },
    {
      operationId: "challenge",
      status: 200,
      example: "error",
      flow: "poll",
      // fakts answers `error` once it no longer knows the code.
      resolves: (failure: Body) => ({ status: "invalid_code", description: failure.error }),
    },
  ],
});
