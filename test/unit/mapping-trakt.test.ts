/** Trakt's table: the poll's outcome is the HTTP status of POST /oauth/device/token. */
import { describe, expect, it } from "vitest";
import { pollForToken, traktStatuses, type PollResult } from "../../src/index.ts";
import { empty, json, jsonBody, scriptedFetch, text, type Reply } from "../support/fake-fetch.ts";
import {
  authorizationAt,
  TRAKT_CLIENT_ID,
  TRAKT_SECRET,
  traktProvider,
} from "../support/fixtures.ts";

/** The documented mapping, written out independently of the adapter's table. */
const EXPECTED = {
  400: "pending",
  404: "invalid_code",
  409: "already_used",
  410: "expired",
  418: "denied",
  429: "slow_down",
} as const;

async function poll(reply: Reply, interval = 5): Promise<PollResult> {
  const fake = scriptedFetch([reply]);
  const result = await pollForToken(traktProvider(fake), authorizationAt(Date.now(), { interval }));
  expect(fake.requests).toHaveLength(1);
  return result;
}

describe("Trakt mapping table", () => {
  it("is exactly the documented status → outcome mapping", () => {
    expect(traktStatuses).toEqual(EXPECTED);
  });

  for (const [status, outcome] of Object.entries(traktStatuses)) {
    it(`HTTP ${status} without a body → ${outcome}`, async () => {
      const result = await poll(empty(Number(status)));
      expect(result.status).toBe(outcome);
      expect(result.status).toBe(EXPECTED[Number(status) as keyof typeof EXPECTED]);
      // slow_down carries the new interval (5 + 5); every other row is the bare member.
      expect(result).toEqual(
        outcome === "slow_down" ? { status: outcome, interval: 10 } : { status: outcome },
      );
    });
  }

  it("sends the documented request: JSON {code, client_id, client_secret} with the API headers", async () => {
    const fake = scriptedFetch([empty(400)]);
    await pollForToken(traktProvider(fake), authorizationAt(Date.now(), { deviceCode: "dc-123" }));
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("https://auth.trakt.tv/oauth/device/token");
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request?.headers.get("trakt-api-version")).toBe("2");
    expect(request?.headers.get("trakt-api-key")).toBe(TRAKT_CLIENT_ID);
    expect(request && jsonBody(request)).toEqual({
      code: "dc-123",
      client_id: TRAKT_CLIENT_ID,
      client_secret: TRAKT_SECRET,
    });
  });

  it("200 → authorized with every TokenSet field", async () => {
    const body = {
      access_token: "dbaf9757982a9e738f05d249b7b5b4a2",
      token_type: "bearer",
      expires_in: 7_776_000,
      refresh_token: "76ba4c5c75c96f6087f58a4de10be6c0",
      scope: "public",
      created_at: 1_487_889_741,
    };
    const before = Date.now();
    const result = await poll(json(200, body));
    const after = Date.now();
    if (result.status !== "authorized")
      throw new Error(`expected authorized, got ${result.status}`);
    const { token } = result;
    expect(token.accessToken).toBe(body.access_token);
    // RFC 6750 §5.1: the scheme is case-insensitive; the SDK writes it "Bearer" for every provider.
    expect(token.tokenType).toBe("Bearer");
    expect(token.expiresIn).toBe(7_776_000);
    expect(token.expiresAt).toBeGreaterThanOrEqual(before + 7_776_000_000);
    expect(token.expiresAt).toBeLessThanOrEqual(after + 7_776_000_000);
    expect(token.refreshToken).toBe(body.refresh_token);
    expect(token.scope).toBe("public");
    expect(token.idToken).toBeUndefined();
    expect(token.raw).toEqual(body);
  });

  it("400 with a non-JSON body (an HTML page) → pending", async () => {
    expect(await poll(text(400, "<html><body>Bad Request</body></html>"))).toEqual({
      status: "pending",
    });
  });

  it("400 with an empty text body → pending", async () => {
    expect(await poll(text(400, ""))).toEqual({ status: "pending" });
  });

  describe("429 → slow_down with interval = max(current + 5, Retry-After)", () => {
    const cases: [string, number, Record<string, string>, number][] = [
      ["no Retry-After", 5, {}, 10],
      ["a smaller Retry-After", 5, { "Retry-After": "3" }, 10],
      ["a larger Retry-After", 5, { "Retry-After": "30" }, 30],
      ["a longer current interval", 12, {}, 17],
      ["Retry-After equal to current + 5", 7, { "Retry-After": "12" }, 12],
    ];
    for (const [name, interval, headers, expected] of cases) {
      it(`${name}: interval ${interval} → ${expected}`, async () => {
        expect(await poll(empty(429, headers), interval)).toEqual({
          status: "slow_down",
          interval: expected,
        });
      });
    }
  });

  for (const status of [500, 502, 503, 504]) {
    it(`HTTP ${status} → error, retryable`, async () => {
      expect(await poll(empty(status))).toEqual({
        status: "error",
        error: "server_error",
        httpStatus: status,
        retryable: true,
      });
    });
  }

  it("503 with Retry-After → retryable error carrying retryAfter", async () => {
    expect(await poll(empty(503, { "Retry-After": "20" }))).toMatchObject({
      status: "error",
      retryable: true,
      retryAfter: 20,
    });
  });

  for (const status of [201, 401, 403, 405, 406, 415, 422]) {
    it(`HTTP ${status} (no row) → error, not retryable`, async () => {
      expect(await poll(empty(status))).toEqual({
        status: "error",
        error: "http_error",
        httpStatus: status,
        retryable: false,
      });
    });
  }

  const invalidTokenBodies: [string, Reply][] = [
    ["an empty object", json(200, {})],
    ["an empty access_token", json(200, { access_token: "", token_type: "bearer" })],
    ["a numeric access_token", json(200, { access_token: 42, token_type: "bearer" })],
    ["a JSON array", json(200, [{ access_token: "abc", token_type: "bearer" }])],
    ["a JSON string", json(200, "abc")],
    ["no body", empty(200)],
    ["an HTML page", text(200, "<html>ok</html>")],
  ];
  it("200 with no token_type is still the token (Bearer): an issued token is never lost", async () => {
    expect(await poll(json(200, { access_token: "abc" }))).toMatchObject({
      status: "authorized",
      token: { accessToken: "abc", tokenType: "Bearer" },
    });
  });

  for (const [name, reply] of invalidTokenBodies) {
    it(`200 with ${name} → error invalid_response, never authorized`, async () => {
      const result = await poll(reply);
      expect(result.status).toBe("error");
      expect(result).toMatchObject({ error: "invalid_response", retryable: false });
    });
  }
});
