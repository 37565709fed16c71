/**
 * Loopback imitations of each preset's provider, for running `device-login <subcommand>` against
 * them: node:http on 127.0.0.1, answering with the provider's documented wire (paths, statuses,
 * content types, field names) from /work/shared/research/providers.md, whose source ids the
 * comments cite. The token endpoint answers the scripted steps in order (the last one repeats);
 * every request is recorded with its parsed fields.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Preset =
  | "rfc8628"
  | "github"
  | "github-json"
  | "google"
  | "microsoft"
  | "auth0"
  | "okta"
  | "keycloak"
  | "aws"
  | "amazon"
  | "twitch";

export type Step = "pending" | "authorized" | "denied";

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The body's fields, from a form or a JSON body; `{}` for none. */
  fields: Record<string, unknown>;
  body: string;
}

export interface Reply {
  status?: number;
  /**
   * `form` sends application/x-www-form-urlencoded (every value a string), `json` JSON,
   * `negotiate` JSON when the request's Accept asks for it and form otherwise (GitHub, GH1).
   */
  type?: "json" | "form" | "negotiate";
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface Imitation {
  origin: string;
  /** The device authorization and token endpoints' paths. */
  devicePath: string;
  tokenPath: string;
  deviceCode: string;
  userCode: string;
  accessToken: string;
  refreshToken: string;
  requests: Seen[];
  /** The requests to one path, in order. */
  to(path: string): Seen[];
  close(): Promise<void>;
}

/** What a preset's wire looks like: its endpoints and the answers it gives. */
interface Wire {
  devicePath: string;
  tokenPath: string;
  start(imitation: Imitation): Reply;
  pending: Reply;
  denied: Reply;
  authorized: (imitation: Imitation) => Reply;
  /** More routes ("METHOD /path"), e.g. discovery or client registration. */
  extra?: (imitation: Imitation) => Record<string, () => Reply>;
}

/** Every imitation uses one-second intervals, so a test takes seconds. */
const INTERVAL = 1;

const form = (body: Record<string, unknown>, status = 200): Reply => ({
  status,
  type: "form",
  body,
});
const json = (
  body: Record<string, unknown>,
  status = 200,
  headers?: Record<string, string>,
): Reply =>
  headers === undefined ? { status, type: "json", body } : { status, type: "json", body, headers };

const MS_PENDING_DESCRIPTION =
  "AADSTS70016: OAuth 2.0 device flow error. Authorization is still pending. Trace ID: 0e4f Correlation ID: 8a1c Timestamp: 2024-01-01 00:00:00Z";

/** The wires, by preset. */
const WIRES: Record<Preset, (options: ImitationOptions) => Wire> = {
  // A plain RFC 8628 server found by RFC 8414 discovery (RFC 8628 §3.2, §3.5; RFC 6749 §5.1).
  rfc8628: () => ({
    devicePath: "/device_authorization",
    tokenPath: "/token",
    extra: (i) => ({
      "GET /.well-known/oauth-authorization-server": () =>
        json({
          issuer: i.origin,
          device_authorization_endpoint: `${i.origin}/device_authorization`,
          token_endpoint: `${i.origin}/token`,
        }),
    }),
    start: (i) =>
      json({
        device_code: i.deviceCode,
        user_code: i.userCode,
        verification_uri: `${i.origin}/device`,
        expires_in: 600,
        interval: INTERVAL,
      }),
    pending: json({ error: "authorization_pending" }, 400),
    denied: json({ error: "access_denied" }, 400),
    authorized: (i) =>
      json({ access_token: i.accessToken, token_type: "Bearer", expires_in: 3600 }),
  }),
  // GitHub without `Accept: application/json`: every answer form-urlencoded, poll errors in HTTP
  // 200, numbers as strings, comma-separated scope, lowercase bearer (GH1, GH2, GH6). It answers
  // form whatever the Accept header, to prove the form path.
  github: () => githubWire("form"),
  // GitHub as it is: JSON when the request's Accept asks for it, form otherwise (GH1).
  "github-json": () => githubWire("negotiate"),
  // Google: verification_url; 428 pending, 403 access_denied; client_secret in both bodies (GO1).
  google: () => ({
    devicePath: "/device/code",
    tokenPath: "/token",
    start: (i) =>
      json({
        device_code: i.deviceCode,
        user_code: i.userCode,
        verification_url: "https://www.google.com/device",
        expires_in: 1800,
        interval: INTERVAL,
      }),
    pending: json(
      { error: "authorization_pending", error_description: "Precondition Required" },
      428,
    ),
    denied: json({ error: "access_denied", error_description: "Forbidden" }, 403),
    authorized: (i) =>
      json({
        access_token: i.accessToken,
        expires_in: 3599,
        refresh_token: i.refreshToken,
        scope: "openid https://www.googleapis.com/auth/userinfo.email",
        token_type: "Bearer",
        id_token: "eyJhbGciOiJSUzI1NiJ9.e30.sig",
      }),
  }),
  // Entra ID v2.0: tenant in the path, `message`, 400 errors with AADSTS details,
  // authorization_declined for a denial, ext_expires_in on success (MS1, MS7).
  microsoft: ({ tenant = "common" }) => ({
    devicePath: `/${tenant}/oauth2/v2.0/devicecode`,
    tokenPath: `/${tenant}/oauth2/v2.0/token`,
    start: (i) =>
      json({
        user_code: i.userCode,
        device_code: i.deviceCode,
        verification_uri: "https://microsoft.com/devicelogin",
        expires_in: 900,
        interval: INTERVAL,
        message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${i.userCode} to authenticate.`,
      }),
    pending: json(
      {
        error: "authorization_pending",
        error_description: MS_PENDING_DESCRIPTION,
        error_codes: [70016],
        timestamp: "2024-01-01 00:00:00Z",
        trace_id: "0e4f",
        correlation_id: "8a1c",
        error_uri: "https://login.microsoftonline.com/error?code=70016",
      },
      400,
    ),
    denied: json(
      {
        error: "authorization_declined",
        error_description: "AADSTS70000: The user declined the authorization request.",
        error_codes: [70000],
      },
      400,
    ),
    authorized: (i) =>
      json({
        token_type: "Bearer",
        scope: "openid profile User.Read",
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: i.accessToken,
        refresh_token: i.refreshToken,
        id_token: "eyJ0eXAiOiJKV1QifQ.e30.sig",
      }),
  }),
  // Auth0: 403 pending and denial, verification_uri_complete, integers (A01).
  auth0: () => ({
    devicePath: "/oauth/device/code",
    tokenPath: "/oauth/token",
    start: (i) =>
      json({
        device_code: i.deviceCode,
        user_code: i.userCode,
        verification_uri: `${i.origin}/activate`,
        verification_uri_complete: `${i.origin}/activate?user_code=${i.userCode}`,
        expires_in: 900,
        interval: INTERVAL,
      }),
    pending: json(
      {
        error: "authorization_pending",
        error_description: "User has yet to authorize device code.",
      },
      403,
    ),
    denied: json(
      {
        error: "access_denied",
        error_description: "User cancelled the confirmation prompt or consent page.",
      },
      403,
    ),
    authorized: (i) =>
      json({
        access_token: i.accessToken,
        refresh_token: i.refreshToken,
        scope: "openid offline_access",
        expires_in: 86400,
        token_type: "Bearer",
      }),
  }),
  // Okta: endpoints from the custom authorization server's metadata, 400 errors (OK1, OK4).
  okta: () => ({
    devicePath: "/oauth2/default/v1/device/authorize",
    tokenPath: "/oauth2/default/v1/token",
    extra: (i) => ({
      "GET /oauth2/default/.well-known/openid-configuration": () =>
        json({
          issuer: `${i.origin}/oauth2/default`,
          authorization_endpoint: `${i.origin}/oauth2/default/v1/authorize`,
          device_authorization_endpoint: `${i.origin}/oauth2/default/v1/device/authorize`,
          token_endpoint: `${i.origin}/oauth2/default/v1/token`,
          grant_types_supported: [
            "authorization_code",
            "urn:ietf:params:oauth:grant-type:device_code",
          ],
        }),
    }),
    start: (i) =>
      json({
        device_code: i.deviceCode,
        user_code: i.userCode,
        verification_uri: `${i.origin}/activate`,
        verification_uri_complete: `${i.origin}/activate?user_code=${i.userCode}`,
        expires_in: 600,
        interval: INTERVAL,
      }),
    pending: json(
      {
        error: "authorization_pending",
        error_description: "The device authorization is pending. Please try again later.",
      },
      400,
    ),
    denied: json(
      {
        error: "access_denied",
        error_description: "The resource owner or authorization server denied the request.",
      },
      400,
    ),
    authorized: (i) =>
      json({
        token_type: "Bearer",
        expires_in: 3600,
        access_token: i.accessToken,
        scope: "openid offline_access",
        refresh_token: i.refreshToken,
        id_token: "eyJraWQiOiJrIn0.e30.sig",
      }),
  }),
  // Keycloak: realm in the path, 400 errors, Keycloak's extra token fields (KC1, KC2).
  keycloak: ({ realm = "main" }) => {
    const root = `/realms/${realm}/protocol/openid-connect`;
    return {
      devicePath: `${root}/auth/device`,
      tokenPath: `${root}/token`,
      start: (i) =>
        json({
          device_code: i.deviceCode,
          user_code: i.userCode,
          verification_uri: `${i.origin}/realms/${realm}/device`,
          verification_uri_complete: `${i.origin}/realms/${realm}/device?user_code=${i.userCode}`,
          expires_in: 600,
          interval: INTERVAL,
        }),
      pending: json(
        {
          error: "authorization_pending",
          error_description: "The authorization request is still pending",
        },
        400,
      ),
      denied: json({ error: "access_denied", error_description: "Consent denied" }, 400),
      authorized: (i) =>
        json({
          access_token: i.accessToken,
          expires_in: 300,
          refresh_expires_in: 1800,
          refresh_token: i.refreshToken,
          token_type: "Bearer",
          "not-before-policy": 0,
          session_state: "5d1b",
          scope: "profile email",
        }),
    };
  },
  // AWS IAM Identity Center: JSON camelCase requests and answers, RegisterClient first, poll
  // errors as HTTP 400 with x-amzn-ErrorType and a snake_case body (AW1, AW2).
  aws: () => ({
    devicePath: "/device_authorization",
    tokenPath: "/token",
    extra: () => ({
      "POST /client/register": () =>
        json({
          clientId: "aws-client-id",
          clientSecret: "aws-client-secret",
          clientIdIssuedAt: Math.floor(Date.now() / 1000),
          clientSecretExpiresAt: Math.floor(Date.now() / 1000) + 90 * 86400,
        }),
    }),
    start: (i) =>
      json({
        deviceCode: i.deviceCode,
        userCode: i.userCode,
        verificationUri: "https://device.sso.eu-west-1.amazonaws.com/",
        verificationUriComplete: `https://device.sso.eu-west-1.amazonaws.com/?user_code=${i.userCode}`,
        expiresIn: 600,
        interval: INTERVAL,
      }),
    pending: json(
      { error: "authorization_pending", error_description: "Authorization is still pending" },
      400,
      {
        "x-amzn-ErrorType":
          "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/",
      },
    ),
    denied: json({ error: "access_denied", error_description: "Access denied" }, 400, {
      "x-amzn-ErrorType":
        "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/",
    }),
    authorized: (i) =>
      json({
        accessToken: i.accessToken,
        tokenType: "Bearer",
        expiresIn: 28800,
        refreshToken: i.refreshToken,
      }),
  }),
  // Login with Amazon: code pair and token per LW1/LW2; its HTTP status per error is
  // unconfirmed, so the RFC's 400 is used.
  amazon: () => ({
    devicePath: "/auth/o2/create/codepair",
    tokenPath: "/auth/o2/token",
    start: (i) =>
      json({
        user_code: i.userCode,
        device_code: i.deviceCode,
        verification_uri: "https://amazon.com/code",
        expires_in: 600,
        interval: INTERVAL,
      }),
    pending: json(
      { error: "authorization_pending", error_description: "Authorization pending" },
      400,
    ),
    denied: json({ error: "access_denied", error_description: "The user denied the request" }, 400),
    authorized: (i) =>
      json({
        access_token: i.accessToken,
        refresh_token: i.refreshToken,
        token_type: "bearer",
        expires_in: 3600,
      }),
  }),
  // Twitch: errors as {"status":400,"message":…} with no `error` field; array scope (TW3, TW4).
  twitch: () => ({
    devicePath: "/oauth2/device",
    tokenPath: "/oauth2/token",
    start: (i) =>
      json({
        device_code: i.deviceCode,
        expires_in: 1800,
        interval: INTERVAL,
        user_code: i.userCode,
        verification_uri: `https://www.twitch.tv/activate?public=true&device-code=${i.userCode}`,
      }),
    pending: json({ status: 400, message: "authorization_pending" }, 400),
    denied: json({ status: 400, message: "access_denied" }, 400),
    authorized: (i) =>
      json({
        access_token: i.accessToken,
        expires_in: 14124,
        refresh_token: i.refreshToken,
        scope: ["user:read:email", "chat:read"],
        token_type: "bearer",
      }),
  }),
};

function githubWire(type: "form" | "negotiate"): Wire {
  const reply = (body: Record<string, unknown>, status = 200): Reply => ({ status, type, body });
  const errorUri =
    "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow";
  return {
    devicePath: "/login/device/code",
    tokenPath: "/login/oauth/access_token",
    start: (i) =>
      reply({
        device_code: i.deviceCode,
        user_code: i.userCode,
        verification_uri: "https://github.com/login/device",
        expires_in: 899,
        interval: INTERVAL,
      }),
    pending: reply({
      error: "authorization_pending",
      error_description: "The authorization request is still pending.",
      error_uri: errorUri,
    }),
    denied: reply({
      error: "access_denied",
      error_description: "The authorization request was denied.",
      error_uri: errorUri,
    }),
    authorized: (i) =>
      reply({ access_token: i.accessToken, token_type: "bearer", scope: "repo,gist" }),
  };
}

export interface ImitationOptions {
  /** Token endpoint answers in order; the last repeats. Default: pending, then authorized. */
  steps?: Step[];
  tenant?: string;
  realm?: string;
  /** The success body instead of the preset's (given the imitation, for its token values). */
  tokenBody?: (imitation: Imitation) => Record<string, unknown>;
}

/** Starts the imitation of `preset` on 127.0.0.1. */
export async function startImitation(
  preset: Preset,
  options: ImitationOptions = {},
): Promise<Imitation> {
  const wire = WIRES[preset](options);
  const steps = options.steps ?? ["pending", "authorized"];
  const requests: Seen[] = [];
  let polls = 0;
  const imitation: Imitation = {
    origin: "",
    devicePath: wire.devicePath,
    tokenPath: wire.tokenPath,
    deviceCode: `dc-${randomUUID()}`,
    userCode: "WDJB-MJHT",
    accessToken: `at-${randomUUID()}`,
    refreshToken: `rt-${randomUUID()}`,
    requests,
    to: (path) => requests.filter((request) => request.path === path),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const routes: Record<string, () => Reply> = {
    ...wire.extra?.(imitation),
    [`POST ${wire.devicePath}`]: () => wire.start(imitation),
    [`POST ${wire.tokenPath}`]: () => {
      const step = steps[Math.min(polls++, steps.length - 1)] as Step;
      if (step !== "authorized") return wire[step];
      return options.tokenBody ? json(options.tokenBody(imitation)) : wire.authorized(imitation);
    },
  };

  const server = createServer((request, response) => {
    void record(request).then((seen) => {
      requests.push(seen);
      const route = routes[`${seen.method} ${seen.path}`];
      send(response, route ? route() : json({ error: "not_found" }, 404), seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  imitation.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return imitation;
}

async function record(request: IncomingMessage): Promise<Seen> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  const type = request.headers["content-type"] ?? "";
  let fields: Record<string, unknown> = {};
  if (type.startsWith("application/json") && body !== "")
    fields = JSON.parse(body) as Record<string, unknown>;
  else if (type.startsWith("application/x-www-form-urlencoded"))
    fields = Object.fromEntries(new URLSearchParams(body));
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  return {
    method: request.method ?? "GET",
    path: url.pathname,
    headers: request.headers,
    fields,
    body,
  };
}

function send(response: ServerResponse, reply: Reply, request: Seen): void {
  const body = reply.body ?? {};
  const type =
    reply.type === "negotiate"
      ? /application\/json/.test(request.headers.accept ?? "")
        ? "json"
        : "form"
      : reply.type;
  const text =
    type === "form"
      ? new URLSearchParams(
          Object.entries(body).map(([key, value]) => [key, String(value)]),
        ).toString()
      : JSON.stringify(body);
  response.writeHead(reply.status ?? 200, {
    "Content-Type":
      type === "form" ? "application/x-www-form-urlencoded; charset=utf-8" : "application/json",
    "Cache-Control": "no-store",
    ...reply.headers,
  });
  response.end(text);
}
