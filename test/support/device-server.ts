/**
 * A scripted device-flow server on 127.0.0.1 speaking one provider's dialect (RFC 8628, Trakt,
 * Transparenc, fakts). The token endpoint answers the scripted steps in order (the last one
 * repeats), so a test decides "pending, pending, token" or "pending, denied". Secrets are random
 * per server, so a test can look for them in the CLI's output.
 */
import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export type Dialect = "rfc8628" | "trakt" | "transparenc" | "fakts";
export type Step =
  | "pending"
  | "slow_down"
  | "authorized"
  | "denied"
  | "expired"
  | "invalid"
  | "already_used"
  | "error"
  /** HTTP 503: a retryable failure, in every dialect. */
  | "unavailable";

export interface ScriptOptions {
  dialect?: Dialect;
  /** Token endpoint answers in order; the last repeats. Default: pending, then authorized. */
  steps?: Step[];
  /** Default `WDJB-MJHT`. */
  userCode?: string;
  /** Default `{origin}/device`. A function receives the origin. */
  verificationUri?: string | ((origin: string) => string);
  /** Default `{verificationUri}?user_code={userCode}`; null sends none (rfc8628 only). */
  verificationUriComplete?: string | null | ((origin: string) => string);
  expiresIn?: number;
  /** Default 1 s, so tests take seconds. */
  interval?: number;
  /** `error_description` / `message` of denied, expired, invalid and error answers. */
  description?: string;
  /** When set, rfc8628 requests must carry it (HTTP Basic) or get 401 invalid_client. */
  clientSecret?: string;
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface DeviceServer {
  origin: string;
  deviceCode: string;
  accessToken: string;
  refreshToken: string;
  requests: RecordedRequest[];
  /** Token endpoint requests answered so far. */
  polls(): number;
  close(): Promise<void>;
}

/** Paths of each dialect's device authorization and token endpoints. */
export const PATHS: Record<Dialect, { device: string; token: string }> = {
  rfc8628: { device: "/device_authorization", token: "/token" },
  trakt: { device: "/oauth/device/code", token: "/oauth/device/token" },
  transparenc: { device: "/api/v1/oauth/device-authorization/", token: "/api/v1/oauth/token/" },
  fakts: { device: "/f/start/", token: "/f/challenge/" },
};

export async function startDeviceServer(options: ScriptOptions = {}): Promise<DeviceServer> {
  const dialect = options.dialect ?? "rfc8628";
  const steps = options.steps ?? ["pending", "authorized"];
  const deviceCode = `dc-${randomUUID()}`;
  const accessToken = `at-${randomUUID()}`;
  const refreshToken = `rt-${randomUUID()}`;
  const requests: RecordedRequest[] = [];
  let polls = 0;
  let origin = "";

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const path = request.url ?? "/";
    requests.push({ method: request.method ?? "", path, headers: request.headers, body });
    const send = (status: number, json?: unknown) => {
      const text = json === undefined ? "" : JSON.stringify(json);
      response.writeHead(status, {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
      });
      response.end(text);
    };

    if (dialect === "rfc8628" && path.startsWith("/.well-known/")) {
      return send(200, {
        issuer: origin,
        device_authorization_endpoint: `${origin}${PATHS.rfc8628.device}`,
        token_endpoint: `${origin}${PATHS.rfc8628.token}`,
      });
    }
    if (request.method !== "POST") return send(405, { error: "invalid_request" });
    if (options.clientSecret !== undefined && dialect === "rfc8628") {
      const expected = `Basic ${Buffer.from(`client:${options.clientSecret}`).toString("base64")}`;
      if (request.headers.authorization !== expected) return send(401, { error: "invalid_client" });
    }
    if (path === PATHS[dialect].device) return send(200, deviceAnswer());
    if (path === PATHS[dialect].token) {
      const step = steps[Math.min(polls, steps.length - 1)] as Step;
      polls += 1;
      const [status, json] = tokenAnswer(step);
      return send(status, json);
    }
    send(404, { error: "not_found" });
  };

  function deviceAnswer(): Record<string, unknown> {
    const userCode = options.userCode ?? "WDJB-MJHT";
    const resolve = (value: string | ((o: string) => string)) =>
      typeof value === "function" ? value(origin) : value;
    const verificationUri = resolve(options.verificationUri ?? `${origin}/device`);
    const common = {
      device_code: deviceCode,
      user_code: userCode,
      expires_in: options.expiresIn ?? 300,
      interval: options.interval ?? 1,
    };
    switch (dialect) {
      case "rfc8628": {
        const complete =
          options.verificationUriComplete === null
            ? undefined
            : resolve(
                options.verificationUriComplete ??
                  `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
              );
        return {
          ...common,
          verification_uri: verificationUri,
          ...(complete !== undefined && { verification_uri_complete: complete }),
        };
      }
      case "trakt":
        return { ...common, verification_url: verificationUri };
      case "transparenc":
        return { ...common, verification_uri: verificationUri };
      case "fakts":
        return { status: "granted", code: deviceCode };
    }
  }

  function tokenAnswer(step: Step): [number, unknown?] {
    const description = options.description;
    if (step === "unavailable") return [503];
    const token = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: refreshToken,
      scope: "openid profile",
    };
    if (dialect === "trakt") {
      const statuses: Record<Step, number> = {
        pending: 400,
        slow_down: 429,
        authorized: 200,
        denied: 418,
        expired: 410,
        invalid: 404,
        already_used: 409,
        error: 403,
        unavailable: 503,
      };
      return step === "authorized"
        ? [200, { ...token, created_at: Math.floor(Date.now() / 1000) }]
        : [statuses[step]];
    }
    if (dialect === "fakts") {
      switch (step) {
        case "authorized":
          return [200, { status: "granted", token: accessToken }];
        case "denied":
        case "expired":
          return [200, { status: step, message: description ?? step }];
        case "invalid":
          return [200, { status: "error", error: description ?? "unknown code" }];
        case "error":
          return [404];
        default:
          return [200, { status: "pending", message: "waiting" }];
      }
    }
    const codes: Record<Step, string> = {
      pending: "authorization_pending",
      slow_down: "slow_down",
      authorized: "",
      denied: "access_denied",
      expired: "expired_token",
      invalid: "invalid_grant",
      already_used: "invalid_grant",
      error: "invalid_client",
      unavailable: "",
    };
    if (step === "authorized") return [200, token];
    const status = step === "error" ? 401 : 400;
    return [
      status,
      { error: codes[step], ...(description !== undefined && { error_description: description }) },
    ];
  }

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch(() => response.destroy());
  };
  const server = options.tls
    ? createHttpsServer(options.tls, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    origin,
    deviceCode,
    accessToken,
    refreshToken,
    requests,
    polls: () => polls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The CLI arguments that point `device-login` at a scripted server of each dialect. */
export function cliArgsFor(server: DeviceServer, dialect: Dialect = "rfc8628"): string[] {
  switch (dialect) {
    case "rfc8628":
      return [
        "rfc8628",
        "--device-endpoint",
        `${server.origin}${PATHS.rfc8628.device}`,
        "--token-endpoint",
        `${server.origin}${PATHS.rfc8628.token}`,
        "--client-id",
        "client",
      ];
    case "trakt":
      return [
        "trakt",
        "--base-url",
        server.origin,
        "--client-id",
        "client",
        "--client-secret",
        "trakt-secret",
      ];
    case "transparenc":
      return [
        "transparenc",
        "--base-url",
        server.origin,
        "--client-id",
        "client",
        "--device-type",
        "tv",
        "--device-os",
        "linux",
      ];
    case "fakts":
      return [
        "fakts",
        "--base-url",
        `${server.origin}/f/`,
        "--manifest-identifier",
        "org.example.cli",
        "--manifest-version",
        "1.0.0",
      ];
  }
}
