/**
 * ID token validation (OpenID Connect Core 1.0 §3.1.3.7) with jose: the signature against the
 * issuer's JWKS with an asymmetric algorithm the issuer lists, `iss` equal to the issuer, `aud`
 * containing the client id and `azp` equal to it, `exp` / `nbf` / `iat` within a small clock
 * tolerance. A failure is a typed {@link IdTokenError}, never a thrown error: the access token
 * that came with the ID token is the caller's whatever this says.
 */
import {
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { cleanText } from "../http/answer.ts";
import { ALLOWED_ALGORITHMS, KeysUnavailable, keyCache, type KeyCacheOptions } from "./keys.ts";
import type {
  IdTokenClaims,
  IdTokenContext,
  IdTokenError,
  IdTokenErrorCode,
  IdTokenVerdict,
  IdTokenVerifier,
} from "./types.ts";

/** Options of {@link idTokenVerifier}. */
export interface IdTokenVerifierOptions {
  /** Seconds of clock skew allowed for `exp`, `nbf` and `iat`. Default 60. */
  clockTolerance?: number;
  /**
   * Milliseconds after a JWKS fetch during which a token naming an unknown `kid` causes no new
   * fetch (it is `unknown_key`). Default 30 000.
   */
  jwksCooldown?: number;
  /** Milliseconds a fetched JWKS is used before it is fetched again. Default 600 000 (10 min). */
  jwksMaxAge?: number;
  /** The current time in epoch milliseconds (tests). Default `Date.now`. */
  now?: () => number;
}

/** Display claims typed in {@link IdTokenClaims}: one of another type is dropped, not passed on as a lie. */
const STRING_CLAIMS = [
  "azp",
  "name",
  "given_name",
  "family_name",
  "email",
  "preferred_username",
  "picture",
  "tid",
  "oid",
];
const NUMBER_CLAIMS = ["nbf", "auth_time"];

/**
 * An {@link IdTokenVerifier} for `rfc8628({ issuer, idTokens })` and the OpenID presets. Keys
 * are fetched through the provider's transport and cached per issuer; a token naming an
 * unknown `kid` fetches the JWKS again at most once per `jwksCooldown`.
 * @see OpenID Connect Core 1.0 §3.1.3.7 (ID token validation), OpenID Connect Discovery 1.0 §4
 */
export function idTokenVerifier(options: IdTokenVerifierOptions = {}): IdTokenVerifier {
  const now = options.now ?? Date.now;
  const tolerance = options.clockTolerance ?? 60;
  const cacheOptions: KeyCacheOptions = {
    now,
    cooldown: options.jwksCooldown ?? 30_000,
    maxAge: options.jwksMaxAge ?? 600_000,
  };
  const cache = keyCache(cacheOptions);

  async function verify(
    idToken: string,
    context: IdTokenContext,
    signal?: AbortSignal,
  ): Promise<IdTokenVerdict> {
    // An ID token is a compact JWS (§2): a structure check, and no `none` or HMAC, before any request.
    let alg: unknown;
    let unverified: JWTPayload;
    try {
      alg = decodeProtectedHeader(idToken).alg;
      unverified = decodeJwt(idToken);
    } catch {
      return failure("malformed", "the ID token is not a signed JWT");
    }
    if (typeof alg !== "string" || !ALLOWED_ALGORITHMS.includes(alg)) {
      return failure(
        "unsupported_alg",
        `alg ${cleanText(String(alg), 40)} is not an asymmetric signature algorithm`,
      );
    }
    let keys;
    try {
      keys = await cache.issuerKeys(context, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return failure("jwks_unavailable", messageOf(error));
    }
    if (!keys.algorithms.includes(alg)) {
      return failure(
        "unsupported_alg",
        `alg ${alg} is not one the issuer lists (${keys.algorithms.join(", ") || "none usable"})`,
      );
    }
    const issuer = expectedIssuer(keys.issuer, unverified);
    if (issuer === undefined)
      return failure("wrong_issuer", "the issuer is per tenant, and the token has no usable tid");

    const checks = {
      algorithms: keys.algorithms,
      issuer,
      audience: context.clientId,
      clockTolerance: tolerance,
      currentDate: new Date(now()),
      requiredClaims: ["sub", "exp", "iat"],
    };
    let payload: JWTPayload;
    try {
      let set = await cache.keySet(context.transport, keys.jwksUri, signal);
      try {
        payload = await verifyWith(idToken, set.getKey, checks);
      } catch (error) {
        if (codeOf(error) !== "ERR_JWKS_NO_MATCHING_KEY") throw error;
        // Key rotation: a kid the cached JWKS does not hold fetches it again (cool-down permitting).
        const fresh = await cache.keySet(context.transport, keys.jwksUri, signal, true);
        if (fresh === set) throw error;
        set = fresh;
        payload = await verifyWith(idToken, set.getKey, checks);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return joseFailure(error);
    }
    return claimsOf(payload, context.clientId, now() / 1000 + tolerance);
  }

  async function guarded(
    idToken: string,
    context: IdTokenContext,
    signal?: AbortSignal,
  ): Promise<IdTokenVerdict> {
    try {
      return await verify(idToken, context, signal);
    } catch (error) {
      // Whatever broke, the token stays: only the caller's abort rejects.
      if (signal?.aborted) throw signal.reason;
      return failure("verification_failed", messageOf(error));
    }
  }

  return {
    verify: guarded,
    async attach(result, context, signal) {
      if (result.status === "authorized" && result.token.idToken) {
        Object.assign(result.token, await guarded(result.token.idToken, context, signal));
      }
      return result;
    },
  };
}

/** jwtVerify, trying each candidate when several keys of the JWKS match the header. */
async function verifyWith(
  idToken: string,
  getKey: JWTVerifyGetKey,
  checks: Parameters<typeof jwtVerify>[2],
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(idToken, getKey, checks)).payload;
  } catch (error) {
    if (codeOf(error) !== "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw error;
    for await (const key of error as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(idToken, key, checks)).payload;
      } catch (attempt) {
        if (codeOf(attempt) !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") throw attempt;
      }
    }
    throw Object.assign(new Error("no matching key verifies the signature"), {
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  }
}

/**
 * The `iss` to require. Entra's multi-tenant issuer is the template
 * `https://login.microsoftonline.com/{tenantid}/v2.0` (MS9), resolved against the token's own
 * `tid`; the result must then equal the token's `iss`, so a token whose `iss` names another
 * tenant than its `tid` fails.
 */
function expectedIssuer(issuer: string, unverified: JWTPayload): string | undefined {
  if (!issuer.includes("{tenantid}")) return issuer;
  const { tid } = unverified;
  if (typeof tid !== "string" || !/^[\w.-]+$/.test(tid)) return undefined;
  return issuer.replace("{tenantid}", tid);
}

/** After jose: `iat` not in the future, `azp` (§3.1.3.7 steps 4–5), and the claims typed. */
function claimsOf(payload: JWTPayload, clientId: string, latest: number): IdTokenVerdict {
  const { sub, iat, exp, aud, azp } = payload;
  if (typeof sub !== "string" || sub === "" || typeof iat !== "number" || typeof exp !== "number") {
    return failure("malformed", "sub, iat or exp is missing or of the wrong type");
  }
  if (iat > latest) return failure("issued_in_future", "iat is in the future");
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (azp !== undefined ? azp !== clientId : audiences.length > 1) {
    return failure(
      "wrong_azp",
      azp === undefined ? "several audiences and no azp" : "azp is not this client",
    );
  }
  const claims = { ...payload } as Record<string, unknown>;
  for (const name of STRING_CLAIMS)
    if (name in claims && typeof claims[name] !== "string") delete claims[name];
  for (const name of NUMBER_CLAIMS)
    if (name in claims && typeof claims[name] !== "number") delete claims[name];
  if ("email_verified" in claims && typeof claims.email_verified !== "boolean")
    delete claims.email_verified;
  return { claims: claims as IdTokenClaims };
}

/** jose's error codes onto ours. */
function joseFailure(error: unknown): IdTokenVerdict {
  if (error instanceof KeysUnavailable) return failure("jwks_unavailable", error.message);
  const code = codeOf(error);
  const claim = (error as { claim?: unknown }).claim;
  switch (code) {
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return failure("unsupported_alg", messageOf(error));
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return failure("bad_signature", "the signature does not verify with the issuer's key");
    case "ERR_JWKS_NO_MATCHING_KEY":
      return failure("unknown_key", "no key of the issuer's JWKS matches the token's kid");
    case "ERR_JWT_EXPIRED":
      return failure("expired", "the ID token has expired");
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const reason = (error as { reason?: unknown }).reason;
      if (reason === "missing") return failure("malformed", messageOf(error));
      const byClaim: Record<string, IdTokenErrorCode> = {
        iss: "wrong_issuer",
        aud: "wrong_audience",
        nbf: "not_yet_valid",
        iat: "issued_in_future",
      };
      const mapped = typeof claim === "string" ? byClaim[claim] : undefined;
      return failure(mapped ?? "malformed", messageOf(error));
    }
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return failure("malformed", messageOf(error));
    case "ERR_JWKS_INVALID":
    case "ERR_JWK_INVALID":
      return failure("jwks_unavailable", messageOf(error));
    default:
      return failure("verification_failed", messageOf(error));
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

function messageOf(error: unknown): string {
  return cleanText(error instanceof Error ? error.message : String(error), 300);
}

function failure(code: IdTokenErrorCode, message: string): { idTokenError: IdTokenError } {
  return { idTokenError: { code, message } };
}
