/**
 * The loopback authorization server the runtime matrix talks to: RFC 8414 metadata, RFC 8628
 * device authorization and token endpoints with a scripted answer sequence per device code,
 * refresh (RFC 6749 §6), client authentication (§2.3.1), and CORS (preflight included) so a page
 * from another origin can call it. It also serves the files a browser page needs (dist/, this
 * folder, and the dependencies' ESM files).
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** Folders a page may load from; anything else is 404. */
const SERVED = [
  "dist",
  "test/runtimes",
  "node_modules/valibot/dist",
  "node_modules/openapi-fetch/dist",
  // The OpenID presets verify ID tokens with jose (its web build: runtime-neutral ESM files).
  "node_modules/jose/dist/webapi",
];
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
};
const MAX_BODY = 64 * 1024;

/** client_id → secret (null: a public client). */
const CLIENTS = new Map<string, string | null>([
  ["conformance", null],
  ["confidential", "s3cret"],
]);

/** What each successive token request for one device code answers. */
const SCRIPTS: Record<string, readonly string[]> = {
  default: ["authorization_pending", "slow_down", "token"],
  deny: ["access_denied"],
};

interface Grant {
  clientId: string;
  script: readonly string[];
  polls: number;
}

export interface LoopbackServer {
  /** The issuer (and API origin), e.g. http://127.0.0.1:40000 */
  issuer: string;
  /** Another origin serving the same files, so a page's calls to `issuer` are cross-origin. */
  pageOrigin: string;
  /** Requests seen, by kind, e.g. `POST /token`, `OPTIONS /token`. */
  counts: Map<string, number>;
  close(): Promise<void>;
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
  const grants = new Map<string, Grant>();
  const refreshTokens = new Map<string, string>();
  const counts = new Map<string, number>();
  let issuer = "";

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", issuer);
    const kind = `${request.method} ${url.pathname}`;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    // The control for the browser run: the one answer without CORS headers must not be readable.
    if (url.pathname === "/no-cors") return json(response, 200, { cors: false });
    cors(response);
    if (request.method === "OPTIONS") return end(response, 204);
    if (request.method === "GET" && url.pathname === "/.well-known/oauth-authorization-server") {
      return json(response, 200, {
        issuer,
        device_authorization_endpoint: `${issuer}/device_authorization`,
        token_endpoint: `${issuer}/token`,
        grant_types_supported: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        token_endpoint_auth_methods_supported: ["none", "client_secret_basic"],
      });
    }
    if (
      request.method === "POST" &&
      (url.pathname === "/device_authorization" || url.pathname === "/token")
    ) {
      const form = new URLSearchParams(await readBody(request));
      const clientId = authenticate(request, form);
      if (!clientId) {
        response.setHeader("WWW-Authenticate", 'Basic realm="conformance"');
        return json(response, 401, { error: "invalid_client" });
      }
      return url.pathname === "/token"
        ? token(response, form, clientId)
        : deviceAuthorization(response, form, clientId);
    }
    if (request.method === "GET" && url.pathname === "/conformance.html") return page(response);
    if (request.method === "GET") return serveFile(response, url.pathname);
    return json(response, 404, { error: "not_found" });
  }

  function deviceAuthorization(
    response: ServerResponse,
    form: URLSearchParams,
    clientId: string,
  ): void {
    const deviceCode = `dc-${randomBytes(12).toString("hex")}`;
    const scope = form.get("scope") ?? "";
    grants.set(deviceCode, { clientId, script: SCRIPTS[scope] ?? SCRIPTS.default!, polls: 0 });
    json(response, 200, {
      device_code: deviceCode,
      user_code: "WDJB-MJHT",
      verification_uri: `${issuer}/device`,
      verification_uri_complete: `${issuer}/device?user_code=WDJB-MJHT`,
      expires_in: 600,
      interval: 1,
    });
  }

  function token(response: ServerResponse, form: URLSearchParams, clientId: string): void {
    response.setHeader("Cache-Control", "no-store");
    const grantType = form.get("grant_type");
    if (grantType === "refresh_token") {
      const owner = refreshTokens.get(form.get("refresh_token") ?? "");
      if (owner !== clientId) return json(response, 400, { error: "invalid_grant" });
      refreshTokens.delete(form.get("refresh_token") ?? "");
      return issueToken(response, clientId);
    }
    if (grantType !== "urn:ietf:params:oauth:grant-type:device_code") {
      return json(response, 400, { error: "unsupported_grant_type" });
    }
    const deviceCode = form.get("device_code") ?? "";
    const grant = grants.get(deviceCode);
    if (!grant || grant.clientId !== clientId)
      return json(response, 400, { error: "invalid_grant" });
    const step = grant.script[grant.polls] ?? "invalid_grant";
    grant.polls += 1;
    if (step !== "token") return json(response, 400, { error: step });
    grants.delete(deviceCode);
    issueToken(response, clientId);
  }

  function issueToken(response: ServerResponse, clientId: string): void {
    const refreshToken = `rt-${randomBytes(12).toString("hex")}`;
    refreshTokens.set(refreshToken, clientId);
    json(response, 200, {
      access_token: `at-${randomBytes(12).toString("hex")}`,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: refreshToken,
      scope: "openid profile",
    });
  }

  const api = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        json(response, 500, { error: "server_error", error_description: String(error) });
      else response.destroy();
    });
  });
  const pages = createServer(api.listeners("request")[0] as Parameters<typeof createServer>[1]);
  const port = await listen(api);
  issuer = `http://127.0.0.1:${port}`;
  const pagePort = await listen(pages);

  return {
    issuer,
    pageOrigin: `http://127.0.0.1:${pagePort}`,
    counts,
    close: async () => {
      await Promise.all(
        [api, pages].map(
          (server) =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        ),
      );
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** RFC 6749 §2.3.1: HTTP Basic with form-encoded id and secret, or a public client's client_id. */
function authenticate(request: IncomingMessage, form: URLSearchParams): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Basic ")) {
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
    const id = decode(decoded.slice(0, colon));
    const secret = decode(decoded.slice(colon + 1));
    return colon > 0 && CLIENTS.get(id) === secret ? id : undefined;
  }
  const id = form.get("client_id") ?? "";
  return CLIENTS.has(id) && CLIENTS.get(id) === null ? id : undefined;
}

function cors(response: ServerResponse): void {
  response.setHeader("Access-Control-Allow-Origin", "*");
  response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  response.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
  response.setHeader("Access-Control-Max-Age", "600");
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function serveFile(response: ServerResponse, pathname: string): Promise<void> {
  const path = normalize(join(root, decodeURIComponent(pathname)));
  const inside = relative(root, path);
  const allowed = SERVED.some((folder) =>
    inside.startsWith(`${folder.split("/").join(sep)}${sep}`),
  );
  const body = allowed ? await readFile(path).catch(() => undefined) : undefined;
  if (!body) return json(response, 404, { error: "not_found" });
  response.writeHead(200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" });
  response.end(body);
}

/**
 * The browser page: an import map points the bundle's bare imports at the dependencies' own
 * ESM files, so Chromium runs dist/ as published, with no bundler in between.
 */
function page(response: ServerResponse): void {
  const served = (specifier: string) =>
    `/${relative(root, fileURLToPath(import.meta.resolve(specifier)))
      .split(sep)
      .join("/")}`;
  const importMap = {
    imports: { valibot: served("valibot"), "openapi-fetch": served("openapi-fetch"), jose: served("jose") },
  };
  const html = `<!doctype html>
<meta charset="utf-8">
<title>device-flow-sdk conformance</title>
<script type="importmap">${JSON.stringify(importMap)}</script>
<script type="module">
  import { runConformance } from "/test/runtimes/conformance.js";
  window.conformance = runConformance(new URLSearchParams(location.search).get("issuer"));
</script>
`;
  response.writeHead(200, { "Content-Type": TYPES[".html"]! });
  response.end(html);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

function end(response: ServerResponse, status: number): void {
  response.writeHead(status);
  response.end();
}
