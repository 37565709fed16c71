/**
 * A loopback RFC 8628 server (node:http on 127.0.0.1) for session tests: refresh tokens are
 * single-use (RFC 6749 §6 rotation: a reused one gets 400 `invalid_grant`, as Trakt's and GitHub
 * Apps' do) and access tokens live `accessTtlSeconds`. It speaks the RFC dialect, so
 * `rfc8628({ deviceAuthorizationEndpoint, tokenEndpoint, clientId })` (or `{ issuer: origin }`)
 * works against it; a device code is approved at once, so `session.signIn()` succeeds on its first
 * poll.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RefreshServerOptions {
  /** `expires_in` of every access token, in seconds. */
  accessTtlSeconds: number;
}

/** What {@link RefreshServer.holdNextRefresh} does with the next refresh request. */
export interface HoldOptions {
  /**
   * false (default): the request waits unprocessed, and is dropped when its client goes away, so
   * its refresh token stays valid. true: the token is spent and a new set issued first, then the
   * answer is held and never sent (the "answer lost in flight" case).
   */
  rotate?: boolean;
}

export interface RefreshServer {
  origin: string;
  tokenEndpoint: string;
  deviceEndpoint: string;
  /** Refresh requests (`grant_type=refresh_token`) that reached the server: granted, refused or held. */
  refreshRequests(): number;
  /** Mints a valid refresh token, to seed a store without a sign-in. */
  seedRefreshToken(): string;
  /** Whether `token` is an access token this server issued and that has not expired. */
  accessTokenValid(token: string): boolean;
  /** Holds the next refresh request; resolves once it has arrived. */
  holdNextRefresh(options?: HoldOptions): Promise<void>;
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startRefreshServer(options: RefreshServerOptions): Promise<RefreshServer> {
  const refreshTokens = new Set<string>();
  const deviceCodes = new Set<string>();
  const accessTokens = new Map<string, number>();
  const held = new Set<ServerResponse>();
  let hold: { options: HoldOptions; arrived: () => void } | undefined;
  let refreshes = 0;
  let origin = "";

  const mintRefresh = () => {
    const token = `rt-${randomUUID()}`;
    refreshTokens.add(token);
    return token;
  };
  const issue = () => {
    const accessToken = `at-${randomUUID()}`;
    accessTokens.set(accessToken, Date.now() + options.accessTtlSeconds * 1000);
    return {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: options.accessTtlSeconds,
      refresh_token: mintRefresh(),
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const send = (status: number, json: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      response.end(JSON.stringify(json));
    };
    const path = new URL(request.url ?? "/", origin).pathname;

    if (request.method === "GET" && path === "/.well-known/oauth-authorization-server") {
      return send(200, {
        issuer: origin,
        device_authorization_endpoint: `${origin}/device_authorization`,
        token_endpoint: `${origin}/token`,
      });
    }
    if (request.method !== "POST") return send(405, { error: "invalid_request" });
    // RFC 6749 §2.3 / RFC 8628 §3.1: a public client identifies itself in every request.
    if (!form.get("client_id")) return send(400, { error: "invalid_request", error_description: "client_id is missing" });

    if (path === "/device_authorization") {
      const deviceCode = `dc-${randomUUID()}`;
      deviceCodes.add(deviceCode);
      return send(200, {
        device_code: deviceCode,
        user_code: "WDJB-MJHT",
        verification_uri: `${origin}/device`,
        expires_in: 600,
        interval: 1,
      });
    }
    if (path !== "/token") return send(404, { error: "not_found" });

    const grant = form.get("grant_type");
    if (grant === "urn:ietf:params:oauth:grant-type:device_code") {
      // Approved at once; a device code is single-use (RFC 8628 §3.5).
      const code = form.get("device_code") ?? "";
      if (!deviceCodes.delete(code)) return send(400, { error: "invalid_grant" });
      return send(200, issue());
    }
    if (grant !== "refresh_token") return send(400, { error: "unsupported_grant_type" });

    refreshes += 1;
    const used = form.get("refresh_token") ?? "";
    const holding = hold;
    hold = undefined;
    if (holding && !holding.options.rotate) {
      // Unprocessed until its client goes away: then dropped, the refresh token still valid.
      held.add(response);
      response.on("close", () => held.delete(response));
      holding.arrived();
      return;
    }
    // Single-use: the token is spent whatever happens to the answer.
    if (!refreshTokens.delete(used)) {
      return send(400, { error: "invalid_grant", error_description: "refresh token is invalid or already used" });
    }
    const answer = issue();
    if (holding) {
      // Rotated, but the answer never leaves: the client's copy of the new set is lost.
      held.add(response);
      response.on("close", () => held.delete(response));
      holding.arrived();
      return;
    }
    send(200, answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    tokenEndpoint: `${origin}/token`,
    deviceEndpoint: `${origin}/device_authorization`,
    refreshRequests: () => refreshes,
    seedRefreshToken: mintRefresh,
    accessTokenValid: (token) => (accessTokens.get(token) ?? 0) > Date.now(),
    holdNextRefresh: (holdOptions = {}) =>
      new Promise<void>((arrived) => {
        hold = { options: holdOptions, arrived };
      }),
    close: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
