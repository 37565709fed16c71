/**
 * Secrets (client secret, device code, refresh token, access token) never show up in an error's
 * message, stack, util.inspect or JSON, nor in a PollError's description, whatever the path:
 * including a malicious server that echoes the request (body, Authorization header, URL, decoded
 * values) back in error_description, error, DRF's detail and field errors, fakts' message and
 * error, and discovery metadata. And they never go into a request URL.
 */
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import {
  ConfigurationError,
  DeviceFlowError,
  NetworkError,
  OAuthError,
  ResponseError,
} from "../../src/errors.ts";
import { pollForToken } from "../../src/poll.ts";
import type { Provider } from "../../src/provider.ts";
import { fakts } from "../../src/providers/fakts.ts";
import { rfc8628, type ClientAuth } from "../../src/providers/rfc8628.ts";
import { trakt } from "../../src/providers/trakt.ts";
import { transparenc } from "../../src/providers/transparenc.ts";
import { refreshToken } from "../../src/refresh.ts";
import type { DeviceAuthorization } from "../../src/result.ts";
import { startDeviceAuthorization } from "../../src/start.ts";
import { waitForToken } from "../../src/wait.ts";
import { virtualClock } from "../support/fault-clock.ts";
import {
  cutOff,
  flood,
  hang,
  json,
  redirect,
  reset,
  startFaultServer,
  text,
} from "../support/fault-server.ts";

// Distinctive, and full of characters every encoding changes: a leak in any form is found.
const CLIENT_SECRET = 'cs-LEAK-9f2c "q" +/=:%ä\\ end';
const DEVICE_CODE = "dc-LEAK-4a1b +/=&?#";
const REFRESH_TOKEN = "rt-LEAK-77c0 +/=";
const ACCESS_TOKEN = "at-LEAK-e05d";
const MARKERS = ["LEAK-9f2c", "LEAK-4a1b", "LEAK-77c0", "LEAK-e05d"];
const SECRETS = [CLIENT_SECRET, DEVICE_CODE, REFRESH_TOKEN, ACCESS_TOKEN];

/** Every form a secret may take on the wire: raw, form- and URL-encoded, JSON-escaped, Basic. */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    btoa(unescape(encodeURIComponent(secret))),
  ];
}
const BASIC = (clientId: string) =>
  btoa(
    `${new URLSearchParams({ v: clientId }).toString().slice(2)}:${new URLSearchParams({ v: CLIENT_SECRET }).toString().slice(2)}`,
  );

/** Everything a log line or a terminal could show of a value. */
function exposures(value: unknown): string {
  const shown = [
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: Infinity, showHidden: true }),
    String(value),
  ];
  try {
    // An invalid_response's `raw` is the server's own body, kept so a caller can recover it: like
    // a token set's `raw` it is redacted when inspected (checked above) but not in JSON, and the
    // request's own secrets are scrubbed from it (token-leniency.test.ts). Everything else in JSON
    // must hold no secret.
    shown.push(JSON.stringify(value, (key, item: unknown) => (key === "raw" ? undefined : item)) ?? "");
  } catch {
    shown.push("(not JSON)");
  }
  if (value instanceof Error)
    shown.push(value.message, value.stack ?? "", JSON.stringify({ ...value }));
  return shown.join("\n");
}

function expectNoSecret(value: unknown, where: string): void {
  const shown = exposures(value);
  for (const marker of MARKERS)
    expect(shown.includes(marker), `${where}: ${marker} in\n${shown.slice(0, 2000)}`).toBe(false);
  for (const secret of SECRETS)
    for (const form of forms(secret)) expect(shown.includes(form), `${where}: ${form}`).toBe(false);
  expect(shown.includes(BASIC("leak-client"))).toBe(false);
}

/** What a request carried, every way a naive server might repeat it. */
async function echoOf(request: Request): Promise<string> {
  const body = request.body ? await request.clone().text() : "";
  const type = request.headers.get("content-type") ?? "";
  // Decoded as the server would: a form as a form, JSON as JSON.
  const decoded: string[] = type.startsWith("application/x-www-form-urlencoded")
    ? [...new URLSearchParams(body).values()]
    : type.startsWith("application/json")
      ? Object.values(JSON.parse(body) as Record<string, unknown>).map(String)
      : [];
  return [body, request.headers.get("authorization") ?? "", request.url, ...decoded].join(" | ");
}

type Respond = (echo: string) => Response;
const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A provider whose every request is answered by `respond`, fed the request's echo. */
function echoing(
  make: (fetch: (r: Request) => Promise<Response>) => Provider,
  respond: Respond,
): { provider: Provider; urls: string[] } {
  const urls: string[] = [];
  const provider = make(async (request) => {
    urls.push(request.url);
    return respond(await echoOf(request));
  });
  return { provider, urls };
}

const AUTHORIZATION: DeviceAuthorization = {
  deviceCode: DEVICE_CODE,
  userCode: "ABCD-EFGH",
  verificationUri: "https://example.com/device",
  expiresIn: 600,
  interval: 1,
  expiresAt: Date.now() + 600_000,
};

const ADAPTERS: [string, (fetch: (r: Request) => Promise<Response>) => Provider][] = [
  ...(["client_secret_basic", "client_secret_post"] as ClientAuth[]).map(
    (clientAuth): [string, (fetch: (r: Request) => Promise<Response>) => Provider] => [
      `rfc8628 (${clientAuth})`,
      (fetch) =>
        rfc8628({
          deviceAuthorizationEndpoint: "https://as.example/device",
          tokenEndpoint: "https://as.example/token",
          clientId: "leak-client",
          clientSecret: CLIENT_SECRET,
          clientAuth,
          fetch,
        }),
    ],
  ),
  ["trakt", (fetch) => trakt({ clientId: "leak-client", clientSecret: CLIENT_SECRET, fetch })],
  [
    "transparenc",
    (fetch) =>
      transparenc({
        baseUrl: "https://tp.example",
        clientId: "leak-client",
        deviceType: "tv",
        deviceOs: "linux",
        fetch,
      }),
  ],
  [
    "fakts",
    (fetch) =>
      fakts({
        baseUrl: "https://fakts.example/f/",
        manifest: { identifier: "leak", version: "1" },
        fetch,
      }),
  ],
];

/** Answers that put the echo wherever a dialect reads text from. */
const ECHOES: [string, Respond][] = [
  [
    "400 error_description",
    (e) => jsonAnswer(400, { error: "invalid_client", error_description: e }),
  ],
  ["400 error code", (e) => jsonAnswer(400, { error: e, error_description: e })],
  ["400 access_denied", (e) => jsonAnswer(400, { error: "access_denied", error_description: e })],
  ["400 expired_token", (e) => jsonAnswer(400, { error: "expired_token", error_description: e })],
  ["400 invalid_grant", (e) => jsonAnswer(400, { error: "invalid_grant", error_description: e })],
  [
    "401 invalid_client",
    (e) =>
      jsonAnswer(
        401,
        { error: "invalid_client", error_description: e },
        { "www-authenticate": `Basic realm="${e}"` },
      ),
  ],
  ["200 with error", (e) => jsonAnswer(200, { error: e, error_description: e })],
  ["429 with error", (e) => jsonAnswer(429, { error: e, error_description: e, detail: e })],
  ["500 with error", (e) => jsonAnswer(500, { error: e, error_description: e })],
  ["502 HTML", (e) => new Response(`<html><body>${e}</body></html>`, { status: 502 })],
  ["400 DRF detail", (e) => jsonAnswer(400, { detail: e })],
  ["415 DRF detail", (e) => jsonAnswer(415, { detail: e })],
  ["400 DRF field errors", (e) => jsonAnswer(400, { [e]: [e, e] })],
  ["429 DRF throttle", (e) => jsonAnswer(429, { detail: `${e} available in 5 seconds` })],
  ["fakts error", (e) => jsonAnswer(200, { status: "error", error: e })],
  ["fakts denied", (e) => jsonAnswer(200, { status: "denied", message: e })],
  ["fakts expired", (e) => jsonAnswer(200, { status: "expired", message: e })],
  ["fakts pending", (e) => jsonAnswer(200, { status: "pending", message: e })],
  [
    "token of the wrong shape",
    () =>
      jsonAnswer(200, { access_token: ACCESS_TOKEN, token_type: 42, refresh_token: REFRESH_TOKEN }),
  ],
  [
    "authorization of the wrong shape",
    (e) =>
      jsonAnswer(200, {
        device_code: DEVICE_CODE,
        user_code: e,
        verification_uri: `javascript:${e}`,
        expires_in: 600,
      }),
  ],
  [
    "not JSON",
    (e) =>
      new Response(`{"x": "${e}`, { status: 200, headers: { "content-type": "application/json" } }),
  ],
  [
    "redirect",
    (e) =>
      new Response(e, {
        status: 307,
        headers: { location: `https://evil.example/?${encodeURIComponent(e)}` },
      }),
  ],
];

describe.each(ADAPTERS)("%s against a server that echoes the request", (_name, make) => {
  test.each(ECHOES)("%s: no secret in any result or error", async (echo, respond) => {
    const check = (value: unknown, where: string) => expectNoSecret(value, `${echo} / ${where}`);

    const start = echoing(make, respond);
    const started = await startDeviceAuthorization(start.provider).catch((e: unknown) => e);
    check(started, started instanceof Error ? "start" : "start (authorization, inspected)");

    const poll = echoing(make, respond);
    const polled = await pollForToken(poll.provider, AUTHORIZATION);
    if (polled.status !== "authorized") check(polled, "poll");

    const waited = await waitForToken(
      echoing(make, respond).provider,
      { ...AUTHORIZATION, expiresAt: virtualClock().now() + 30_000 },
      { clock: virtualClock() },
    );
    if (waited.status !== "authorized") check(waited, "wait");

    const refresh = echoing(make, respond);
    const refreshed = await refreshToken(refresh.provider, REFRESH_TOKEN);
    if (refreshed.status !== "authorized") check(refreshed, "refresh");

    // The request URLs carry no secret either (the echo server saw them all).
    for (const url of [...start.urls, ...poll.urls, ...refresh.urls]) check(url, "request URL");
  });
});

describe("a token handed over is redacted when inspected or logged", () => {
  test("util.inspect of an authorized result, its token set and an authorization shows no secret", async () => {
    const { provider } = echoing(ADAPTERS[0]![1], () =>
      jsonAnswer(200, {
        access_token: ACCESS_TOKEN,
        token_type: "Bearer",
        refresh_token: REFRESH_TOKEN,
        id_token: `id-${ACCESS_TOKEN}`,
      }),
    );
    const result = await pollForToken(provider, AUTHORIZATION);
    expect(result.status).toBe("authorized");
    if (result.status !== "authorized") return;
    for (const shown of [
      inspect(result, { depth: Infinity }),
      inspect(result.token),
      inspect([result]),
    ]) {
      for (const marker of MARKERS) expect(shown).not.toContain(marker);
    }
    // Still readable and serialisable by the caller, on purpose.
    expect(result.token.accessToken).toBe(ACCESS_TOKEN);
    expect(JSON.stringify(result.token)).toContain(ACCESS_TOKEN);

    const { provider: starter } = echoing(ADAPTERS[0]![1], () =>
      jsonAnswer(200, {
        device_code: DEVICE_CODE,
        user_code: "ABCD-EFGH",
        verification_uri: "https://as.example/device",
        expires_in: 600,
      }),
    );
    const authorization = await startDeviceAuthorization(starter);
    expect(inspect(authorization)).not.toContain("LEAK-4a1b");
  });
});

describe("every typed error the SDK throws, with secrets in play", () => {
  test("OAuthError, ResponseError, NetworkError and ConfigurationError carry no secret", async () => {
    const servers = await Promise.all([
      startFaultServer({ "/device": reset(), "/token": reset() }),
      startFaultServer({ "/device": hang(), "/token": hang() }),
      startFaultServer({
        "/device": flood(5 * 1024 * 1024, { declared: false }),
        "/token": flood(5 * 1024 * 1024, { declared: true }),
      }),
      startFaultServer({
        "/device": redirect(308, "https://evil.example/"),
        "/token": cutOff(200, JSON.stringify({ access_token: ACCESS_TOKEN }), 10),
      }),
      startFaultServer({
        "/device": text(503, `<html>${CLIENT_SECRET}</html>`, { "retry-after": "5" }),
        "/token": text(400, DEVICE_CODE),
      }),
      startFaultServer({
        "/device": json(401, {
          error: "invalid_client",
          error_description: `bad secret ${CLIENT_SECRET}`,
        }),
        // Echoes whatever the request sent (form body, decoded fields, Authorization header).
        "/token": ({ req, res, body }) => {
          const echo = [
            body,
            ...new URLSearchParams(body).values(),
            req.headers.authorization ?? "",
          ].join(" | ");
          res
            .writeHead(400, { "content-type": "application/json" })
            .end(JSON.stringify({ error: echo, error_description: `unknown ${echo}` }));
        },
      }),
    ]);
    try {
      const thrown: unknown[] = [];
      for (const server of servers) {
        for (const clientAuth of ["client_secret_basic", "client_secret_post"] as ClientAuth[]) {
          const provider = rfc8628({
            deviceAuthorizationEndpoint: `${server.origin}/device`,
            tokenEndpoint: `${server.origin}/token`,
            clientId: "leak-client",
            clientSecret: CLIENT_SECRET,
            clientAuth,
            timeout: 300,
          });
          thrown.push(await startDeviceAuthorization(provider).catch((e: unknown) => e));
          const polled = await pollForToken(provider, AUTHORIZATION);
          expectNoSecret(polled, `poll ${server.origin} ${clientAuth}`);
          const refreshed = await refreshToken(provider, REFRESH_TOKEN);
          expectNoSecret(refreshed, `refresh ${server.origin} ${clientAuth}`);
        }
        for (const make of [
          () =>
            trakt({
              baseUrl: server.origin,
              clientId: "leak-client",
              clientSecret: CLIENT_SECRET,
              timeout: 300,
            }),
          () =>
            transparenc({
              baseUrl: server.origin,
              clientId: "leak-client",
              deviceType: "tv",
              deviceOs: "linux",
              timeout: 300,
            }),
        ]) {
          expectNoSecret(await pollForToken(make(), AUTHORIZATION), `poll ${server.origin}`);
          expectNoSecret(await refreshToken(make(), REFRESH_TOKEN), `refresh ${server.origin}`);
        }
      }
      // The factories' own refusals.
      const configure = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return e;
        }
        return undefined;
      };
      thrown.push(
        configure(() =>
          rfc8628({
            deviceAuthorizationEndpoint: "http://as.example/device",
            tokenEndpoint: "http://as.example/token",
            clientId: "leak-client",
            clientSecret: CLIENT_SECRET,
          }),
        ),
        configure(() =>
          rfc8628({
            deviceAuthorizationEndpoint: "ftp://as.example/device",
            tokenEndpoint: "https://as.example/token",
            clientId: "leak-client",
            clientSecret: CLIENT_SECRET,
          }),
        ),
        configure(() =>
          rfc8628({ issuer: "not a url", clientId: "leak-client", clientSecret: CLIENT_SECRET }),
        ),
        configure(() =>
          rfc8628({
            deviceAuthorizationEndpoint: "https://as.example/device",
            tokenEndpoint: "https://as.example/token",
            clientId: "leak-client",
            clientAuth: "client_secret_post",
          }),
        ),
        configure(() =>
          trakt({
            baseUrl: "http://api.trakt.example",
            clientId: "leak-client",
            clientSecret: CLIENT_SECRET,
          }),
        ),
        await waitForToken(
          rfc8628({
            deviceAuthorizationEndpoint: "https://as.example/device",
            tokenEndpoint: "https://as.example/token",
            clientId: "leak-client",
            clientSecret: CLIENT_SECRET,
          }),
          { ...AUTHORIZATION, expiresAt: Number.NaN },
        ).catch((e: unknown) => e),
      );
      // A discovery server that knows the secret and puts it in its issuer.
      const discovery = rfc8628({
        issuer: "https://issuer.example",
        clientId: "leak-client",
        clientSecret: CLIENT_SECRET,
        fetch: async () =>
          jsonAnswer(200, {
            issuer: `https://issuer.example/${encodeURIComponent(CLIENT_SECRET)}/${CLIENT_SECRET}`,
            token_endpoint: "https://issuer.example/t",
            device_authorization_endpoint: "https://issuer.example/d",
          }),
      });
      thrown.push(await startDeviceAuthorization(discovery).catch((e: unknown) => e));

      const classes = new Set(thrown.map((e) => (e as Error).constructor.name));
      for (const cls of [OAuthError, ResponseError, NetworkError, ConfigurationError])
        expect(classes).toContain(cls.name);
      const codes = new Set(thrown.map((e) => (e as DeviceFlowError).code));
      for (const code of [
        "network_error",
        "timeout",
        "response_too_large",
        "unexpected_redirect",
        "server_error",
        "insecure_url",
        "invalid_url",
        "invalid_option",
        "discovery_failed",
      ]) {
        expect(codes, code).toContain(code);
      }
      thrown.forEach((e, i) => {
        expect(e, `thrown #${i}`).toBeInstanceOf(DeviceFlowError);
        expectNoSecret(e, `thrown #${i} ${(e as Error).name} ${(e as DeviceFlowError).code}`);
      });
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe("the client secret never goes into a URL", () => {
  test("for every provider and client authentication, through discovery, start, poll and refresh", async () => {
    const urls: string[] = [];
    const fetch = async (request: Request) => {
      urls.push(request.url);
      const path = new URL(request.url).pathname;
      if (path.includes("well-known")) {
        return jsonAnswer(200, {
          issuer: "https://as.example",
          device_authorization_endpoint: "https://as.example/device",
          token_endpoint: "https://as.example/token",
        });
      }
      return jsonAnswer(400, { error: "authorization_pending" });
    };
    const providers: Provider[] = [
      ...(["client_secret_basic", "client_secret_post", "none"] as ClientAuth[]).flatMap(
        (clientAuth) => [
          rfc8628({
            issuer: "https://as.example",
            clientId: "leak-client",
            clientSecret: clientAuth === "none" ? undefined : CLIENT_SECRET,
            clientAuth,
            fetch,
          }),
          rfc8628({
            deviceAuthorizationEndpoint: "https://as.example/device",
            tokenEndpoint: "https://as.example/token",
            clientId: "leak-client",
            clientSecret: clientAuth === "none" ? undefined : CLIENT_SECRET,
            clientAuth,
            fetch,
          }),
        ],
      ),
      trakt({ clientId: "leak-client", clientSecret: CLIENT_SECRET, fetch }),
      transparenc({
        baseUrl: "https://tp.example",
        clientId: "leak-client",
        deviceType: "tv",
        deviceOs: "linux",
        fetch,
      }),
      transparenc({
        baseUrl: "https://tp.example",
        clientId: "leak-client",
        deviceType: "tv",
        deviceOs: "linux",
        tokenPath: "/api/v1/oauth/token",
        fetch,
      }),
      fakts({
        baseUrl: "https://fakts.example/f/",
        manifest: { identifier: "leak", version: "1" },
        fetch,
      }),
    ];
    for (const provider of providers) {
      await startDeviceAuthorization(provider, { scope: "openid" }).catch(() => {});
      await pollForToken(provider, AUTHORIZATION);
      await refreshToken(provider, REFRESH_TOKEN, { scope: "openid" });
    }
    expect(urls.length).toBeGreaterThanOrEqual(providers.length * 3);
    for (const url of urls) {
      for (const marker of MARKERS) expect(url).not.toContain(marker);
      for (const secret of SECRETS)
        for (const form of forms(secret)) expect(url).not.toContain(form);
    }
  });
});
