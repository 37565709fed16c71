/** Transparenc (Django REST framework): RFC 8628's error codes plus DRF's own error bodies. */
import { describe, expect, it } from "vitest";
import { pollForToken, transparencErrorCodes, type PollResult } from "../../src/index.ts";
import {
  empty,
  form,
  json,
  networkFailure,
  scriptedFetch,
  text,
  type Reply,
} from "../support/fake-fetch.ts";
import { OTHER_CODES, RFC_SENTENCES, expectSentenceObeyed } from "../support/rfc8628-sentences.ts";
import { authorizationAt, TRANSPARENC_BASE, transparencProvider } from "../support/fixtures.ts";

/** The RFC 8628 §3.5 rows, written out independently of the adapter's table. */
const EXPECTED = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
} as const;

type TokenPath = "/api/v1/oauth/token/" | "/api/v1/oauth/token";

async function poll(reply: Reply, interval = 5, tokenPath?: TokenPath): Promise<PollResult> {
  const fake = scriptedFetch([reply]);
  const provider = transparencProvider(fake, tokenPath ? { tokenPath } : {});
  const result = await pollForToken(provider, authorizationAt(Date.now(), { interval }));
  expect(fake.requests).toHaveLength(1);
  return result;
}

describe("Transparenc mapping table", () => {
  // Each RFC 8628 §3.5 code, as the RFC words it, drives the behaviour its sentence implies.
  it.each(RFC_SENTENCES)("$code: $text", async (sentence) => {
    await expectSentenceObeyed((fake) => transparencProvider(fake), sentence);
  });

  it.each(OTHER_CODES)("any other code (%s) stops polling: a non-retryable error", async (code) => {
    await expectSentenceObeyed((fake) => transparencProvider(fake), {
      code,
      member: "error",
      continues: false,
    });
  });

  it("has no row the RFC sentences do not cover", () => {
    const quoted = new Set(RFC_SENTENCES.map((sentence) => sentence.code));
    for (const code of Object.keys(transparencErrorCodes))
      expect(quoted.has(code), code).toBe(true);
  });

  for (const [code, outcome] of Object.entries(transparencErrorCodes)) {
    it(`400 {error: ${code}} → ${outcome}`, async () => {
      const result = await poll(json(400, { error: code, error_description: "d" }));
      expect(result.status).toBe(outcome);
      expect(result.status).toBe(EXPECTED[code as keyof typeof EXPECTED]);
      if (outcome === "slow_down") expect(result).toEqual({ status: "slow_down", interval: 10 });
    });
  }

  it("posts the form to the trailing-slash path by default", async () => {
    const fake = scriptedFetch([json(400, { error: "authorization_pending" })]);
    await pollForToken(
      transparencProvider(fake),
      authorizationAt(Date.now(), { deviceCode: "dc 1&2" }),
    );
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`${TRANSPARENC_BASE}/api/v1/oauth/token/`);
    expect(request?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request && form(request)).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: "tv-app",
      device_code: "dc 1&2",
    });
  });

  it("tokenPath chooses the documented path without the slash", async () => {
    const fake = scriptedFetch([json(400, { error: "authorization_pending" })]);
    const provider = transparencProvider(fake, { tokenPath: "/api/v1/oauth/token" });
    expect(await pollForToken(provider, authorizationAt(Date.now()))).toEqual({
      status: "pending",
    });
    expect(fake.requests[0]?.url).toBe(`${TRANSPARENC_BASE}/api/v1/oauth/token`);
  });

  for (const code of [
    "invalid_client",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_request",
  ]) {
    it(`400 {error: ${code}} → error, not retryable`, async () => {
      expect(await poll(json(400, { error: code }))).toEqual({
        status: "error",
        error: code,
        httpStatus: 400,
        retryable: false,
      });
    });
  }

  describe("DRF's own bodies", () => {
    it("400 {detail} → invalid_request, not retryable", async () => {
      expect(await poll(json(400, { detail: "Malformed request." }))).toEqual({
        status: "error",
        error: "invalid_request",
        description: "Malformed request.",
        httpStatus: 400,
        retryable: false,
      });
    });

    it("415 {detail} → unsupported_media_type, not retryable", async () => {
      const detail = 'Unsupported media type "application/json" in request.';
      expect(await poll(json(415, { detail }))).toEqual({
        status: "error",
        error: "unsupported_media_type",
        description: detail,
        httpStatus: 415,
        retryable: false,
      });
    });

    it('400 {grant_type: ["This field is required."]} → invalid_request naming the field', async () => {
      expect(await poll(json(400, { grant_type: ["This field is required."] }))).toEqual({
        status: "error",
        error: "invalid_request",
        description: "grant_type: This field is required.",
        httpStatus: 400,
        retryable: false,
      });
    });

    it("several field errors are all described", async () => {
      const result = await poll(
        json(400, {
          client_id: ["This field is required."],
          device_code: ["Not valid.", "Too short."],
        }),
      );
      expect(result).toMatchObject({ status: "error", error: "invalid_request", retryable: false });
      expect(result.status === "error" && result.description).toBe(
        "client_id: This field is required.; device_code: Not valid. Too short.",
      );
    });

    describe("429 throttling → slow_down, never slower than DRF asks", () => {
      const throttled = (seconds: number) => ({
        detail: `Request was throttled. Expected available in ${seconds} seconds.`,
      });
      const cases: [string, number, Reply, number][] = [
        ["detail says 12 s", 5, json(429, throttled(12)), 12],
        [
          "detail says 12 s, Retry-After 20",
          5,
          json(429, throttled(12), { "Retry-After": "20" }),
          20,
        ],
        [
          "detail says 12 s, Retry-After 3",
          5,
          json(429, throttled(12), { "Retry-After": "3" }),
          12,
        ],
        ["detail says 2 s (below current + 5)", 5, json(429, throttled(2)), 10],
        [
          "detail says 1 second",
          20,
          json(429, { detail: "Request was throttled. Expected available in 1 second." }),
          25,
        ],
        ["no body, Retry-After 30", 5, empty(429, { "Retry-After": "30" }), 30],
        ["no body at all", 5, empty(429), 10],
      ];
      for (const [name, interval, reply, expected] of cases) {
        it(`${name}: ${interval} → ${expected}`, async () => {
          const result = await poll(reply, interval);
          expect(result).toEqual({ status: "slow_down", interval: expected });
        });
      }
      it("the 12 s case is at least 12", async () => {
        const result = await poll(json(429, throttled(12)));
        expect(result.status === "slow_down" && result.interval).toBeGreaterThanOrEqual(12);
      });
    });
  });

  it("200 token → authorized (token_type defaults to Bearer)", async () => {
    const result = await poll(
      json(200, {
        access_token: "9f8e7d6c5b4a3928",
        expires_in: 3600,
        refresh_token: "0a1b2c3d",
        scope: "read write",
      }),
    );
    if (result.status !== "authorized")
      throw new Error(`expected authorized, got ${result.status}`);
    expect(result.token).toMatchObject({
      accessToken: "9f8e7d6c5b4a3928",
      tokenType: "Bearer",
      expiresIn: 3600,
      refreshToken: "0a1b2c3d",
      scope: "read write",
    });
  });

  it("200 with an OAuth error is that error, never authorized", async () => {
    expect(await poll(json(200, { error: "authorization_pending" }))).toEqual({
      status: "pending",
    });
  });

  for (const [name, body] of [
    ["no access_token", { token_type: "Bearer", expires_in: 3600 }],
    ["an empty object", {}],
  ] as const) {
    it(`200 with ${name} → invalid_response`, async () => {
      expect(await poll(json(200, body))).toMatchObject({
        status: "error",
        error: "invalid_response",
        retryable: false,
      });
    });
  }

  it("200 without the expires_in this spec requires is still the token: never lost", async () => {
    expect(await poll(json(200, { access_token: "abc", token_type: "Bearer" }))).toMatchObject({
      status: "authorized",
      token: { accessToken: "abc", tokenType: "Bearer" },
    });
  });

  for (const status of [500, 503]) {
    it(`HTTP ${status} → error, retryable`, async () => {
      expect(await poll(text(status, "<h1>Server Error (500)</h1>"))).toEqual({
        status: "error",
        error: "server_error",
        httpStatus: status,
        retryable: true,
      });
    });
  }

  it("a network failure → error, retryable", async () => {
    expect(await poll(networkFailure())).toMatchObject({
      status: "error",
      error: "network_error",
      retryable: true,
    });
  });

  it("400 with an empty object → error, not retryable", async () => {
    expect(await poll(json(400, {}))).toEqual({
      status: "error",
      error: "http_error",
      httpStatus: 400,
      retryable: false,
    });
  });
});
