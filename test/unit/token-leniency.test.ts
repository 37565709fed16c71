/**
 * "Strict about what makes a token, lenient about everything else" (README, issue 11 point 1):
 * one test per field shape real servers send. A device code is single-use, so a token the
 * server issued and the SDK refused is gone for good: every answer here must stay `authorized`.
 */
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  pollForToken,
  refreshToken,
  type PollResult,
  type TokenSet,
} from "../../src/index.ts";
import { form, json, scriptedFetch, text, type Reply } from "../support/fake-fetch.ts";
import { authorizationAt, rfcProvider, traktProvider, transparencProvider } from "../support/fixtures.ts";

const TEN_YEARS_S = 10 * 365 * 86_400;

async function token(reply: Reply): Promise<TokenSet> {
  const fake = scriptedFetch([reply]);
  const result: PollResult = await pollForToken(rfcProvider(fake), authorizationAt(Date.now()));
  if (result.status !== "authorized") throw new Error(`lost the token: ${JSON.stringify(result)}`);
  return result.token;
}

const base = { access_token: "issued-token", token_type: "Bearer" };

describe("expires_in", () => {
  it.each([
    ["an integer", 3599, 3599],
    ["a float (floored)", 3599.7, 3599],
    ["a digit string (Entra v1, ADFS)", "3599", 3599],
    ["a digit string with spaces", " 3599 ", 3599],
    ["a decimal string", "3599.5", 3599],
    ["absurdly large (clamped to ten years)", 1e13, TEN_YEARS_S],
    ["larger than any number (clamped)", 1e308, TEN_YEARS_S],
  ])("%s → expiresIn %s", async (_, expiresIn, expected) => {
    const before = Date.now();
    const set = await token(json(200, { ...base, expires_in: expiresIn }));
    expect(set.expiresIn).toBe(expected);
    expect(set.expiresAt).toBeGreaterThanOrEqual(before + expected * 1000);
    expect(() => new Date(set.expiresAt as number).toISOString()).not.toThrow();
  });

  it.each([
    ["null", null],
    ["words", "an hour"],
    ["negative", -5],
    ["a boolean", true],
    ["an object", { seconds: 5 }],
  ])("%s → not said: the token is kept without an expiry", async (_, expiresIn) => {
    const set = await token(json(200, { ...base, expires_in: expiresIn }));
    expect(set.accessToken).toBe("issued-token");
    expect(set.expiresIn).toBeUndefined();
    expect(set.expiresAt).toBeUndefined();
  });
});

describe("token_type", () => {
  it.each([
    ["missing", undefined, "Bearer"],
    ["null", null, "Bearer"],
    ["lowercase bearer (GitHub, Twitch, Trakt)", "bearer", "Bearer"],
    ["BEARER", "BEARER", "Bearer"],
    ["another scheme, kept", "DPoP", "DPoP"],
    ["not a string", 7, "Bearer"],
  ])("%s → %s", async (_, tokenType, expected) => {
    const set = await token(json(200, { access_token: "issued-token", token_type: tokenType }));
    expect(set.tokenType).toBe(expected);
  });
});

describe("scope", () => {
  it.each([
    ["space-separated (RFC 6749 §3.3)", "openid offline_access", "openid offline_access"],
    ["comma-separated (GitHub OAuth apps)", "repo,gist", "repo gist"],
    ["comma and space", "repo, gist ,user", "repo gist user"],
    ["a JSON array (Twitch)", ["channel:read:subscriptions", "user:read:email"], "channel:read:subscriptions user:read:email"],
    ["an empty string (GitHub Apps)", "", ""],
  ])("%s → %j", async (_, scope, expected) => {
    const set = await token(json(200, { ...base, scope }));
    expect(set.scope).toBe(expected);
  });

  it.each([
    ["null", null],
    ["a number", 5],
  ])("%s → absent", async (_, scope) => {
    expect((await token(json(200, { ...base, scope }))).scope).toBeUndefined();
  });
});

describe("optional secrets", () => {
  it.each([
    ["null refresh_token", { refresh_token: null }],
    ["empty refresh_token", { refresh_token: "" }],
    ["numeric refresh_token", { refresh_token: 12 }],
  ])("%s → no refreshToken, token kept", async (_, fields) => {
    const set = await token(json(200, { ...base, ...fields }));
    expect(set.refreshToken).toBeUndefined();
    expect(set.accessToken).toBe("issued-token");
  });

  it("null id_token → absent", async () => {
    expect((await token(json(200, { ...base, id_token: null }))).idToken).toBeUndefined();
  });

  it("every field as it came stays in raw", async () => {
    const body = { ...base, expires_in: "3599", refresh_token: null, ext_expires_in: 3599, foo: [1] };
    expect((await token(json(200, body))).raw).toEqual(body);
  });
});

describe("content types", () => {
  it("a form-urlencoded body with string numbers (GitHub's default)", async () => {
    const set = await token(
      text(200, "access_token=ghu_abc&expires_in=28800&refresh_token=ghr_def&refresh_token_expires_in=15811200&scope=&token_type=bearer", {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      }),
    );
    expect(set).toMatchObject({ accessToken: "ghu_abc", expiresIn: 28800, refreshToken: "ghr_def", scope: "", tokenType: "Bearer" });
  });

  it("JSON sent as text/plain is still JSON", async () => {
    const set = await token(text(200, JSON.stringify({ ...base, expires_in: 60 }), { "content-type": "text/plain" }));
    expect(set.expiresIn).toBe(60);
  });
});

describe("every provider keeps the token", () => {
  const body = { access_token: "issued-token", expires_in: "3599", refresh_token: null };
  it.each([
    ["trakt", traktProvider],
    ["transparenc", transparencProvider],
  ])("%s", async (_, make) => {
    const fake = scriptedFetch([json(200, body)]);
    const result = await pollForToken(make(fake), authorizationAt(Date.now()));
    expect(result).toMatchObject({ status: "authorized", token: { accessToken: "issued-token", expiresIn: 3599 } });
  });

  it("refresh answers are read as leniently", async () => {
    const fake = scriptedFetch([json(200, { access_token: "new", expires_in: "60", refresh_token: null })]);
    const result = await refreshToken(rfcProvider(fake), "old-refresh");
    expect(result).toMatchObject({ status: "authorized", token: { accessToken: "new", expiresIn: 60, refreshToken: "old-refresh" } });
  });
});

describe("what is not a token", () => {
  it("carries the body, redacted when inspected", async () => {
    const fake = scriptedFetch([json(200, { token: "not-the-field-name", expires_in: 60 })]);
    const result = await pollForToken(rfcProvider(fake), authorizationAt(Date.now()));
    expect(result).toMatchObject({ status: "error", error: "invalid_response", raw: { token: "not-the-field-name" } });
    const { inspect } = await import("node:util");
    expect(inspect(result)).not.toContain("not-the-field-name");
  });

  it("has the request's own secrets scrubbed from it, what the server issued kept", async () => {
    const authorization = authorizationAt(Date.now());
    const fake = scriptedFetch([
      json(200, { echoed: `device_code=${authorization.deviceCode}`, nested: [{ token: "issued-elsewhere" }] }),
    ]);
    const result = await pollForToken(rfcProvider(fake), authorization);
    expect(result).toMatchObject({ status: "error", error: "invalid_response" });
    expect(JSON.stringify(result)).not.toContain(authorization.deviceCode);
    expect(result).toMatchObject({ raw: { echoed: "device_code=[redacted]", nested: [{ token: "issued-elsewhere" }] } });
  });

  it("refreshToken without a refresh token is a ConfigurationError, and no request", async () => {
    const fake = scriptedFetch([json(200, base)]);
    await expect(refreshToken(rfcProvider(fake), undefined as unknown as string)).rejects.toBeInstanceOf(ConfigurationError);
    await expect(refreshToken(rfcProvider(fake), "")).rejects.toMatchObject({ code: "invalid_option" });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("the open table and the request body", () => {
  it("errorCodes adds rows and overrides the RFC's", async () => {
    const fake = scriptedFetch([
      json(400, { error: "authorization_declined" }),
      json(400, { error: "invalid_grant" }),
      json(400, { error: "device_flow_disabled", error_description: "Device Flow is off" }),
    ]);
    const provider = rfcProvider(fake, {
      errorCodes: { authorization_declined: "denied", invalid_grant: "expired", device_flow_disabled: { fix: "enable it in the app's settings" } },
    });
    const authorization = authorizationAt(Date.now());
    expect(await pollForToken(provider, authorization)).toEqual({ status: "denied" });
    expect(await pollForToken(provider, authorization)).toEqual({ status: "expired" });
    expect(await pollForToken(provider, authorization)).toEqual({
      status: "error",
      error: "device_flow_disabled",
      description: "Device Flow is off (enable it in the app's settings)",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("extraParams are never overwritten by an absent option", async () => {
    const fake = scriptedFetch([json(200, { device_code: "d", user_code: "U", verification_uri: "https://x.example/", expires_in: 60 })]);
    const provider = rfcProvider(fake, { extraParams: { scope: "from-extra", audience: "api://from-extra" } });
    const { startDeviceAuthorization } = await import("../../src/index.ts");
    await startDeviceAuthorization(provider);
    expect(form(fake.requests[0]!)).toMatchObject({ scope: "from-extra", audience: "api://from-extra", client_id: "device-client" });
  });
});
