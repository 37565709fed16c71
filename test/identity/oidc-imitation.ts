/**
 * A loopback OpenID provider imitation (node:http) for the ID token tests: an OpenID
 * configuration (OpenID Connect Discovery 1.0 §3), a JWKS whose answer a test can make huge, slow
 * or a redirect, and the RFC 8628 device and token endpoints, whose token answer carries whatever
 * ID token the test signed. Keys are generated with jose per test file: nothing is a shared key.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A fresh key pair; `kid` names it in the JWKS and in the tokens it signs. */
export async function signingKey(kid: string, alg = "RS256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

/** A compact JWS signed by `key` (header `alg` and `kid` from it unless `header` says otherwise). */
export function sign(
  key: SigningKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
    .sign(key.privateKey);
}

/** How the JWKS endpoint answers. */
export type JwksMode =
  | { kind: "keys" }
  | { kind: "huge"; bytes: number }
  | { kind: "slow"; ms: number }
  | { kind: "redirect" };

export interface OidcImitation {
  origin: string;
  issuer: string;
  /** The keys the JWKS lists (replace to rotate). */
  keys: SigningKey[];
  jwks: JwksMode;
  /** The next ID token the token endpoint returns (read at each poll). */
  idToken: string | undefined;
  /** `id_token_signing_alg_values_supported`, or undefined to leave it out. */
  algorithms: string[] | undefined;
  /** Requests per path. */
  hits(path: string): number;
  close(): Promise<void>;
}

export interface ImitationOptions {
  /** Path prefix of the issuer (Entra: `/common/v2.0`). Default "". */
  issuerPath?: string;
  /** The issuer the configuration names; default the issuer itself. */
  namedIssuer?: (origin: string) => string;
  /** Where the device and token endpoints are; default `/device_authorization`, `/token`. */
  devicePath?: string;
  tokenPath?: string;
}

/** Starts the imitation on 127.0.0.1 with the given keys. */
export async function startOidcImitation(
  keys: SigningKey[],
  options: ImitationOptions = {},
): Promise<OidcImitation> {
  const counts = new Map<string, number>();
  const sockets = new Set<import("node:net").Socket>();
  const issuerPath = options.issuerPath ?? "";
  const devicePath = options.devicePath ?? "/device_authorization";
  const tokenPath = options.tokenPath ?? "/token";
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  let deviceCounter = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    req.resume();
    req.on("end", () => {
      if (path === `${issuerPath}/.well-known/openid-configuration`) {
        return json(res, 200, {
          issuer: options.namedIssuer ? options.namedIssuer(state.origin) : state.issuer,
          device_authorization_endpoint: `${state.origin}${devicePath}`,
          token_endpoint: `${state.origin}${tokenPath}`,
          jwks_uri: `${state.origin}/jwks`,
          ...(state.algorithms && { id_token_signing_alg_values_supported: state.algorithms }),
        });
      }
      if (path === "/jwks") {
        const mode = state.jwks;
        if (mode.kind === "redirect")
          return res.writeHead(302, { location: "https://keys.example/jwks" }).end();
        if (mode.kind === "huge") {
          const filler = "x".repeat(mode.bytes);
          return json(res, 200, { keys: state.keys.map((key) => key.publicJwk), filler });
        }
        const answer = () => json(res, 200, { keys: state.keys.map((key) => key.publicJwk) });
        if (mode.kind === "slow") {
          const timer = setTimeout(answer, mode.ms);
          res.on("close", () => clearTimeout(timer));
          return;
        }
        return answer();
      }
      if (path === devicePath) {
        deviceCounter += 1;
        return json(res, 200, {
          device_code: `device-${deviceCounter}`,
          user_code: "WDJB-MJHT",
          verification_uri: `${state.origin}/device`,
          expires_in: 600,
          interval: 5,
        });
      }
      if (path === tokenPath) {
        return json(res, 200, {
          access_token: `access-${deviceCounter}`,
          token_type: "Bearer",
          expires_in: 3600,
          refresh_token: "refresh-1",
          ...(state.idToken !== undefined && { id_token: state.idToken }),
        });
      }
      json(res, 404, { error: "not_found" });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: OidcImitation = {
    origin,
    issuer: `${origin}${issuerPath}`,
    keys,
    jwks: { kind: "keys" },
    idToken: undefined,
    algorithms: undefined,
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return state;
}
