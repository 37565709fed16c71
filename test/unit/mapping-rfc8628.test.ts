/** RFC 8628 §3.5 / RFC 6749 §5.2: the error code in the body is the outcome. */
import { describe, expect, it } from "vitest";
import { pollForToken, rfc8628ErrorCodes, type PollResult } from "../../src/index.ts";
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
import { authorizationAt, RFC_TOKEN_ENDPOINT, rfcProvider } from "../support/fixtures.ts";

/** RFC 8628 §3.5, written out independently of the adapter's table. */
const EXPECTED = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
} as const;

async function poll(reply: Reply, interval = 5): Promise<PollResult> {
  const fake = scriptedFetch([reply]);
  const result = await pollForToken(rfcProvider(fake), authorizationAt(Date.now(), { interval }));
  expect(fake.requests).toHaveLength(1);
  return result;
}

describe("RFC 8628 mapping table", () => {
  // Each RFC 8628 §3.5 code, as the RFC words it, drives the behaviour its sentence implies.
  it.each(RFC_SENTENCES)("$code: $text", async (sentence) => {
    await expectSentenceObeyed((fake) => rfcProvider(fake), sentence);
  });

  it.each(OTHER_CODES)("any other code (%s) stops polling: a non-retryable error", async (code) => {
    await expectSentenceObeyed((fake) => rfcProvider(fake), {
      code,
      member: "error",
      continues: false,
    });
  });

  it("has no row the RFC sentences do not cover", () => {
    const quoted = new Set(RFC_SENTENCES.map((sentence) => sentence.code));
    for (const code of Object.keys(rfc8628ErrorCodes)) expect(quoted.has(code), code).toBe(true);
  });

  for (const [code, outcome] of Object.entries(rfc8628ErrorCodes)) {
    it(`400 {error: ${code}} → ${outcome}`, async () => {
      const result = await poll(json(400, { error: code }));
      expect(result.status).toBe(outcome);
      expect(result.status).toBe(EXPECTED[code as keyof typeof EXPECTED]);
      expect(result).toEqual(
        outcome === "slow_down" ? { status: outcome, interval: 10 } : { status: outcome },
      );
    });

    it(`200 {error: ${code}} (GitHub style) → ${outcome}, never authorized`, async () => {
      const result = await poll(json(200, { error: code, error_description: "from GitHub" }));
      expect(result.status).toBe(EXPECTED[code as keyof typeof EXPECTED]);
    });
  }

  it("sends the token request of RFC 8628 §3.4 as a form", async () => {
    const fake = scriptedFetch([json(400, { error: "authorization_pending" })]);
    await pollForToken(rfcProvider(fake), authorizationAt(Date.now(), { deviceCode: "dc/+= 1" }));
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(RFC_TOKEN_ENDPOINT);
    expect(request?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request && form(request)).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: "dc/+= 1",
      client_id: "device-client",
    });
  });

  it("keeps the description of a terminal error", async () => {
    expect(
      await poll(json(400, { error: "access_denied", error_description: "The user said no." })),
    ).toEqual({
      status: "denied",
      description: "The user said no.",
    });
  });

  describe("slow_down: +5 s, or the server's own value when larger", () => {
    const cases: [string, number, Reply, number][] = [
      ["plain", 5, json(400, { error: "slow_down" }), 10],
      ["plain, from a longer interval", 9, json(400, { error: "slow_down" }), 14],
      ["a smaller body interval", 5, json(400, { error: "slow_down", interval: 7 }), 10],
      ["a larger body interval", 5, json(400, { error: "slow_down", interval: 15 }), 15],
      ["a larger Retry-After", 5, json(400, { error: "slow_down" }, { "Retry-After": "25" }), 25],
      ["a smaller Retry-After", 5, json(400, { error: "slow_down" }, { "Retry-After": "2" }), 10],
      [
        "both, Retry-After larger",
        5,
        json(400, { error: "slow_down", interval: 15 }, { "Retry-After": "40" }),
        40,
      ],
      [
        "both, body interval larger",
        5,
        json(400, { error: "slow_down", interval: 45 }, { "Retry-After": "40" }),
        45,
      ],
      [
        "a negative body interval (ignored)",
        5,
        json(400, { error: "slow_down", interval: -50 }),
        10,
      ],
      [
        "a digit-string body interval (GitHub's form bodies)",
        5,
        json(400, { error: "slow_down", interval: "60" }),
        60,
      ],
      [
        "a body interval that is not a number (ignored)",
        5,
        json(400, { error: "slow_down", interval: "soon" }),
        10,
      ],
      [
        "with HTTP 200 (GitHub) and a body interval",
        5,
        json(200, { error: "slow_down", interval: 20 }),
        20,
      ],
    ];
    for (const [name, interval, reply, expected] of cases) {
      it(`${name}: ${interval} → ${expected}`, async () => {
        expect(await poll(reply, interval)).toEqual({ status: "slow_down", interval: expected });
      });
    }
  });

  describe("any other error code stops polling (error, retryable: false)", () => {
    const cases: [string, number][] = [
      ["invalid_client", 401],
      ["invalid_client", 400],
      ["unauthorized_client", 400],
      ["unsupported_grant_type", 400],
      ["invalid_scope", 400],
      ["invalid_request", 400],
      ["incorrect_device_code", 400],
      ["some_future_code", 400],
      ["incorrect_client_credentials", 200],
      ["device_flow_disabled", 200],
    ];
    for (const [code, status] of cases) {
      it(`${status} {error: ${code}}`, async () => {
        expect(await poll(json(status, { error: code, error_description: "why" }))).toEqual({
          status: "error",
          error: code,
          description: "why",
          httpStatus: status,
          retryable: false,
        });
      });
    }

    it("a code named like an Object.prototype member is not a row", async () => {
      const result = await poll(json(400, { error: "constructor" }));
      expect(result).toMatchObject({ status: "error", error: "constructor", retryable: false });
    });
  });

  it("a 200 carrying an error code and no token is classified by the code (GitHub)", async () => {
    expect(await poll(json(200, { error: "authorization_pending", access_token: "" }))).toEqual({
      status: "pending",
    });
  });

  it("a 200 carrying both a token and an error keeps the token: an issued token is never lost", async () => {
    const result = await poll(
      json(200, { access_token: "issued", token_type: "bearer", error: "authorization_pending" }),
    );
    expect(result).toMatchObject({ status: "authorized", token: { accessToken: "issued" } });
  });

  describe("transport trouble is retryable", () => {
    for (const status of [500, 502, 503, 504]) {
      it(`HTTP ${status}`, async () => {
        expect(await poll(text(status, "<html>upstream down</html>"))).toEqual({
          status: "error",
          error: "server_error",
          httpStatus: status,
          retryable: true,
        });
      });
    }

    it("5xx with an OAuth body keeps its code and stays retryable", async () => {
      expect(await poll(json(503, { error: "temporarily_unavailable" }))).toEqual({
        status: "error",
        error: "temporarily_unavailable",
        httpStatus: 503,
        retryable: true,
      });
    });

    it("429 with Retry-After", async () => {
      expect(await poll(empty(429, { "Retry-After": "17" }))).toEqual({
        status: "error",
        error: "rate_limited",
        httpStatus: 429,
        retryable: true,
        retryAfter: 17,
      });
    });

    it("429 carrying slow_down is slow_down (§3.5: +5 s for all later polls), Retry-After honoured", async () => {
      expect(await poll(json(429, { error: "slow_down" }))).toEqual({
        status: "slow_down",
        interval: 10,
      });
      expect(await poll(json(429, { error: "slow_down" }, { "Retry-After": "30" }))).toEqual({
        status: "slow_down",
        interval: 30,
      });
    });

    it("429 carrying another code is a retryable error", async () => {
      expect(await poll(json(429, { error: "authorization_pending" }))).toMatchObject({
        status: "error",
        error: "authorization_pending",
        retryable: true,
      });
    });

    it("a network failure (fetch rejects)", async () => {
      expect(await poll(networkFailure())).toMatchObject({
        status: "error",
        error: "network_error",
        retryable: true,
      });
    });

    it("a network failure names undici's reason, which it keeps in `cause`", async () => {
      const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
        code: "ECONNREFUSED",
      });
      const result = await poll(() =>
        Promise.reject(new TypeError("fetch failed", { cause: refused })),
      );
      expect(result).toMatchObject({ status: "error", error: "network_error" });
      expect(result.status === "error" && result.description).toContain(
        "connect ECONNREFUSED 127.0.0.1:9",
      );
    });
  });

  describe("a 200 without a usable access_token → invalid_response carrying the body", () => {
    const cases: [string, unknown][] = [
      ["no access_token", { token_type: "Bearer", expires_in: 3600 }],
      ["an empty access_token", { access_token: "", token_type: "Bearer" }],
      ["a numeric access_token", { access_token: 42, token_type: "Bearer" }],
      ["an array", []],
      ["null", null],
    ];
    for (const [name, body] of cases) {
      it(name, async () => {
        const result = await poll(json(200, body));
        expect(result).toEqual({
          status: "error",
          error: "invalid_response",
          description: "token response is not usable",
          httpStatus: 200,
          retryable: false,
          raw: body,
        });
      });
    }

    it("a body that is neither JSON nor a declared form keeps its status and its text", async () => {
      expect(await poll(text(200, "access_token=abc&token_type=bearer"))).toEqual({
        status: "error",
        error: "invalid_response",
        description: "token response is not usable",
        httpStatus: 200,
        retryable: false,
        raw: "access_token=abc&token_type=bearer",
      });
    });
  });

  it("a form-urlencoded 200 (GitHub without Accept: application/json) is a token", async () => {
    const result = await poll(
      text(200, "access_token=gho_abc&scope=repo%2Cgist&token_type=bearer", {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      }),
    );
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: "gho_abc", tokenType: "Bearer", scope: "repo gist" },
    });
  });

  it("200 token → authorized with every TokenSet field", async () => {
    const body = {
      access_token: "2YotnFZFEjr1zCsicMWpAA",
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: "tGzv3JOkF0XG5Qx2TlKWIA",
      scope: "openid offline_access",
      id_token: "eyJhbGciOiJub25lIn0.e30.",
      extra: "kept in raw",
    };
    const before = Date.now();
    const result = await poll(json(200, body, { "Cache-Control": "no-store" }));
    const after = Date.now();
    if (result.status !== "authorized")
      throw new Error(`expected authorized, got ${result.status}`);
    expect(result.token).toMatchObject({
      accessToken: body.access_token,
      tokenType: "Bearer",
      expiresIn: 3600,
      refreshToken: body.refresh_token,
      scope: body.scope,
      idToken: body.id_token,
      raw: body,
    });
    expect(result.token.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(result.token.expiresAt).toBeLessThanOrEqual(after + 3_600_000);
  });

  it("a minimal token has no expiry, refresh token or scope", async () => {
    const result = await poll(json(200, { access_token: "mF_9.B5f-4.1JqM", token_type: "bearer" }));
    if (result.status !== "authorized")
      throw new Error(`expected authorized, got ${result.status}`);
    expect(result.token.expiresIn).toBeUndefined();
    expect(result.token.expiresAt).toBeUndefined();
    expect(result.token.refreshToken).toBeUndefined();
    expect(result.token.scope).toBeUndefined();
  });

  it("a lifetime that overflows a date keeps the token, clamped to ten years", async () => {
    const result = await poll(
      json(200, {
        access_token: "2YotnFZFEjr1zCsicMWpAA",
        token_type: "Bearer",
        expires_in: 1e308,
      }),
    );
    if (result.status !== "authorized")
      throw new Error(`expected authorized, got ${result.status}`);
    expect(result.token.expiresIn).toBe(10 * 365 * 86_400);
    // A valid date, so formatting it later cannot throw.
    expect(new Date(result.token.expiresAt as number).toISOString()).toMatch(/^\d{4}-/);
  });

  it("a 400 without an error code is an unexpected answer that stops polling", async () => {
    expect(await poll(text(400, "Bad Request"))).toEqual({
      status: "error",
      error: "http_error",
      httpStatus: 400,
      retryable: false,
    });
  });
});
