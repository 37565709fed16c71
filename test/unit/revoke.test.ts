/**
 * revokeToken (RFC 7009) through the RFC 8628 dialect, its presets and Trakt, against loopback
 * servers that answer as the RFC and the providers' documents say: the exact request (form
 * fields, client authentication, no secret in a URL), what each answer means (§2.2, §2.2.1), the
 * endpoint from discovery or from a preset's path, no method at all without an endpoint, abort.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  revokeToken,
  rfc8628,
  trakt,
  type ClientAuth,
  type Provider,
  type RevokeResult,
} from "../../src/index.ts";
import { auth0 } from "../../src/providers/auth0.ts";
import { github } from "../../src/providers/github.ts";
import { google } from "../../src/providers/google.ts";
import { keycloak } from "../../src/providers/keycloak.ts";
import { microsoft } from "../../src/providers/microsoft.ts";
import { okta } from "../../src/providers/okta.ts";
import {
  basicCredentials,
  json,
  startImitation,
  type Handler,
  type Imitation,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "tv app:id";
const CLIENT_SECRET = "s3cr:et+%/ü";
const REFRESH_TOKEN = "tGzv3JOkF0XG5Qx2TlKWIA/refresh+token=";
const ACCESS_TOKEN = "2YotnFZFEjr1zCsicMWpAA";
const REVOKE = "POST /revoke";
type Fetch = (input: Request) => Promise<Response>;
const ok: Reply = { status: 200 };

let imitation: Imitation | undefined;
/** Settles handlers a test left hanging (abort tests), so the server can close. */
let releases: (() => void)[] = [];
afterEach(async () => {
  for (const release of releases) release();
  releases = [];
  await imitation?.close();
  imitation = undefined;
});

async function serve(routes: Record<string, Handler>): Promise<Imitation> {
  imitation = await startImitation(routes);
  return imitation;
}

/** A generic server whose revocation endpoint answers `reply`; the client authenticates as asked. */
async function rfcServer(reply: Reply, clientAuth: ClientAuth = "client_secret_basic") {
  const server = await serve({ [REVOKE]: () => reply });
  const provider = rfc8628({
    deviceAuthorizationEndpoint: `${server.origin}/device_authorization`,
    tokenEndpoint: `${server.origin}/token`,
    revocationEndpoint: `${server.origin}/revoke`,
    clientId: CLIENT_ID,
    ...(clientAuth === "none" ? {} : { clientSecret: CLIENT_SECRET }),
    clientAuth,
  });
  return { server, provider };
}

async function revokeOnce(reply: Reply): Promise<RevokeResult> {
  const { server, provider } = await rfcServer(reply);
  const result = await revokeToken(provider, REFRESH_TOKEN, { tokenTypeHint: "refresh_token" });
  expect(server.requests).toHaveLength(1);
  return result;
}

describe("RFC 7009 §2.1: the request", () => {
  it("client_secret_basic: token, token_type_hint and client_id in the form, the secret only in Basic", async () => {
    const { server, provider } = await rfcServer(ok);
    expect(await revokeToken(provider, REFRESH_TOKEN, { tokenTypeHint: "refresh_token" })).toEqual({
      status: "revoked",
    });
    const [request] = server.requests;
    expect(`${request?.method} ${request?.path}`).toBe(REVOKE);
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.formAll).toEqual({
      token: [REFRESH_TOKEN],
      token_type_hint: ["refresh_token"],
      client_id: [CLIENT_ID],
    });
    expect(request && basicCredentials(request)).toEqual({ id: CLIENT_ID, secret: CLIENT_SECRET });
    expect([...(request?.query.keys() ?? [])]).toEqual([]);
  });

  it("client_secret_post: both credentials in the body, no Authorization header", async () => {
    const { server, provider } = await rfcServer(ok, "client_secret_post");
    await revokeToken(provider, ACCESS_TOKEN, { tokenTypeHint: "access_token" });
    const [request] = server.requests;
    expect(request?.formAll).toEqual({
      token: [ACCESS_TOKEN],
      token_type_hint: ["access_token"],
      client_id: [CLIENT_ID],
      client_secret: [CLIENT_SECRET],
    });
    expect(request?.headers.authorization).toBeUndefined();
  });

  it("a public client sends its id alone; no hint given, none sent", async () => {
    const { server, provider } = await rfcServer(ok, "none");
    await revokeToken(provider, ACCESS_TOKEN);
    const [request] = server.requests;
    expect(request?.formAll).toEqual({ token: [ACCESS_TOKEN], client_id: [CLIENT_ID] });
    expect(request?.headers.authorization).toBeUndefined();
  });

  it("neither the token nor the secret ever appears in the URL", async () => {
    const { server, provider } = await rfcServer(ok, "client_secret_post");
    await revokeToken(provider, REFRESH_TOKEN);
    const [request] = server.requests;
    expect(request?.path).toBe("/revoke");
    expect(request?.query.toString()).toBe("");
  });
});

describe("RFC 7009 §2.2, §2.2.1: the answer", () => {
  it("200 with no body, with JSON, or with text is revoked (the body is ignored)", async () => {
    expect(await revokeOnce(ok)).toEqual({ status: "revoked" });
    await imitation?.close();
    expect(await revokeOnce(json(200, {}))).toEqual({ status: "revoked" });
    await imitation?.close();
    expect(await revokeOnce({ status: 200, body: "OK" })).toEqual({ status: "revoked" });
  });

  it("unsupported_token_type is a non-retryable error with the server's description", async () => {
    const result = await revokeOnce(
      json(400, {
        error: "unsupported_token_type",
        error_description: "Access tokens cannot be revoked.",
      }),
    );
    expect(result).toEqual({
      status: "error",
      error: "unsupported_token_type",
      description: "Access tokens cannot be revoked.",
      httpStatus: 400,
      retryable: false,
    });
  });

  it("401 invalid_client stops too", async () => {
    expect(await revokeOnce(json(401, { error: "invalid_client" }))).toEqual({
      status: "error",
      error: "invalid_client",
      httpStatus: 401,
      retryable: false,
    });
  });

  it("invalid_token (Google: 'Token expired or revoked') means the token is already dead: revoked", async () => {
    expect(
      await revokeOnce(
        json(400, { error: "invalid_token", error_description: "Token expired or revoked" }),
      ),
    ).toEqual({ status: "revoked" });
  });

  it("a 4xx without a code is a non-retryable http_error", async () => {
    expect(await revokeOnce({ status: 404, body: "no such page" })).toEqual({
      status: "error",
      error: "http_error",
      httpStatus: 404,
      retryable: false,
    });
  });

  it("503 is retryable, with Retry-After", async () => {
    expect(await revokeOnce({ status: 503, headers: { "Retry-After": "30" } })).toEqual({
      status: "error",
      error: "server_error",
      httpStatus: 503,
      retryable: true,
      retryAfter: 30,
    });
  });

  it("429 and other 5xx are retryable, an invalid_token in them included", async () => {
    expect(await revokeOnce(json(429, { error: "invalid_token" }, { "Retry-After": "7" }))).toEqual(
      {
        status: "error",
        error: "invalid_token",
        httpStatus: 429,
        retryable: true,
        retryAfter: 7,
      },
    );
    await imitation?.close();
    expect(await revokeOnce(json(502, { error: "bad_gateway" }))).toMatchObject({
      status: "error",
      httpStatus: 502,
      retryable: true,
    });
  });

  it("a token echoed back by the server is scrubbed from the error", async () => {
    const result = await revokeOnce(
      json(400, { error: "invalid_request", error_description: `bad token ${REFRESH_TOKEN}` }),
    );
    expect(result).toMatchObject({ status: "error", description: "bad token [redacted]" });
  });

  it("a server that cannot be reached is a retryable network_error, not a throw", async () => {
    const { server, provider } = await rfcServer(ok);
    await server.close();
    imitation = undefined;
    expect(await revokeToken(provider, REFRESH_TOKEN)).toMatchObject({
      status: "error",
      error: "network_error",
      retryable: true,
    });
  });
});

describe("where the revocation endpoint comes from", () => {
  /** RFC 8414 metadata at the issuer, with or without a revocation_endpoint. */
  async function discoverable(revocation: string | null | undefined) {
    const server = await serve({
      "GET /.well-known/oauth-authorization-server/tenant": (request) => {
        const origin = `http://${request.headers.host}`;
        return json(200, {
          issuer: `${origin}/tenant`,
          token_endpoint: `${origin}/tenant/token`,
          device_authorization_endpoint: `${origin}/tenant/device`,
          ...(revocation === undefined
            ? {}
            : { revocation_endpoint: revocation && `${origin}${revocation}` }),
        });
      },
      "POST /tenant/oauth2/revoke": () => ok,
    });
    const provider = rfc8628({ issuer: `${server.origin}/tenant`, clientId: CLIENT_ID });
    return { server, provider };
  }

  it("discovery: the metadata's revocation_endpoint (RFC 8414 §2)", async () => {
    const { server, provider } = await discoverable("/tenant/oauth2/revoke");
    expect(await revokeToken(provider, REFRESH_TOKEN)).toEqual({ status: "revoked" });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /.well-known/oauth-authorization-server/tenant",
      "POST /tenant/oauth2/revoke",
    ]);
    expect(server.requests[1]?.form).toEqual({ token: REFRESH_TOKEN, client_id: CLIENT_ID });
  });

  it.each([
    ["absent", undefined],
    ["null", null],
  ])(
    "discovery: revocation_endpoint %s → ConfigurationError revocation_unsupported, only the metadata fetched",
    async (_, value) => {
      const { server, provider } = await discoverable(value);
      const error = await revokeToken(provider, REFRESH_TOKEN).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: "revocation_unsupported" });
      expect(server.requests.map((request) => request.method)).toEqual(["GET"]);
    },
  );

  it("a discovered plain-http revocation endpoint elsewhere is refused without a request", async () => {
    const server = await serve({
      "GET /.well-known/oauth-authorization-server": (request) =>
        json(200, {
          issuer: `http://${request.headers.host}`,
          token_endpoint: `http://${request.headers.host}/token`,
          device_authorization_endpoint: `http://${request.headers.host}/device`,
          revocation_endpoint: "http://revoke.example.org/revoke",
        }),
    });
    const provider = rfc8628({ issuer: server.origin, clientId: CLIENT_ID });
    expect(await revokeToken(provider, REFRESH_TOKEN)).toMatchObject({
      status: "error",
      error: "insecure_url",
      retryable: false,
    });
    expect(server.requests).toHaveLength(1);
  });

  it("an explicit revocationEndpoint is checked when the provider is made", () => {
    expect(() =>
      rfc8628({
        deviceAuthorizationEndpoint: "https://auth.example.org/device",
        tokenEndpoint: "https://auth.example.org/token",
        revocationEndpoint: "http://auth.example.org/revoke",
        clientId: CLIENT_ID,
      }),
    ).toThrow(expect.objectContaining({ code: "insecure_url" }));
  });

  const presets: [string, (origin: string) => Provider, string][] = [
    [
      "google",
      (origin) => google({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: origin }),
      "/revoke",
    ],
    ["auth0", (origin) => auth0({ domain: origin, clientId: CLIENT_ID }), "/oauth/revoke"],
    [
      "keycloak",
      (origin) =>
        keycloak({
          baseUrl: `${origin}/auth`,
          realm: "my realm",
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        }),
      "/auth/realms/my%20realm/protocol/openid-connect/revoke",
    ],
  ];

  it.each(presets)("%s posts to its documented path", async (_, make, path) => {
    const server = await serve({ [`POST ${path}`]: () => ok });
    expect(
      await revokeToken(make(server.origin), REFRESH_TOKEN, { tokenTypeHint: "refresh_token" }),
    ).toEqual({
      status: "revoked",
    });
    const [request] = server.requests;
    expect(request?.path).toBe(path);
    expect(request?.query.toString()).toBe("");
    expect(request?.form).toMatchObject({
      token: REFRESH_TOKEN,
      token_type_hint: "refresh_token",
      client_id: CLIENT_ID,
    });
  });

  it("google: client_secret_post, as at its token endpoint; keycloak: Basic", async () => {
    const server = await serve({
      "POST /revoke": () => ok,
      "POST /realms/r/protocol/openid-connect/revoke": () => ok,
    });
    await revokeToken(
      google({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: server.origin }),
      ACCESS_TOKEN,
    );
    await revokeToken(
      keycloak({
        baseUrl: server.origin,
        realm: "r",
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      }),
      ACCESS_TOKEN,
    );
    const [atGoogle, atKeycloak] = server.requests;
    expect(atGoogle?.form).toEqual({
      token: ACCESS_TOKEN,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(atGoogle?.headers.authorization).toBeUndefined();
    expect(atKeycloak?.form).toEqual({ token: ACCESS_TOKEN, client_id: CLIENT_ID });
    expect(atKeycloak && basicCredentials(atKeycloak)).toEqual({
      id: CLIENT_ID,
      secret: CLIENT_SECRET,
    });
  });

  it("okta: the org's metadata names …/v1/revoke (OK1)", async () => {
    const server = await serve({
      "GET /.well-known/oauth-authorization-server/oauth2/default": (request) => {
        const origin = `http://${request.headers.host}`;
        return json(200, {
          issuer: `${origin}/oauth2/default`,
          token_endpoint: `${origin}/oauth2/default/v1/token`,
          device_authorization_endpoint: `${origin}/oauth2/default/v1/device/authorize`,
          revocation_endpoint: `${origin}/oauth2/default/v1/revoke`,
        });
      },
      "POST /oauth2/default/v1/revoke": () => ok,
    });
    const provider = okta({ issuer: `${server.origin}/oauth2/default`, clientId: CLIENT_ID });
    expect(await revokeToken(provider, ACCESS_TOKEN, { tokenTypeHint: "access_token" })).toEqual({
      status: "revoked",
    });
    expect(server.to("POST /oauth2/default/v1/revoke")[0]?.form).toEqual({
      token: ACCESS_TOKEN,
      token_type_hint: "access_token",
      client_id: CLIENT_ID,
    });
  });

  it.each([
    [
      "rfc8628 without revocationEndpoint",
      (fetch: Fetch) =>
        rfc8628({
          deviceAuthorizationEndpoint: "https://a.example/device",
          tokenEndpoint: "https://a.example/token",
          clientId: CLIENT_ID,
          fetch,
        }),
    ],
    ["github", (fetch: Fetch) => github({ clientId: CLIENT_ID, fetch })],
    ["microsoft", (fetch: Fetch) => microsoft({ clientId: CLIENT_ID, fetch })],
  ])(
    "%s has no revokeToken: ConfigurationError revocation_unsupported, no request",
    async (_, make) => {
      let requests = 0;
      const provider = make(async () => {
        requests += 1;
        return new Response(null, { status: 200 });
      });
      expect(provider.revokeToken).toBeUndefined();
      await expect(revokeToken(provider, ACCESS_TOKEN)).rejects.toMatchObject({
        name: "ConfigurationError",
        code: "revocation_unsupported",
      });
      expect(requests).toBe(0);
    },
  );
});

describe("trakt: POST /oauth/revoke with JSON", () => {
  const TRAKT_ID = "trakt-client-id";
  const TRAKT_SECRET = "trakt-secret-do-not-leak";

  it("sends the token and the app's credentials as JSON with Trakt's headers; 200 is revoked", async () => {
    const server = await serve({ "POST /oauth/revoke": () => ok });
    const provider = trakt({
      clientId: TRAKT_ID,
      clientSecret: TRAKT_SECRET,
      baseUrl: server.origin,
    });
    expect(await revokeToken(provider, ACCESS_TOKEN, { tokenTypeHint: "access_token" })).toEqual({
      status: "revoked",
    });
    const [request] = server.requests;
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(request?.headers["trakt-api-version"]).toBe("2");
    expect(request?.headers["trakt-api-key"]).toBe(TRAKT_ID);
    expect(request?.json).toEqual({
      token: ACCESS_TOKEN,
      client_id: TRAKT_ID,
      client_secret: TRAKT_SECRET,
    });
    expect(request?.query.toString()).toBe("");
  });

  it("401 invalid_client stops; 503 is retryable", async () => {
    const server = await serve({
      "POST /oauth/revoke": (_, index) =>
        index === 0
          ? json(401, { error: "invalid_client" })
          : { status: 503, headers: { "Retry-After": "10" } },
    });
    const provider = trakt({
      clientId: TRAKT_ID,
      clientSecret: TRAKT_SECRET,
      baseUrl: server.origin,
    });
    expect(await revokeToken(provider, ACCESS_TOKEN)).toEqual({
      status: "error",
      error: "invalid_client",
      httpStatus: 401,
      retryable: false,
    });
    expect(await revokeToken(provider, ACCESS_TOKEN)).toEqual({
      status: "error",
      error: "server_error",
      httpStatus: 503,
      retryable: true,
      retryAfter: 10,
    });
  });
});

describe("abort", () => {
  it("an abort in flight rejects with the signal's reason", async () => {
    const server = await serve({
      [REVOKE]: () =>
        new Promise<Reply>((resolve) => {
          releases.push(() => resolve(ok));
        }),
    });
    const provider = rfc8628({
      deviceAuthorizationEndpoint: `${server.origin}/device_authorization`,
      tokenEndpoint: `${server.origin}/token`,
      revocationEndpoint: `${server.origin}/revoke`,
      clientId: CLIENT_ID,
    });
    const controller = new AbortController();
    const reason = new Error("user left");
    const pending = revokeToken(provider, REFRESH_TOKEN, { signal: controller.signal });
    await waitFor(() => server.requests.length === 1);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("an already aborted signal sends nothing", async () => {
    const { server, provider } = await rfcServer(ok);
    const reason = new Error("gone");
    await expect(
      revokeToken(provider, REFRESH_TOKEN, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it("an abort during discovery rejects with the reason and sends no revocation", async () => {
    const server = await serve({
      "GET /.well-known/oauth-authorization-server": () =>
        new Promise<Reply>((resolve) => {
          releases.push(() => resolve({ status: 404 }));
        }),
    });
    const provider = rfc8628({ issuer: server.origin, clientId: CLIENT_ID });
    const controller = new AbortController();
    const pending = revokeToken(provider, REFRESH_TOKEN, { signal: controller.signal });
    await waitFor(() => server.requests.length === 1);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
    expect(server.requests.map((request) => request.method)).toEqual(["GET"]);
  });
});

/** Polls a condition every 5 ms, for at most 2 s (a bounded loop, not a timed assertion). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i += 1)
    await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
