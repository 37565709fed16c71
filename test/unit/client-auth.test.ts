/**
 * Client authentication (RFC 6749 §2.3.1): the Basic header form-encodes id and secret before
 * base64; client_secret_post puts both in the body; a public client sends its id only. The secret
 * never appears in a URL.
 */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  type Provider,
} from "../../src/index.ts";
import {
  json,
  jsonBody,
  scriptedFetch,
  type RecordedRequest,
  type ScriptedFetch,
} from "../support/fake-fetch.ts";
import {
  authorizationAt,
  rfcProvider,
  TRAKT_CLIENT_ID,
  TRAKT_SECRET,
  traktProvider,
  type Rfc8628Extra,
} from "../support/fixtures.ts";

// Space, ':', '%', '+', '&', '=', '/', and non-ASCII (2-, 3- and 4-byte UTF-8).
const CLIENT_ID = "my app:id %+&=/é";
const CLIENT_SECRET = "s3 cr:et%2B+ü€😀";

/**
 * application/x-www-form-urlencoded (RFC 6749 Appendix B), computed independently of the SDK:
 * percent-encode as encodeURIComponent does, then write space as '+'. (The two agree on every
 * character used above.)
 */
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, " "));

const deviceAuthorization = json(200, {
  device_code: "dc",
  user_code: "UC",
  verification_uri: "https://auth.example.org/device",
  expires_in: 600,
});
const pending = json(400, { error: "authorization_pending" });
const refreshed = json(200, { access_token: "at-2", token_type: "Bearer" });

/** Sends one request of each kind (device authorization, token, refresh) through `extra`'s auth. */
async function everyRequest(extra: Rfc8628Extra): Promise<ScriptedFetch> {
  const fake = scriptedFetch([deviceAuthorization, pending, refreshed]);
  const provider = rfcProvider(fake, { clientId: CLIENT_ID, ...extra });
  await startDeviceAuthorization(provider, { scope: "openid" });
  expect(await pollForToken(provider, authorizationAt(Date.now()))).toEqual({ status: "pending" });
  expect((await refreshToken(provider, "rt-1")).status).toBe("authorized");
  expect(fake.requests).toHaveLength(3);
  return fake;
}

function bodyFields(request: RecordedRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

function expectSecretNotInUrls(fake: ScriptedFetch): void {
  for (const request of fake.requests) {
    expect(request.url).not.toContain(CLIENT_SECRET);
    expect(request.url).not.toContain(formEncode(CLIENT_SECRET));
    expect(request.url).not.toContain(encodeURIComponent(CLIENT_SECRET));
    expect(new URL(request.url).search).toBe("");
  }
}

describe("client_secret_basic", () => {
  it("the header is base64(formUrlEncode(id) ':' formUrlEncode(secret)) on every request", async () => {
    const fake = await everyRequest({
      clientSecret: CLIENT_SECRET,
      clientAuth: "client_secret_basic",
    });
    const expected = `${formEncode(CLIENT_ID)}:${formEncode(CLIENT_SECRET)}`;
    // Spelled out, so a mistake in formEncode above cannot hide one in the SDK.
    expect(expected).toBe(
      "my+app%3Aid+%25%2B%26%3D%2F%C3%A9:s3+cr%3Aet%252B%2B%C3%BC%E2%82%AC%F0%9F%98%80",
    );
    for (const request of fake.requests) {
      const header = request.headers.get("authorization") ?? "";
      expect(header.startsWith("Basic ")).toBe(true);
      const decoded = Buffer.from(header.slice("Basic ".length), "base64").toString("latin1");
      expect(decoded).toBe(expected);
      // The only raw ':' is the separator, and each half decodes back to the original.
      const [id, secret, ...rest] = decoded.split(":");
      expect(rest).toEqual([]);
      expect(formDecode(id ?? "")).toBe(CLIENT_ID);
      expect(formDecode(secret ?? "")).toBe(CLIENT_SECRET);
      // The secret travels in the header only; the id is in the body as well (RFC 6749 §3.2.1
      // allows it; Google requires it, and Authlib files the device code under it).
      expect(bodyFields(request).has("client_secret")).toBe(false);
      expect(bodyFields(request).get("client_id")).toBe(CLIENT_ID);
      expect(request.body).not.toContain(formEncode(CLIENT_SECRET));
    }
    expectSecretNotInUrls(fake);
  });

  it("is the default when a secret is given", async () => {
    const fake = await everyRequest({ clientSecret: CLIENT_SECRET });
    for (const request of fake.requests) {
      expect(request.headers.get("authorization")).toMatch(/^Basic /);
      expect(bodyFields(request).has("client_secret")).toBe(false);
    }
  });

  it("a plain ASCII pair gives the familiar header", async () => {
    const fake = scriptedFetch([pending]);
    const provider = rfcProvider(fake, {
      clientId: "s6BhdRkqt3",
      clientSecret: "7Fjfp0ZBr1KtDRbnfVdmIw",
    });
    await pollForToken(provider, authorizationAt(Date.now()));
    // RFC 6749 §2.3.1's own example.
    expect(fake.requests[0]?.headers.get("authorization")).toBe(
      "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3",
    );
  });
});

describe("client_secret_post", () => {
  it("puts client_id and client_secret in every form body, and sends no Authorization", async () => {
    const fake = await everyRequest({
      clientSecret: CLIENT_SECRET,
      clientAuth: "client_secret_post",
    });
    for (const request of fake.requests) {
      expect(request.headers.has("authorization")).toBe(false);
      const fields = bodyFields(request);
      expect(fields.getAll("client_id")).toEqual([CLIENT_ID]);
      expect(fields.getAll("client_secret")).toEqual([CLIENT_SECRET]);
      expect(request.body).toContain(`client_secret=${formEncode(CLIENT_SECRET)}`);
    }
    expectSecretNotInUrls(fake);
  });
});

describe("public client (none)", () => {
  it("sends client_id only: no secret, no Authorization", async () => {
    const fake = await everyRequest({});
    for (const request of fake.requests) {
      expect(request.headers.has("authorization")).toBe(false);
      const fields = bodyFields(request);
      expect(fields.getAll("client_id")).toEqual([CLIENT_ID]);
      expect(fields.has("client_secret")).toBe(false);
    }
  });

  it("clientAuth none ignores a secret that was given", async () => {
    const fake = await everyRequest({ clientSecret: CLIENT_SECRET, clientAuth: "none" });
    for (const request of fake.requests) {
      expect(request.headers.has("authorization")).toBe(false);
      expect(bodyFields(request).has("client_secret")).toBe(false);
      expect(request.body).not.toContain(formEncode(CLIENT_SECRET));
    }
  });
});

describe("misconfiguration", () => {
  for (const clientAuth of ["client_secret_basic", "client_secret_post"] as const) {
    it(`${clientAuth} without a secret is a ConfigurationError`, () => {
      const fake = scriptedFetch([]);
      let failure: unknown;
      try {
        rfcProvider(fake, { clientAuth });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(ConfigurationError);
      expect(failure).toMatchObject({ code: "invalid_option" });
    });
  }
});

describe("Trakt", () => {
  it("puts client_secret in the JSON body of the poll and the refresh, never in the URL or a header", async () => {
    const fake = scriptedFetch([
      json(400, {}),
      json(200, { access_token: "a", token_type: "bearer" }),
    ]);
    const provider: Provider = traktProvider(fake);
    await pollForToken(provider, authorizationAt(Date.now()));
    await refreshToken(provider, "rt");
    for (const request of fake.requests) {
      expect(jsonBody(request)).toMatchObject({
        client_id: TRAKT_CLIENT_ID,
        client_secret: TRAKT_SECRET,
      });
      expect(request.url).not.toContain(TRAKT_SECRET);
      for (const [, value] of request.headers) expect(value).not.toContain(TRAKT_SECRET);
    }
  });

  it("the device code request carries the client id only", async () => {
    const fake = scriptedFetch([
      json(200, {
        device_code: "dc",
        user_code: "UC",
        verification_url: "https://trakt.tv/activate",
        expires_in: 600,
        interval: 5,
      }),
    ]);
    await startDeviceAuthorization(traktProvider(fake));
    expect(fake.requests[0] && jsonBody(fake.requests[0])).toEqual({ client_id: TRAKT_CLIENT_ID });
    expect(fake.requests[0]?.body).not.toContain(TRAKT_SECRET);
  });
});
