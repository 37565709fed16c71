/**
 * The SDK's vocabulary: what a device authorization is, what a token is, and what one poll can
 * come back with. Plain JSON data, so a flow can be saved and resumed in another process.
 */
import type { IdTokenClaims, IdTokenError } from "./identity/types.ts";
import { redactOnInspect } from "./redact.ts";

/**
 * A started device authorization (RFC 8628 §3.2), normalised across providers.
 * JSON-serialisable: save it, and resume polling with it elsewhere.
 */
export interface DeviceAuthorization {
  /** The device verification code (secret: it is what the token is polled with). */
  deviceCode: string;
  /** The code the user types at {@link verificationUri}. */
  userCode: string;
  /** Where the user goes (RFC 8628 `verification_uri`; Trakt and Google say `verification_url`). */
  verificationUri: string;
  /** The same with the user code already filled in, when the server sends one. */
  verificationUriComplete?: string;
  /** Lifetime in seconds, as the server sent it (clamped to 1 s … 24 h). */
  expiresIn: number;
  /** Seconds between polls: the server's value, or 5 when absent (RFC 8628 §3.2). */
  interval: number;
  /** When the codes expire, epoch milliseconds, anchored at the moment the response arrived. */
  expiresAt: number;
  /**
   * Instructions for the user written by the server (Entra's `message`, localised), without
   * control characters. Optional: show it, or build your own from the fields above.
   */
  message?: string;
}

/** An access token response (RFC 6749 §5.1), normalised. Secrets are redacted when inspected. */
export interface TokenSet {
  /** The access token (secret). */
  accessToken: string;
  /** How to use it, usually `Bearer` (RFC 6749 §7.1). */
  tokenType: string;
  /** Lifetime in seconds, when the server says. */
  expiresIn?: number;
  /** Epoch milliseconds: arrival time + `expiresIn`. */
  expiresAt?: number;
  /** Exchanged by `refreshToken()` for a new access token later (secret). */
  refreshToken?: string;
  /** The granted scope, when the server says (RFC 6749 §5.1). */
  scope?: string;
  /** An OpenID Connect ID token, when the server sends one (secret). */
  idToken?: string;
  /**
   * The ID token's claims (`sub`, `name`, `email`, …), present only when the provider verified it
   * (signature, issuer, audience, times: OpenID Connect Core 1.0 §3.1.3.7). Not secret.
   */
  claims?: IdTokenClaims;
  /** Why an ID token came but `claims` is absent: it failed verification (the access token is kept). */
  idTokenError?: IdTokenError;
  /** The response body as the server sent it (validated fields plus any extras). */
  raw: Record<string, unknown>;
}

/** The user approved: here is the token. */
export interface Authorized {
  status: "authorized";
  /** The tokens, normalised across providers. */
  token: TokenSet;
}
/** The user has not acted yet (RFC 8628 §3.5 `authorization_pending`): keep polling. */
export interface Pending {
  status: "pending";
}
/** Polling too fast (RFC 8628 §3.5 `slow_down`): keep polling, every `interval` seconds from now on. */
export interface SlowDown {
  status: "slow_down";
  /** The interval for this and every later poll: the old one + 5 s, or more if the server asks. */
  interval: number;
}
/** The device code expired (`expired_token`, Trakt 410, fakts `expired`): start again. */
export interface Expired {
  status: "expired";
  /** The server's explanation, when it sent one. */
  description?: string;
}
/** The user said no (`access_denied`, Trakt 418, fakts `denied`). */
export interface Denied {
  status: "denied";
  /** The server's explanation, when it sent one. */
  description?: string;
}
/** The server does not know the device code (`invalid_grant`, Trakt 404, fakts `error`). */
export interface InvalidCode {
  status: "invalid_code";
  /** The server's explanation, when it sent one. */
  description?: string;
}
/** The code was already exchanged for a token (Trakt 409). */
export interface AlreadyUsed {
  status: "already_used";
  /** The server's explanation, when it sent one. */
  description?: string;
}
/** Anything else: an OAuth error code, an HTTP failure, a network failure or a bad response. */
export interface PollError {
  status: "error";
  /**
   * The OAuth error code when the server sent one (e.g. `invalid_client`), else one of the SDK's:
   * `network_error`, `timeout`, `server_error` (5xx), `rate_limited` (429), `http_error`,
   * `invalid_response`, `unexpected_redirect`, `discovery_failed`.
   */
  error: string;
  /** A human-readable explanation, e.g. the server's `error_description`. */
  description?: string;
  /** The HTTP status, when a response arrived. */
  httpStatus?: number;
  /** True when polling again later may succeed (5xx, 429, network); false means stop (RFC 8628 §3.5). */
  retryable: boolean;
  /** Seconds the server asked to wait (`Retry-After`). */
  retryAfter?: number;
  /**
   * For `invalid_response`: the body as it arrived (parsed JSON or form, else the text), so a
   * caller can still recover what the server sent. Redacted when inspected: it may hold a token.
   */
  raw?: unknown;
}

/** What one poll of the token endpoint comes back with, whatever the provider. */
export type PollResult =
  | Authorized
  | Pending
  | SlowDown
  | Expired
  | Denied
  | InvalidCode
  | AlreadyUsed
  | PollError;

/** The members of {@link PollResult} after which polling stops. */
export type TerminalResult = Exclude<PollResult, Pending | SlowDown>;

/** What refreshing a token comes back with (RFC 6749 §6). */
export type RefreshResult = Authorized | PollError;

/** The token is no longer valid at the server (RFC 7009 §2.2: also for a token it did not know). */
export interface Revoked {
  status: "revoked";
}
/** What revoking a token comes back with (RFC 7009 §2.2, §2.2.1). */
export type RevokeResult = Revoked | PollError;

/** Builds a {@link TokenSet} whose secrets stay readable but are redacted when inspected. */
export function tokenSet(fields: TokenSet): TokenSet {
  return redactOnInspect(fields, ["accessToken", "refreshToken", "idToken", "raw"]);
}

/** Builds a {@link DeviceAuthorization} whose device code is redacted when inspected. */
export function deviceAuthorization(fields: DeviceAuthorization): DeviceAuthorization {
  return redactOnInspect(fields, ["deviceCode"]);
}
