/**
 * The vocabulary of "who signed in": verified ID token claims (OpenID Connect Core 1.0 §2), the
 * typed reasons a token was not verified, and the verifier a provider is given. Types only, so
 * the core can name them without pulling in jose.
 */
import type { Transport } from "../http/transport.ts";
import type { PollResult } from "../result.ts";

/**
 * The claims of an ID token whose signature, issuer, audience and times were verified
 * (OpenID Connect Core 1.0 §2, §5.1). Only a verified token gives these: never decode
 * `token.idToken` yourself and trust it.
 */
export interface IdTokenClaims {
  /** Issuer: who issued and signed the token (equal to the provider's issuer). */
  iss: string;
  /** Subject: the user's stable identifier at that issuer. Use it (with `iss`) as the account key. */
  sub: string;
  /** Audience: contains this client's `client_id`. */
  aud: string | string[];
  /** Expiry, epoch seconds. */
  exp: number;
  /** Issue time, epoch seconds. */
  iat: number;
  /** Not before, epoch seconds, when the issuer says. */
  nbf?: number;
  /** Authorized party: the client the token was issued to (§2), when the issuer says. */
  azp?: string;
  /** When the user authenticated, epoch seconds (§2). */
  auth_time?: number;
  /** The user's full name (§5.1). */
  name?: string;
  /** Given name(s) (§5.1). */
  given_name?: string;
  /** Surname(s) (§5.1). */
  family_name?: string;
  /** The user's e-mail address (§5.1); see `email_verified` before trusting it as an identity. */
  email?: string;
  /** Whether the issuer verified `email` (§5.1). */
  email_verified?: boolean;
  /** The name the user goes by at the issuer, e.g. an Entra UPN (§5.1); not unique, may change. */
  preferred_username?: string;
  /** Profile picture URL (§5.1). */
  picture?: string;
  /** Entra ID: the tenant the user signed in to. */
  tid?: string;
  /** Entra ID: the user's object id in that tenant. */
  oid?: string;
  /** Every other claim the issuer signed, as sent. */
  [claim: string]: unknown;
}

/** Why an ID token was not verified. */
export type IdTokenErrorCode =
  /** Not a compact JWS, or a required claim (`sub`, `exp`, `iat`) missing or of the wrong type. */
  | "malformed"
  /** `alg` is `none`, an HMAC, or not one the issuer lists: only asymmetric signatures are accepted. */
  | "unsupported_alg"
  /** The signature does not verify with the issuer's key. */
  | "bad_signature"
  /** No key of the issuer's JWKS matches (`kid`), even after fetching it again. */
  | "unknown_key"
  /** `iss` is not the provider's issuer (for Entra: not its tenant's, from `tid`). */
  | "wrong_issuer"
  /** `aud` does not contain this client's id. */
  | "wrong_audience"
  /** Several audiences and no `azp`, or an `azp` that is not this client's id. */
  | "wrong_azp"
  /** `exp` has passed (beyond the clock tolerance). */
  | "expired"
  /** `nbf` is in the future (beyond the clock tolerance). */
  | "not_yet_valid"
  /** `iat` is in the future (beyond the clock tolerance). */
  | "issued_in_future"
  /** The issuer's OpenID configuration or JWKS could not be fetched or used. */
  | "jwks_unavailable"
  /** Anything else that went wrong while verifying. */
  | "verification_failed";

/** Why `token.claims` is absent although an ID token came. */
export interface IdTokenError {
  /** A code to branch on. */
  code: IdTokenErrorCode;
  /** What failed, for logs (never holds the token). */
  message: string;
}

/** The outcome of verifying one ID token: its claims, or why not. */
export type IdTokenVerdict = { claims: IdTokenClaims } | { idTokenError: IdTokenError };

/**
 * What a provider knows that a verification needs.
 * @internal
 */
export interface IdTokenContext {
  /** The OpenID issuer: `iss` must equal it, and its configuration is at `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /**
   * Entra ID: `iss` must equal the issuer the configuration names (on the same origin), which
   * may be the `{tenantid}` template, resolved against the token's `tid`.
   */
  issuerFromConfiguration?: boolean;
  /** This client's id: the audience expected (`aud`, `azp`). */
  clientId: string;
  /** The provider's transport: the configuration and the JWKS go through it. */
  transport: Transport;
  /** The provider's endpoints, with the metadata it discovered (RFC 8414 / OpenID Connect Discovery), if any. */
  discovered: (signal?: AbortSignal) => Promise<{ metadata?: DiscoveredMetadata }>;
}

/**
 * The metadata fields ID token verification reads (OpenID Connect Discovery 1.0 §3).
 * @internal
 */
export interface DiscoveredMetadata {
  issuer: string;
  jwks_uri?: string | null;
  id_token_signing_alg_values_supported?: unknown;
}

/**
 * Verifies the ID tokens a provider receives, made by `idTokenVerifier()` from
 * `device-flow-sdk/identity`. Give one to `rfc8628({ issuer, idTokens })`; the OpenID presets
 * (Google, Entra ID, Auth0, Okta, Keycloak) make their own. One verifier may serve several
 * providers: it caches each issuer's keys.
 */
export interface IdTokenVerifier {
  /**
   * Verifies `idToken`: never rejects for what the token, the network or the issuer does (that
   * is an `idTokenError`); rejects with `signal.reason` on abort.
   * @internal
   */
  verify(idToken: string, context: IdTokenContext, signal?: AbortSignal): Promise<IdTokenVerdict>;
  /**
   * `result` with `claims` or `idTokenError` on its token when it is `authorized` with an ID
   * token; any other result as it is. Rejects only with `signal.reason` on abort.
   * @internal
   */
  attach<R extends PollResult>(
    result: R,
    context: IdTokenContext,
    signal?: AbortSignal,
  ): Promise<R>;
}
