/**
 * Where an issuer's keys come from: its OpenID configuration (OpenID Connect Discovery 1.0 §4)
 * names its `jwks_uri`, and the JWKS (RFC 7517 §5) is fetched through the provider's own
 * transport (its `fetch`, https-only, timeout, size cap, no redirects). Both are cached; the JWKS
 * is fetched again when a token names a key it does not hold (rotation), at most once per
 * cool-down, so a stream of made-up `kid`s cannot make the SDK hammer the issuer.
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { paths } from "../../generated/rfc8628/schema.ts";
import { untilAborted } from "../abort.ts";
import { DeviceFlowError } from "../errors.ts";
import { cleanText, exchange } from "../http/answer.ts";
import { clientAt } from "../http/client.ts";
import type { Transport } from "../http/transport.ts";
import type { IdTokenContext } from "./types.ts";

/** Asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037): never `none`, never HS*. */
export const ALLOWED_ALGORITHMS: readonly string[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

/** Thrown when the keys cannot be had; becomes `jwks_unavailable`. */
export class KeysUnavailable extends Error {
  override name = "KeysUnavailable";
}

/** What a verification needs from the issuer's configuration. */
export interface IssuerKeys {
  /** The `iss` expected: the issuer, or (Entra) the one the configuration names, maybe a template. */
  issuer: string;
  jwksUri: string;
  /** The allowed algorithms, intersected with `id_token_signing_alg_values_supported` when listed. */
  algorithms: string[];
}

/** A JWKS as last fetched. */
export interface KeySet {
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

export interface KeyCacheOptions {
  now: () => number;
  /** Milliseconds after a fetch during which an unknown `kid` causes no new fetch. */
  cooldown: number;
  /** Milliseconds after which a JWKS is fetched again before use. */
  maxAge: number;
}

/**
 * One document through the transport: the shared work runs under no caller's signal (the
 * transport's timeout bounds it), so one caller's abort never fails another's verification.
 */
async function fetchJson(transport: Transport, url: string, what: string): Promise<unknown> {
  let answer;
  try {
    // clientAt sends to `url` itself, whatever the spec path says (RFC 8414 endpoints are URLs).
    const client = clientAt<paths>(transport, url);
    answer = await exchange(
      transport,
      (s) => client.GET("/.well-known/openid-configuration", { parseAs: "text", signal: s }),
      undefined,
    );
  } catch (error) {
    const code = error instanceof DeviceFlowError ? error.code : String(error);
    throw new KeysUnavailable(`${what} ${cleanText(url, 200)}: ${code}`);
  }
  if (answer.status !== 200)
    throw new KeysUnavailable(`${what} ${cleanText(url, 200)}: HTTP ${answer.status}`);
  return answer.body;
}

/** The caches of one verifier: configurations per issuer, JWKS per `jwks_uri`. */
export function keyCache(options: KeyCacheOptions) {
  const configurations = new Map<string, Promise<IssuerKeys>>();
  const sets = new Map<string, { current?: KeySet; pending?: Promise<KeySet> }>();

  /** The issuer's configuration: what the provider discovered, else fetched once (a failure is forgotten). */
  async function issuerKeys(context: IdTokenContext, signal?: AbortSignal): Promise<IssuerKeys> {
    // rfc8628 by discovery: the metadata it found (its issuer already checked, RFC 8414 §3.3).
    const { metadata } = await context.discovered(signal);
    if (typeof metadata?.jwks_uri === "string" && metadata.jwks_uri !== "")
      return usable(context, metadata);
    const key = `${context.issuer} ${context.issuerFromConfiguration === true}`;
    let work = configurations.get(key);
    if (!work) {
      // OpenID Connect Discovery 1.0 §4: the issuer with any trailing slash removed, then the path.
      const url = `${context.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
      work = fetchJson(context.transport, url, "OpenID configuration").then((body) =>
        usable(context, body),
      );
      configurations.set(key, work);
      work.catch(() => configurations.delete(key));
    }
    return untilAborted(work, signal);
  }

  /** The JWKS, fetched when absent or older than `maxAge`; `refresh`: a token named an unknown key. */
  async function keySet(
    transport: Transport,
    jwksUri: string,
    signal: AbortSignal | undefined,
    refresh = false,
  ): Promise<KeySet> {
    let entry = sets.get(jwksUri);
    if (!entry) sets.set(jwksUri, (entry = {}));
    const { current } = entry;
    const now = options.now();
    const stale = !current || now - current.fetchedAt >= options.maxAge;
    const cooled = current !== undefined && now - current.fetchedAt >= options.cooldown;
    if (!entry.pending && (stale || (refresh && cooled))) {
      const slot = entry;
      const pending = fetchJson(transport, jwksUri, "JWKS").then((body) => {
        const set: KeySet = { getKey: localSet(body, jwksUri), fetchedAt: options.now() };
        slot.current = set;
        return set;
      });
      slot.pending = pending;
      const settle = () => {
        if (slot.pending === pending) slot.pending = undefined;
      };
      pending.then(settle, settle);
    }
    // A refetch already under way (or just done) serves everyone waiting: one request per burst.
    if (entry.pending) return untilAborted(entry.pending, signal);
    return current as KeySet;
  }

  return { issuerKeys, keySet };
}

/** A configuration as the verification needs it; anything unusable is `jwks_unavailable`. */
function usable(context: IdTokenContext, body: unknown): IssuerKeys {
  const config = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const { issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: listed } = config;
  if (typeof issuer !== "string")
    throw new KeysUnavailable("the OpenID configuration names no issuer");
  if (typeof jwksUri !== "string" || jwksUri === "")
    throw new KeysUnavailable("the OpenID configuration lists no jwks_uri");
  // OpenID Connect Discovery 1.0 §4.3: the issuer named must be the one asked for. Entra names
  // its `{tenantid}` template (or a tenant's own id) instead, on the same origin (MS9).
  const sameIssuer = context.issuerFromConfiguration
    ? sameOrigin(issuer, context.issuer)
    : issuer === context.issuer;
  if (!sameIssuer) {
    throw new KeysUnavailable(
      `the OpenID configuration names issuer ${cleanText(issuer, 200)}, not ${context.issuer}`,
    );
  }
  const algorithms = Array.isArray(listed)
    ? ALLOWED_ALGORITHMS.filter((alg) => listed.includes(alg))
    : [...ALLOWED_ALGORITHMS];
  return { issuer: context.issuerFromConfiguration ? issuer : context.issuer, jwksUri, algorithms };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** jose's local key set over a fetched JWKS (RFC 7517 §5); a body that is not one is unusable. */
function localSet(body: unknown, jwksUri: string): JWTVerifyGetKey {
  try {
    return createLocalJWKSet(body as JSONWebKeySet);
  } catch {
    throw new KeysUnavailable(`JWKS ${cleanText(jwksUri, 200)}: not a JSON Web Key Set`);
  }
}
