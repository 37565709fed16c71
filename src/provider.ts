/**
 * The one interface between the flow functions and the providers. An adapter knows its wire
 * dialect and nothing else: how to ask for a device code, how to ask for a token, and a table from
 * what came back to a {@link PollResult} member. It never waits, retries or loops.
 */
import type { CallOptions } from "./http/transport.ts";
import type { IdTokenVerdict } from "./identity/types.ts";
import type { DeviceAuthorization, PollResult, RefreshResult, RevokeResult } from "./result.ts";

/** Options of `startDeviceAuthorization`. */
export interface StartOptions extends CallOptions {
  /** Space-delimited scopes (RFC 6749 §3.3). */
  scope?: string;
}

/** Options of `refreshToken`. */
export interface RefreshOptions extends CallOptions {
  /** A narrower scope for the new token (RFC 6749 §6). */
  scope?: string;
}

/** Options of `revokeToken`. */
export interface RevokeOptions extends CallOptions {
  /** RFC 7009 §2.1 `token_type_hint`: which kind of token this is, to speed up the lookup. */
  tokenTypeHint?: "access_token" | "refresh_token";
}

/**
 * One provider's wire dialect behind the three calls the flow functions need. Made by the
 * factories (`rfc8628`, `trakt`, `transparenc`, `fakts`); write your own for another dialect.
 */
export interface Provider {
  /** The provider's name, for messages: `rfc8628`, `trakt`, `transparenc`, `fakts`. */
  readonly name: string;
  /** Asks for a device code (RFC 8628 §3.1–3.2). Throws a `DeviceFlowError` on any failure. */
  requestDeviceAuthorization(options: StartOptions): Promise<DeviceAuthorization>;
  /**
   * Sends one token request (RFC 8628 §3.4) and classifies the answer. May throw a
   * `DeviceFlowError` for failures with no answer (network, timeout, oversized body).
   */
  requestToken(authorization: DeviceAuthorization, options: CallOptions): Promise<PollResult>;
  /** Exchanges a refresh token (RFC 6749 §6). May throw like {@link requestToken}. */
  refreshToken(refreshToken: string, options: RefreshOptions): Promise<RefreshResult>;
  /**
   * Revokes a token (RFC 7009 §2), where the provider can; absent when it has no revocation
   * endpoint. May throw like {@link requestToken}.
   */
  revokeToken?(token: string, options: RevokeOptions): Promise<RevokeResult>;
  /**
   * Verifies an ID token with the provider's OpenID issuer (OpenID Connect Core 1.0 §3.1.3.7);
   * absent when the provider has none. Resolves to `{ claims }` or `{ idTokenError }`.
   */
  verifyIdToken?(idToken: string, options: CallOptions): Promise<IdTokenVerdict>;
}
