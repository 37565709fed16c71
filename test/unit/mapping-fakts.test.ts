/** fakts: every answer is HTTP 200 and the outcome is the body's `status`. */
import { describe, expect, it } from "vitest";
import {
  DeviceFlowError,
  faktsStatuses,
  OAuthError,
  pollForToken,
  ResponseError,
  startDeviceAuthorization,
  type PollResult,
} from "../../src/index.ts";
import {
  empty,
  json,
  jsonBody,
  networkFailure,
  scriptedFetch,
  text,
  type Reply,
} from "../support/fake-fetch.ts";
import { authorizationAt, FAKTS_BASE, faktsProvider } from "../support/fixtures.ts";

/** The documented mapping (`granted` is the token), written out independently. */
const EXPECTED = {
  pending: "pending",
  denied: "denied",
  expired: "expired",
  error: "invalid_code",
} as const;

const messageOf = (status: string) =>
  status === "error"
    ? { status, error: "No device code found" }
    : { status, message: `it is ${status}` };

async function poll(reply: Reply): Promise<PollResult> {
  const fake = scriptedFetch([reply]);
  const result = await pollForToken(
    faktsProvider(fake),
    authorizationAt(Date.now(), { interval: 1 }),
  );
  expect(fake.requests).toHaveLength(1);
  return result;
}

describe("fakts mapping table", () => {
  it("is exactly the documented status → outcome mapping", () => {
    expect(faktsStatuses).toEqual(EXPECTED);
  });

  for (const [status, outcome] of Object.entries(faktsStatuses)) {
    it(`200 {status: ${status}} → ${outcome}`, async () => {
      const result = await poll(json(200, messageOf(status)));
      expect(result.status).toBe(outcome);
      expect(result.status).toBe(EXPECTED[status as keyof typeof EXPECTED]);
    });
  }

  it("keeps the server's message as the description", async () => {
    expect(await poll(json(200, { status: "denied", message: "User denied the request" }))).toEqual(
      {
        status: "denied",
        description: "User denied the request",
      },
    );
    expect(await poll(json(200, { status: "error", error: "No device code found" }))).toEqual({
      status: "invalid_code",
      description: "No device code found",
    });
    expect(await poll(json(200, { status: "pending", message: "not yet" }))).toEqual({
      status: "pending",
    });
  });

  it("200 {status: granted, token} → authorized, and the challenge is JSON {code}", async () => {
    const fake = scriptedFetch([json(200, { status: "granted", token: "0f3b7c1e9a5d4f2b" })]);
    const result = await pollForToken(
      faktsProvider(fake),
      authorizationAt(Date.now(), { deviceCode: "6c1f2a9b-3d4e", interval: 1 }),
    );
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: "0f3b7c1e9a5d4f2b", tokenType: "fakts" },
    });
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`${FAKTS_BASE}challenge/`);
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request && jsonBody(request)).toEqual({ code: "6c1f2a9b-3d4e" });
  });

  const invalid: [string, Reply][] = [
    ["granted without a token", json(200, { status: "granted" })],
    ["granted with an empty token", json(200, { status: "granted", token: "" })],
    ["an unknown status", json(200, { status: "approved", token: "t" })],
    ["no status", json(200, { token: "t" })],
    ["error without its error field", json(200, { status: "error" })],
    ["a JSON array", json(200, [])],
    ["no body", empty(200)],
    ["an HTML page", text(200, "<html></html>")],
  ];
  for (const [name, reply] of invalid) {
    it(`${name} → invalid_response, never authorized`, async () => {
      expect(await poll(reply)).toMatchObject({
        status: "error",
        error: "invalid_response",
        retryable: false,
      });
    });
  }

  it("a 5xx → error, retryable; a 404 → error, not retryable", async () => {
    expect(await poll(empty(502))).toMatchObject({
      status: "error",
      error: "server_error",
      retryable: true,
    });
    expect(await poll(empty(404))).toMatchObject({
      status: "error",
      error: "http_error",
      retryable: false,
    });
  });

  it("a network failure → error, retryable", async () => {
    expect(await poll(networkFailure())).toMatchObject({
      status: "error",
      error: "network_error",
      retryable: true,
    });
  });
});

describe("fakts start", () => {
  it("sends the manifest and builds the configure URL with the code", async () => {
    const fake = scriptedFetch([json(200, { status: "granted", code: "6c1f2a9b-3d4e-4f50" })]);
    const authorization = await startDeviceAuthorization(faktsProvider(fake));
    expect(authorization).toMatchObject({
      deviceCode: "6c1f2a9b-3d4e-4f50",
      userCode: "6c1f2a9b-3d4e-4f50",
      verificationUri: `${FAKTS_BASE}configure/`,
      verificationUriComplete: `${FAKTS_BASE}configure/?device_code=6c1f2a9b-3d4e-4f50&grant=device_code`,
      expiresIn: 300,
      interval: 1,
    });
    const [request] = fake.requests;
    expect(request?.url).toBe(`${FAKTS_BASE}start/`);
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request && jsonBody(request)).toEqual({
      manifest: { identifier: "org.example.app", version: "1.0.0" },
      expiration_time_seconds: 300,
      redirect_uris: [],
      requested_client_kind: "development",
    });
  });

  it("a base URL without its trailing slash gives the same URLs", async () => {
    const fake = scriptedFetch([json(200, { status: "granted", code: "abc" })]);
    const authorization = await startDeviceAuthorization(
      faktsProvider(fake, "https://arkitekt.example.org/f"),
    );
    expect(fake.requests[0]?.url).toBe("https://arkitekt.example.org/f/start/");
    expect(authorization.verificationUriComplete).toBe(
      "https://arkitekt.example.org/f/configure/?device_code=abc&grant=device_code",
    );
  });

  it("a code with URL-special characters is encoded in the configure URL", async () => {
    const fake = scriptedFetch([json(200, { status: "granted", code: "a&b=c d" })]);
    const authorization = await startDeviceAuthorization(faktsProvider(fake));
    expect(authorization.verificationUriComplete).toBe(
      `${FAKTS_BASE}configure/?device_code=a%26b%3Dc%20d&grant=device_code`,
    );
    expect(
      new URL(authorization.verificationUriComplete ?? "").searchParams.get("device_code"),
    ).toBe("a&b=c d");
  });

  it("scope becomes the manifest's scopes", async () => {
    const fake = scriptedFetch([json(200, { status: "granted", code: "abc" })]);
    await startDeviceAuthorization(faktsProvider(fake), { scope: "read  write" });
    expect(fake.requests[0] && jsonBody(fake.requests[0])).toMatchObject({
      manifest: { identifier: "org.example.app", version: "1.0.0", scopes: ["read", "write"] },
    });
  });

  it("{status: error} → a typed error carrying the server's reason", async () => {
    const fake = scriptedFetch([
      json(200, { status: "error", error: "Manifest is missing an identifier." }),
    ]);
    const failure = await startDeviceAuthorization(faktsProvider(fake)).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toBeInstanceOf(DeviceFlowError);
    expect(failure).toMatchObject({
      code: "start_refused",
      description: "Manifest is missing an identifier.",
      httpStatus: 200,
      retryable: false,
    });
  });

  it("an invalid start body → ResponseError invalid_response", async () => {
    const fake = scriptedFetch([json(200, { status: "granted" })]);
    const failure = await startDeviceAuthorization(faktsProvider(fake)).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ResponseError);
    expect(failure).toMatchObject({ code: "invalid_response" });
  });
});
