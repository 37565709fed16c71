/** startDeviceAuthorization (RFC 8628 §3.1–3.2), its typed errors, and RFC 8414 discovery. */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ConfigurationError,
  DeviceFlowError,
  fakts,
  NetworkError,
  OAuthError,
  pollForToken,
  ResponseError,
  rfc8628,
  startDeviceAuthorization,
  trakt,
  transparenc,
  type DeviceAuthorization,
  type Provider,
} from "../../src/index.ts";
import {
  empty,
  formFields,
  json,
  jsonBody,
  networkFailure,
  scriptedFetch,
  text,
  type Reply,
  type ScriptedFetch,
} from "../support/fake-fetch.ts";
import {
  RFC_DEVICE_ENDPOINT,
  rfcProvider,
  TRAKT_CLIENT_ID,
  traktProvider,
  TRANSPARENC_BASE,
  transparencProvider,
  type Rfc8628Extra,
} from "../support/fixtures.ts";

const complete = {
  device_code: "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
  user_code: "WDJB-MJHT",
  verification_uri: "https://auth.example.org/device",
  verification_uri_complete: "https://auth.example.org/device?user_code=WDJB-MJHT",
  expires_in: 1800,
  interval: 7,
};

async function start(reply: Reply, extra: Rfc8628Extra = {}): Promise<DeviceAuthorization> {
  return startDeviceAuthorization(rfcProvider(scriptedFetch([reply]), extra));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe("RFC 8628 start", () => {
  it("posts the form of §3.1 and normalises §3.2's answer", async () => {
    const fake = scriptedFetch([json(200, complete)]);
    const provider = rfcProvider(fake, {
      audience: "https://api.example.org",
      extraParams: { resource: ["https://a.example.org/", "https://b.example.org/"] },
    });
    const authorization = await startDeviceAuthorization(provider, {
      scope: "openid offline_access",
    });
    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(RFC_DEVICE_ENDPOINT);
    expect(request?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request && formFields(request)).toEqual([
      ["resource", "https://a.example.org/"],
      ["resource", "https://b.example.org/"],
      ["scope", "openid offline_access"],
      ["audience", "https://api.example.org"],
      ["client_id", "device-client"],
    ]);
    expect(authorization).toMatchObject({
      deviceCode: complete.device_code,
      userCode: complete.user_code,
      verificationUri: complete.verification_uri,
      verificationUriComplete: complete.verification_uri_complete,
      expiresIn: 1800,
      interval: 7,
    });
  });

  it("leaves out absent optional fields", async () => {
    const fake = scriptedFetch([json(200, complete)]);
    await startDeviceAuthorization(rfcProvider(fake));
    expect(fake.requests[0] && formFields(fake.requests[0])).toEqual([
      ["client_id", "device-client"],
    ]);
  });

  it("interval is 5 when the server sends none (§3.2)", async () => {
    const { interval: _, verification_uri_complete: __, ...minimal } = complete;
    const authorization = await start(json(200, minimal));
    expect(authorization.interval).toBe(5);
    expect(authorization.verificationUriComplete).toBeUndefined();
  });

  for (const [sent, used] of [
    [0, 5],
    [-1, 5],
    [10_000, 1800],
  ] as const) {
    it(`interval ${sent} is used as ${used}`, async () => {
      expect((await start(json(200, { ...complete, interval: sent }))).interval).toBe(used);
    });
  }

  it("expires_in is clamped to a day", async () => {
    const authorization = await start(json(200, { ...complete, expires_in: 10_000_000 }));
    expect(authorization.expiresIn).toBe(86_400);
  });

  it("expiresAt is anchored at the response's arrival, not at the request", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const sentAt = Date.UTC(2030, 5, 1, 12, 0, 0);
    vi.setSystemTime(sentAt);
    const slowServer: Reply = async (request) => {
      vi.setSystemTime(sentAt + 3000); // the answer takes 3 s to arrive
      return json(200, complete)(request);
    };
    const authorization = await start(slowServer);
    expect(authorization.expiresAt).toBe(sentAt + 3000 + 1800 * 1000);
  });

  it("accepts Google's verification_url", async () => {
    const { verification_uri: _, verification_uri_complete: __, ...rest } = complete;
    const authorization = await start(
      json(200, { ...rest, verification_url: "https://www.google.com/device" }),
    );
    expect(authorization.verificationUri).toBe("https://www.google.com/device");
  });

  it("prefers verification_uri when both are sent", async () => {
    const authorization = await start(
      json(200, { ...complete, verification_url: "https://other.example.org/" }),
    );
    expect(authorization.verificationUri).toBe(complete.verification_uri);
  });
});

describe("start: typed errors", () => {
  it("400 {error} → OAuthError with code, description and status", async () => {
    const error = await failure(
      start(
        json(400, { error: "invalid_scope", error_description: "The requested scope is invalid." }),
      ),
    );
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toBeInstanceOf(DeviceFlowError);
    expect(error).toMatchObject({
      code: "invalid_scope",
      description: "The requested scope is invalid.",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("401 invalid_client → OAuthError", async () => {
    const error = await failure(
      start(json(401, { error: "invalid_client" }, { "WWW-Authenticate": "Basic" })),
    );
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: "invalid_client", httpStatus: 401 });
  });

  it("200 carrying {error} (GitHub) → OAuthError, not an authorization", async () => {
    const error = await failure(start(json(200, { error: "unauthorized_client" })));
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: "unauthorized_client", httpStatus: 200 });
  });

  it("5xx → ResponseError server_error, retryable", async () => {
    const error = await failure(start(text(503, "<html>down</html>", { "Retry-After": "9" })));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({
      code: "server_error",
      httpStatus: 503,
      retryable: true,
      retryAfter: 9,
    });
  });

  it("429 → ResponseError rate_limited, retryable", async () => {
    const error = await failure(start(empty(429)));
    expect(error).toMatchObject({ code: "rate_limited", httpStatus: 429, retryable: true });
  });

  it("a network failure → NetworkError, retryable", async () => {
    const error = await failure(start(networkFailure()));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: "network_error", retryable: true });
  });

  const invalidBodies: [string, unknown][] = [
    ["no user_code", { ...complete, user_code: undefined }],
    ["no device_code", { ...complete, device_code: undefined }],
    ["an empty device_code", { ...complete, device_code: "" }],
    ["no expires_in", { ...complete, expires_in: undefined }],
    ["expires_in as words", { ...complete, expires_in: "half an hour" }],
    ["a negative expires_in", { ...complete, expires_in: -1 }],
    ["an array", [complete]],
  ];
  for (const [name, body] of invalidBodies) {
    it(`a body with ${name} → ResponseError invalid_response`, async () => {
      const error = await failure(start(json(200, body)));
      expect(error).toBeInstanceOf(ResponseError);
      expect(error).toMatchObject({ code: "invalid_response", retryable: false });
    });
  }

  // The real wire (Entra v1, GitHub's form bodies) sends numbers as strings: read leniently.
  it.each([
    ["expires_in and interval as strings", { expires_in: "1800", interval: "7" }, 1800, 7],
    ["a fractional interval", { interval: 2.5 }, 1800, 2.5],
    ["expires_in 0, clamped to 1 s", { expires_in: 0, interval: 1 }, 1, 1],
    ["a null interval, read as 5 s", { interval: null }, 1800, 5],
  ])("a body with %s is accepted", async (_, fields, expiresIn, interval) => {
    const authorization = await start(json(200, { ...complete, ...fields }));
    expect(authorization).toMatchObject({ expiresIn, interval });
  });

  it("a form-urlencoded answer (GitHub without Accept: application/json) is read as well", async () => {
    const authorization = await start(
      text(200, "device_code=3584d8&user_code=WDJB-MJHT&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=900&interval=5", {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      }),
    );
    expect(authorization).toMatchObject({
      deviceCode: "3584d8",
      userCode: "WDJB-MJHT",
      verificationUri: "https://github.com/login/device",
      expiresIn: 900,
      interval: 5,
    });
  });

  it("Entra's message is kept, without control characters", async () => {
    const authorization = await start(json(200, { ...complete, message: "To sign in, open\u001b[2J the page\n now." }));
    expect(authorization.message).toBe("To sign in, open the page  now.");
  });

  it("every request asks for JSON (GitHub answers form-urlencoded otherwise)", async () => {
    const fake = scriptedFetch([json(200, complete)]);
    await startDeviceAuthorization(rfcProvider(fake));
    expect(fake.requests[0]?.headers.get("accept")).toBe("application/json");
  });

  it("a body that is not JSON → ResponseError invalid_response, with its status", async () => {
    const error = await failure(start(text(200, "<html>login</html>")));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({ code: "invalid_response", httpStatus: 200 });
  });

  const badUris: [string, Record<string, unknown>][] = [
    ["a javascript: verification_uri", { verification_uri: "javascript:alert(1)" }],
    ["a file: verification_uri", { verification_uri: "file:///etc/passwd" }],
    ["a relative verification_uri", { verification_uri: "/device" }],
    ["no verification_uri at all", { verification_uri: undefined }],
    [
      "a data: verification_uri_complete",
      { verification_uri_complete: "data:text/html,<script>x</script>" },
    ],
  ];
  for (const [name, change] of badUris) {
    it(`${name} is refused (ResponseError invalid_response)`, async () => {
      const error = await failure(start(json(200, { ...complete, ...change })));
      expect(error).toBeInstanceOf(ResponseError);
      expect(error).toMatchObject({ code: "invalid_response" });
    });
  }

  it("a plain-http verification URI is fine (it is only shown to the user)", async () => {
    const authorization = await start(
      json(200, { ...complete, verification_uri: "http://device.example.org/" }),
    );
    expect(authorization.verificationUri).toBe("http://device.example.org/");
  });
});

describe("plain http to a host that is not loopback", () => {
  const construct: [string, (fake: ScriptedFetch, insecure: boolean) => Provider][] = [
    [
      "rfc8628 endpoints",
      (fake, insecure) =>
        rfc8628({
          deviceAuthorizationEndpoint: "http://auth.example.org/device",
          tokenEndpoint: "http://auth.example.org/token",
          clientId: "c",
          fetch: fake.fetch,
          allowInsecureRequests: insecure,
        }),
    ],
    [
      "rfc8628 issuer",
      (fake, insecure) =>
        rfc8628({
          issuer: "http://auth.example.org",
          clientId: "c",
          fetch: fake.fetch,
          allowInsecureRequests: insecure,
        }),
    ],
    [
      "trakt",
      (fake, insecure) =>
        trakt({
          clientId: "c",
          clientSecret: "s",
          baseUrl: "http://api.trakt.tv",
          fetch: fake.fetch,
          allowInsecureRequests: insecure,
        }),
    ],
    [
      "transparenc",
      (fake, insecure) =>
        transparenc({
          baseUrl: "http://transparenc.example.org",
          clientId: "c",
          deviceType: "tv",
          deviceOs: "linux",
          fetch: fake.fetch,
          allowInsecureRequests: insecure,
        }),
    ],
    [
      "fakts",
      (fake, insecure) =>
        fakts({
          baseUrl: "http://arkitekt.example.org/f/",
          manifest: { identifier: "a", version: "1" },
          fetch: fake.fetch,
          allowInsecureRequests: insecure,
        }),
    ],
  ];
  for (const [name, make] of construct) {
    it(`${name}: ConfigurationError insecure_url, and nothing is sent`, () => {
      const fake = scriptedFetch([]);
      let error: unknown;
      try {
        make(fake, false);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: "insecure_url" });
      expect(fake.requests).toHaveLength(0);
    });

    it(`${name}: allowed with allowInsecureRequests`, () => {
      expect(() => make(scriptedFetch([]), true)).not.toThrow();
    });
  }

  it("allowInsecureRequests really sends the request over http", async () => {
    const fake = scriptedFetch([json(200, complete)]);
    const provider = rfc8628({
      deviceAuthorizationEndpoint: "http://auth.example.org/device",
      tokenEndpoint: "http://auth.example.org/token",
      clientId: "c",
      fetch: fake.fetch,
      allowInsecureRequests: true,
    });
    await startDeviceAuthorization(provider);
    expect(fake.requests[0]?.url).toBe("http://auth.example.org/device");
  });

  for (const host of ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"]) {
    it(`loopback ${host} needs no flag`, async () => {
      const fake = scriptedFetch([json(200, complete)]);
      const provider = rfc8628({
        deviceAuthorizationEndpoint: `http://${host}:8080/device`,
        tokenEndpoint: `http://${host}:8080/token`,
        clientId: "c",
        fetch: fake.fetch,
      });
      await startDeviceAuthorization(provider);
      expect(fake.requests[0]?.url).toBe(`http://${host}:8080/device`);
    });
  }

  for (const url of ["ftp://auth.example.org/device", "not a url"]) {
    it(`${url} is a ConfigurationError invalid_url`, () => {
      expect(() =>
        rfc8628({
          deviceAuthorizationEndpoint: url,
          tokenEndpoint: url,
          clientId: "c",
          fetch: scriptedFetch([]).fetch,
        }),
      ).toThrow(expect.objectContaining({ name: "ConfigurationError", code: "invalid_url" }));
    });
  }
});

describe("Trakt and Transparenc start", () => {
  it("Trakt: JSON {client_id} with API headers; verification_url becomes verificationUri", async () => {
    const fake = scriptedFetch([
      json(200, {
        device_code: "d9c126a7706328d8",
        user_code: "5055CC52",
        verification_url: "https://trakt.tv/activate",
        expires_in: 600,
        interval: 5,
      }),
    ]);
    const authorization = await startDeviceAuthorization(traktProvider(fake));
    expect(authorization).toMatchObject({
      deviceCode: "d9c126a7706328d8",
      userCode: "5055CC52",
      verificationUri: "https://trakt.tv/activate",
      expiresIn: 600,
      interval: 5,
    });
    expect(authorization.verificationUriComplete).toBeUndefined();
    const [request] = fake.requests;
    expect(request?.url).toBe("https://auth.trakt.tv/oauth/device/code");
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request?.headers.get("trakt-api-version")).toBe("2");
    expect(request?.headers.get("trakt-api-key")).toBe(TRAKT_CLIENT_ID);
    expect(request && jsonBody(request)).toEqual({ client_id: TRAKT_CLIENT_ID });
  });

  it("Trakt: a 403 → ResponseError http_error", async () => {
    const error = await failure(
      startDeviceAuthorization(traktProvider(scriptedFetch([empty(403)]))),
    );
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({ code: "http_error", httpStatus: 403, retryable: false });
  });

  it("Transparenc: the form carries the device's type and OS", async () => {
    const fake = scriptedFetch([
      json(200, {
        device_code: "4Wm3tQ1kq8b5",
        user_code: "KQZB-7T4M",
        verification_uri: "https://transparenc.example.org/device",
        expires_in: 600,
        interval: 5,
      }),
    ]);
    const authorization = await startDeviceAuthorization(transparencProvider(fake), {
      scope: "read write",
    });
    expect(authorization.verificationUri).toBe("https://transparenc.example.org/device");
    const [request] = fake.requests;
    expect(request?.url).toBe(`${TRANSPARENC_BASE}/api/v1/oauth/device-authorization/`);
    expect(request?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(request && formFields(request)).toEqual([
      ["client_id", "tv-app"],
      ["device_type", "tv"],
      ["device_os", "linux"],
      ["scope", "read write"],
    ]);
  });

  const emptyUri = json(200, {
    device_code: "8Jd2LqX0",
    user_code: "PLMX-2D8R",
    verification_uri: "",
    expires_in: 600,
    interval: 5,
  });

  it("Transparenc: an empty verification_uri falls back to the configured one", async () => {
    const fake = scriptedFetch([emptyUri]);
    const provider = transparencProvider(fake, {
      verificationUri: "https://transparenc.example.org/activate",
    });
    expect((await startDeviceAuthorization(provider)).verificationUri).toBe(
      "https://transparenc.example.org/activate",
    );
  });

  it("Transparenc: an empty verification_uri without a fallback → invalid_response", async () => {
    const error = await failure(
      startDeviceAuthorization(transparencProvider(scriptedFetch([emptyUri]))),
    );
    expect(error).toMatchObject({ name: "ResponseError", code: "invalid_response" });
  });

  it("Transparenc: a DRF field error → ResponseError http_error", async () => {
    const fake = scriptedFetch([json(400, { device_type: ["This field is required."] })]);
    const error = await failure(startDeviceAuthorization(transparencProvider(fake)));
    expect(error).toMatchObject({ code: "http_error", httpStatus: 400, retryable: false });
  });
});

describe("RFC 8414 discovery", () => {
  const metadata = (issuer: string, extra: Record<string, unknown> = {}) => ({
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    device_authorization_endpoint: `${issuer}/oauth/device`,
    ...extra,
  });
  const discovered = (issuer: string, script: Reply[]) => {
    const fake = scriptedFetch(script);
    return { fake, provider: rfc8628({ issuer, clientId: "c", fetch: fake.fetch }) };
  };

  it("an issuer with a path: the well-known segment is inserted before the path (§3.1)", async () => {
    const issuer = "https://auth.example.org/tenant1";
    const { fake, provider } = discovered(issuer, [
      json(200, metadata(issuer)),
      json(200, complete),
    ]);
    await startDeviceAuthorization(provider);
    expect(fake.requests.map((r) => [r.method, r.url])).toEqual([
      ["GET", "https://auth.example.org/.well-known/oauth-authorization-server/tenant1"],
      ["POST", "https://auth.example.org/tenant1/oauth/device"],
    ]);
  });

  it("an issuer without a path", async () => {
    const issuer = "https://auth.example.org";
    const { fake, provider } = discovered(issuer, [
      json(200, metadata(issuer)),
      json(200, complete),
    ]);
    await startDeviceAuthorization(provider);
    expect(fake.requests[0]?.url).toBe(
      "https://auth.example.org/.well-known/oauth-authorization-server",
    );
  });

  it("falls back to OpenID Connect's openid-configuration, appended to the issuer", async () => {
    const issuer = "https://auth.example.org/realms/main";
    const { fake, provider } = discovered(issuer, [
      json(404, { error: "not_found" }),
      json(200, metadata(issuer)),
      json(200, complete),
    ]);
    await startDeviceAuthorization(provider);
    expect(fake.requests.map((r) => r.url)).toEqual([
      "https://auth.example.org/.well-known/oauth-authorization-server/realms/main",
      "https://auth.example.org/realms/main/.well-known/openid-configuration",
      "https://auth.example.org/realms/main/oauth/device",
    ]);
  });

  it("metadata that fails RFC 8414's shape is skipped for the next location", async () => {
    const issuer = "https://auth.example.org";
    const { fake, provider } = discovered(issuer, [
      json(200, { issuer: 42 }),
      json(200, metadata(issuer)),
      json(200, complete),
    ]);
    await startDeviceAuthorization(provider);
    expect(fake.requests).toHaveLength(3);
  });

  it("is done once: a later poll reuses the endpoints", async () => {
    const issuer = "https://auth.example.org";
    const { fake, provider } = discovered(issuer, [
      json(200, metadata(issuer)),
      json(200, complete),
      json(400, { error: "authorization_pending" }),
    ]);
    const authorization = await startDeviceAuthorization(provider);
    expect(await pollForToken(provider, authorization)).toEqual({ status: "pending" });
    expect(fake.requests.map((r) => r.url)).toEqual([
      "https://auth.example.org/.well-known/oauth-authorization-server",
      "https://auth.example.org/oauth/device",
      "https://auth.example.org/oauth/token",
    ]);
  });

  it("a failed discovery is not cached: the next call tries again", async () => {
    const issuer = "https://auth.example.org";
    const { fake, provider } = discovered(issuer, [
      empty(503),
      empty(503),
      json(200, metadata(issuer)),
      json(200, complete),
    ]);
    const error = await failure(startDeviceAuthorization(provider));
    // Both well-known URLs failed for a reason that may pass: retryable.
    expect(error).toMatchObject({ code: "discovery_failed", retryable: true });
    await startDeviceAuthorization(provider);
    expect(fake.requests).toHaveLength(4);
  });

  // Only an issuer mismatch on valid metadata is final; anything else tries the next URL.
  const nextCandidate: [string, Reply][] = [
    ["an HTML 200", text(200, "<html>sign in</html>")],
    ["a redirect", empty(302, { location: "https://elsewhere.example.org/" })],
    ["a 404", empty(404)],
    ["a 503", empty(503)],
    ["metadata without a device endpoint", json(200, { issuer: "https://auth.example.org", token_endpoint: "https://auth.example.org/t" })],
    ["a network failure", networkFailure()],
  ];
  for (const [name, first] of nextCandidate) {
    it(`${name} at the RFC 8414 URL → openid-configuration is tried`, async () => {
      const issuer = "https://auth.example.org";
      const { fake, provider } = discovered(issuer, [first, json(200, metadata(issuer)), json(200, complete)]);
      await startDeviceAuthorization(provider);
      expect(fake.requests.map((r) => r.url)).toEqual([
        `${issuer}/.well-known/oauth-authorization-server`,
        `${issuer}/.well-known/openid-configuration`,
        `${issuer}/oauth/device`,
      ]);
    });
  }

  const failures: [string, Reply[]][] = [
    ["an issuer mismatch (§3.3)", [json(200, metadata("https://evil.example.org"))]],
    [
      "metadata without a device authorization endpoint",
      [
        json(200, {
          issuer: "https://auth.example.org",
          token_endpoint: "https://auth.example.org/token",
        }),
        json(200, {
          issuer: "https://auth.example.org",
          token_endpoint: "https://auth.example.org/token",
        }),
      ],
    ],
    ["no metadata anywhere", [empty(404), empty(404)]],
  ];
  for (const [name, script] of failures) {
    it(`${name} → ConfigurationError discovery_failed, and no device request`, async () => {
      const { fake, provider } = discovered("https://auth.example.org", script);
      const error = await failure(startDeviceAuthorization(provider));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: "discovery_failed" });
      expect(fake.requests.every((r) => r.method === "GET")).toBe(true);
      expect(fake.remaining).toBe(0);
    });
  }

  it("discovered plain-http endpoints are refused (insecure_url)", async () => {
    const issuer = "https://auth.example.org";
    const { fake, provider } = discovered(issuer, [
      json(200, {
        issuer,
        token_endpoint: "http://auth.example.org/token",
        device_authorization_endpoint: "http://auth.example.org/device",
      }),
    ]);
    const error = await failure(startDeviceAuthorization(provider));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: "insecure_url" });
    expect(fake.requests).toHaveLength(1);
  });
});
