/**
 * A real RFC 8628 authorization server for the demo and the end-to-end tests: oidc-provider 8,
 * in-process, on a loopback port, with its own self-contained pages (device code, login, consent),
 * one fixed user, a public client and a confidential one.
 */
import { generateKeyPair, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import MemoryAdapter from "oidc-provider/lib/adapters/memory_adapter.js";
import { interactionHandler, type DemoUser } from "./interactions.ts";
import { codeConfirmPage, codeInputPage, errorPage, successPage } from "./pages.ts";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** The demo's only user. */
export const DEMO_USER: DemoUser = {
  login: "alice",
  password: "wonderland",
  name: "Alice Liddell",
};

export const PUBLIC_CLIENT = { clientId: "demo-tv-app", clientName: "Demo TV app" } as const;
/**
 * The secret exercises RFC 6749 §2.3.1's form-encoding inside HTTP Basic: space (`+`), `:` (the
 * Basic separator), `+`, `%`, `&`, `=` and `/`. It is ASCII only because RFC 6749 Appendix A.2
 * defines client_secret as VSCHAR (%x20-7E), and oidc-provider enforces exactly that, both on
 * the client's metadata and on a decoded Basic credential.
 */
export const CONFIDENTIAL_CLIENT = {
  clientId: "demo-confidential-app",
  clientName: "Demo confidential app",
  clientSecret: "s3cret with: space+plus%25percent&amp=eq/slash",
} as const;

export interface AuthorizationServerOptions {
  /** Lifetime of device codes in seconds (oidc-provider's `ttl.DeviceCode`). Default 600. */
  deviceCodeTtl?: number;
  /**
   * The issuer identifier. Default: the server's own URL. A function receives the server's URL
   * once it listens, for an issuer that is not known before (a proxy in front of this server).
   */
  issuer?: string | ((url: string) => string | Promise<string>);
  /** Loopback port to listen on. Default 0 (any free port). */
  port?: number;
  /**
   * Build the URLs in responses (discovery, `verification_uri`) from `X-Forwarded-Host` and
   * `X-Forwarded-Proto` when a request carries them, as behind a reverse proxy. Default false.
   */
  trustForwardedHeaders?: boolean;
}

export interface AuthorizationServer {
  /** The issuer identifier, as discovery metadata states it. */
  issuer: string;
  /** Where this server listens: `http://127.0.0.1:<port>`. */
  url: string;
  publicClient: { clientId: string };
  confidentialClient: { clientId: string; clientSecret: string };
  user: { login: string; password: string };
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/** oidc-provider's own in-memory store. Named on purpose: this server is meant to be thrown away. */
class ThrowawayMemoryAdapter extends MemoryAdapter {}

/** Starts the server; resolves once it listens and the provider is ready. */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handle(req, res));
  const url = await listen(server, options.port ?? 0);
  try {
    const issuer =
      typeof options.issuer === "function" ? await options.issuer(url) : (options.issuer ?? url);
    const provider = new Provider(issuer, await configuration(options.deviceCodeTtl ?? 600));
    provider.proxy = options.trustForwardedHeaders ?? false;
    const oidc = provider.callback();
    const names = new Map<string, string>([
      [PUBLIC_CLIENT.clientId, PUBLIC_CLIENT.clientName],
      [CONFIDENTIAL_CLIENT.clientId, CONFIDENTIAL_CLIENT.clientName],
    ]);
    const interactions = interactionHandler(provider, DEMO_USER, names);
    handle = (req, res) => {
      interactions(req, res).then(
        (handled) => {
          if (!handled) oidc(req, res);
        },
        () => {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        },
      );
    };
    return {
      issuer,
      url,
      publicClient: { clientId: PUBLIC_CLIENT.clientId },
      confidentialClient: {
        clientId: CONFIDENTIAL_CLIENT.clientId,
        clientSecret: CONFIDENTIAL_CLIENT.clientSecret,
      },
      user: { login: DEMO_USER.login, password: DEMO_USER.password },
      close: () => close(server),
    };
  } catch (error) {
    await close(server);
    throw error;
  }
}

async function configuration(deviceCodeTtl: number): Promise<Configuration> {
  if (!Number.isSafeInteger(deviceCodeTtl) || deviceCodeTtl < 1) {
    throw new RangeError("deviceCodeTtl must be a whole number of seconds, at least 1");
  }
  return {
    adapter: ThrowawayMemoryAdapter,
    clients: [
      {
        client_id: PUBLIC_CLIENT.clientId,
        client_name: PUBLIC_CLIENT.clientName,
        token_endpoint_auth_method: "none",
        grant_types: [DEVICE_CODE_GRANT, "refresh_token"],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: CONFIDENTIAL_CLIENT.clientId,
        client_name: CONFIDENTIAL_CLIENT.clientName,
        client_secret: CONFIDENTIAL_CLIENT.clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: [DEVICE_CODE_GRANT, "refresh_token"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    async findAccount(_ctx, sub) {
      if (sub !== DEMO_USER.login) return undefined;
      return { accountId: sub, claims: () => ({ sub, name: DEMO_USER.name }) };
    },
    scopes: ["openid", "offline_access", "profile"],
    claims: { openid: ["sub"], profile: ["name"] },
    // Fresh keys per instance, so nothing here is a shared development key.
    jwks: { keys: [await signingKey()] },
    cookies: {
      keys: [randomBytes(32).toString("base64url")],
      // Lax, not oidc-provider's default "none": browsers drop SameSite=None cookies that are not
      // Secure, and this server speaks plain http on loopback.
      long: { sameSite: "lax", signed: true },
      short: { sameSite: "lax", signed: true },
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        async userCodeInputSource(ctx, form, _out, err) {
          html(ctx, codeInputPage(form, err));
        },
        async userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
          html(ctx, codeConfirmPage(form, client.clientName ?? client.clientId, userCode));
        },
        async successSource(ctx) {
          const client = ctx.oidc.client;
          html(ctx, successPage(client?.clientName ?? client?.clientId ?? "The device"));
        },
      },
    },
    // Every device login gets a refresh token, whatever the scope: the SDK's refreshToken is part
    // of what the demo and the tests show. (oidc-provider's default wants `offline_access`.)
    async issueRefreshToken(_ctx, client, code) {
      return (
        client.grantTypeAllowed("refresh_token") &&
        (code.kind === "DeviceCode" || code.scopes.has("offline_access"))
      );
    },
    async renderError(ctx, out) {
      html(ctx, errorPage(out));
    },
    // The paths specs/rfc8628.yaml names, so a Prism proxy of that spec finds these endpoints.
    routes: { device_authorization: "/device_authorization", token: "/token" },
    // Every lifetime set, in seconds: a throwaway server needs none of the long defaults.
    ttl: {
      DeviceCode: deviceCodeTtl,
      Interaction: 600,
      Session: 3600,
      Grant: 86_400,
      AccessToken: 3600,
      IdToken: 3600,
      RefreshToken: 86_400,
    },
  };
}

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = "html";
  ctx.set("cache-control", "no-store");
  ctx.body = body;
}

async function signingKey(): Promise<object> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: "jwk" }),
    use: "sig",
    alg: "RS256",
    kid: randomBytes(8).toString("hex"),
  };
}

function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const { port: bound } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${bound}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections (browsers, fetch) would otherwise hold close() open.
    server.closeAllConnections();
  });
}
