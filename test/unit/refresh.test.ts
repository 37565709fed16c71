/** refreshToken (RFC 6749 §6) through every provider. */
import { describe, expect, it } from "vitest";
import { refreshToken, type Provider, type RefreshResult } from "../../src/index.ts";
import {
  empty,
  form,
  formFields,
  hang,
  json,
  jsonBody,
  networkFailure,
  scriptedFetch,
  text,
  type Reply,
  type ScriptedFetch,
} from "../support/fake-fetch.ts";
import {
  faktsProvider,
  RFC_TOKEN_ENDPOINT,
  rfcProvider,
  TRAKT_CLIENT_ID,
  TRAKT_SECRET,
  traktProvider,
  TRANSPARENC_BASE,
  transparencProvider,
} from "../support/fixtures.ts";

const newToken = {
  access_token: "new-access-token",
  token_type: "Bearer",
  expires_in: 3600,
  refresh_token: "new-refresh-token",
  scope: "read",
};

async function refreshWith(
  make: (fake: ScriptedFetch) => Provider,
  reply: Reply,
  scope?: string,
): Promise<{ fake: ScriptedFetch; result: RefreshResult }> {
  const fake = scriptedFetch([reply]);
  const result = await refreshToken(
    make(fake),
    "old-refresh-token",
    scope === undefined ? {} : { scope },
  );
  expect(fake.requests).toHaveLength(1);
  return { fake, result };
}

describe("RFC 8628 provider", () => {
  it("posts grant_type=refresh_token, the token and the scope as a form", async () => {
    const { fake, result } = await refreshWith((f) => rfcProvider(f), json(200, newToken), "read");
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(RFC_TOKEN_ENDPOINT);
    expect(request?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request && formFields(request)).toEqual([
      ["grant_type", "refresh_token"],
      ["refresh_token", "old-refresh-token"],
      ["scope", "read"],
      ["client_id", "device-client"],
    ]);
    expect(result).toMatchObject({
      status: "authorized",
      token: {
        accessToken: "new-access-token",
        refreshToken: "new-refresh-token",
        expiresIn: 3600,
        scope: "read",
      },
    });
  });

  it("without a scope sends none", async () => {
    const { fake } = await refreshWith((f) => rfcProvider(f), json(200, newToken));
    expect(fake.requests[0] && form(fake.requests[0])).not.toHaveProperty("scope");
  });

  it("an answer without a new refresh_token keeps the old one", async () => {
    const { refresh_token: _, ...withoutRefresh } = newToken;
    const { result } = await refreshWith((f) => rfcProvider(f), json(200, withoutRefresh));
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: "new-access-token", refreshToken: "old-refresh-token" },
    });
  });

  it("an empty refresh_token also keeps the old one", async () => {
    const { result } = await refreshWith(
      (f) => rfcProvider(f),
      json(200, { ...newToken, refresh_token: "" }),
    );
    expect(result.status === "authorized" && result.token.refreshToken).toBe("old-refresh-token");
  });

  const errors: [string, Reply, Record<string, unknown>][] = [
    [
      "400 invalid_grant",
      json(400, { error: "invalid_grant", error_description: "revoked" }),
      { error: "invalid_grant", description: "revoked", httpStatus: 400, retryable: false },
    ],
    [
      "401 invalid_client",
      json(401, { error: "invalid_client" }),
      { error: "invalid_client", httpStatus: 401, retryable: false },
    ],
    [
      "200 carrying an error",
      json(200, { error: "invalid_grant" }),
      { error: "invalid_grant", httpStatus: 200, retryable: false },
    ],
    [
      "200 with an invalid token",
      json(200, { token_type: "Bearer" }),
      { error: "invalid_response", retryable: false },
    ],
    ["503", text(503, "down"), { error: "server_error", httpStatus: 503, retryable: true }],
    [
      "429 with Retry-After",
      empty(429, { "Retry-After": "8" }),
      { error: "rate_limited", retryable: true, retryAfter: 8 },
    ],
    ["a network failure", networkFailure(), { error: "network_error", retryable: true }],
  ];
  for (const [name, reply, expected] of errors) {
    it(`${name} → error`, async () => {
      const { result } = await refreshWith((f) => rfcProvider(f), reply);
      expect(result).toMatchObject({ status: "error", ...expected });
    });
  }

  it("an abort rejects with the signal's reason", async () => {
    const fake = scriptedFetch([hang()]);
    const controller = new AbortController();
    const refreshing = refreshToken(rfcProvider(fake), "rt", { signal: controller.signal });
    await fake.whenRequested(1);
    const reason = new Error("cancelled");
    controller.abort(reason);
    await expect(refreshing).rejects.toBe(reason);
  });
});

describe("Trakt", () => {
  it("posts JSON to /oauth/token with redirect_uri and grant_type", async () => {
    const { fake, result } = await refreshWith(
      (f) => traktProvider(f),
      json(200, { ...newToken, token_type: "bearer", created_at: 1_700_000_000 }),
    );
    const [request] = fake.requests;
    expect(request?.url).toBe("https://auth.trakt.tv/oauth/token");
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request?.headers.get("trakt-api-version")).toBe("2");
    expect(request?.headers.get("trakt-api-key")).toBe(TRAKT_CLIENT_ID);
    expect(request && jsonBody(request)).toEqual({
      refresh_token: "old-refresh-token",
      client_id: TRAKT_CLIENT_ID,
      client_secret: TRAKT_SECRET,
      redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
      grant_type: "refresh_token",
    });
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: "new-access-token", tokenType: "Bearer" },
    });
  });

  it("an answer without a new refresh_token keeps the old one", async () => {
    const { result } = await refreshWith(
      (f) => traktProvider(f),
      json(200, { access_token: "a", token_type: "bearer" }),
    );
    expect(result.status === "authorized" && result.token.refreshToken).toBe("old-refresh-token");
  });

  it("400 {error, error_description} → error", async () => {
    const { result } = await refreshWith(
      (f) => traktProvider(f),
      json(400, { error: "invalid_grant", error_description: "expired" }),
    );
    expect(result).toEqual({
      status: "error",
      error: "invalid_grant",
      description: "expired",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("401 {error: invalid_client} → error", async () => {
    const { result } = await refreshWith(
      (f) => traktProvider(f),
      json(401, { error: "invalid_client" }),
    );
    expect(result).toMatchObject({
      status: "error",
      error: "invalid_client",
      httpStatus: 401,
      retryable: false,
    });
  });
});

describe("Transparenc", () => {
  it("posts grant_type=refresh_token with the client id to the token path", async () => {
    const { fake, result } = await refreshWith((f) => transparencProvider(f), json(200, newToken));
    const [request] = fake.requests;
    expect(request?.url).toBe(`${TRANSPARENC_BASE}/api/v1/oauth/token/`);
    expect(request?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request && form(request)).toEqual({
      grant_type: "refresh_token",
      client_id: "tv-app",
      refresh_token: "old-refresh-token",
    });
    expect(request && formFields(request).filter(([name]) => name === "grant_type")).toHaveLength(
      1,
    );
    expect(result.status).toBe("authorized");
  });

  it("an answer without a new refresh_token keeps the old one", async () => {
    const { result } = await refreshWith(
      (f) => transparencProvider(f),
      json(200, { access_token: "a", expires_in: 60 }),
    );
    expect(result).toMatchObject({
      status: "authorized",
      token: { refreshToken: "old-refresh-token", tokenType: "Bearer" },
    });
  });

  const errors: [string, Reply, Record<string, unknown>][] = [
    [
      "400 invalid_grant",
      json(400, { error: "invalid_grant" }),
      { error: "invalid_grant", retryable: false },
    ],
    [
      "400 {detail}",
      json(400, { detail: "Malformed request." }),
      { error: "invalid_request", retryable: false },
    ],
    [
      "400 field errors",
      json(400, { refresh_token: ["This field is required."] }),
      {
        error: "invalid_request",
        description: "refresh_token: This field is required.",
        retryable: false,
      },
    ],
    [
      "415 {detail}",
      json(415, { detail: "Unsupported media type" }),
      { error: "unsupported_media_type", retryable: false },
    ],
    ["500", empty(500), { error: "server_error", retryable: true }],
  ];
  for (const [name, reply, expected] of errors) {
    it(`${name} → error`, async () => {
      const { result } = await refreshWith((f) => transparencProvider(f), reply);
      expect(result).toMatchObject({ status: "error", ...expected });
    });
  }
});

describe("fakts", () => {
  it("issues no refresh tokens: unsupported_grant_type, and nothing is sent", async () => {
    const fake = scriptedFetch([]);
    const result = await refreshToken(faktsProvider(fake), "anything");
    expect(result).toMatchObject({
      status: "error",
      error: "unsupported_grant_type",
      retryable: false,
    });
    expect(fake.requests).toHaveLength(0);
  });
});
