/**
 * Auth0 over the RFC 8628 dialect: pending and the failures come as HTTP 403, `slow_down` as
 * HTTP 429 (still slow_down, not a rate-limit error), and `expired_token` is sent only once: the
 * polls after it get `invalid_grant`. So an `invalid_grant` for a code this provider has seen
 * pending means the code expired.
 * @see https://auth0.com/docs/api/authentication#device-authorization-flow (A01)
 * @module device-flow-sdk/auth0
 */
import { ConfigurationError } from "../errors.ts";
import type { TransportOptions } from "../http/transport.ts";
import type { ErrorCodeTable } from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import type { DeviceAuthorization, PollResult } from "../result.ts";
import { presetIdTokens } from "../identity/preset.ts";
import type { IdTokenVerifier } from "../identity/types.ts";
import { rfc8628Dialect, rfc8628ErrorCodes } from "./rfc8628-dialect.ts";

/** Options of {@link auth0}. */
export interface Auth0Options extends TransportOptions {
  /**
   * The tenant's domain (`tenant.eu.auth0.com`, a custom domain), or its origin as a URL
   * (`https://login.example.com`); paths are Auth0's (A01).
   */
  domain: string;
  /** The Native application's Client ID; the device flow sends no secret (A01, A04). */
  clientId: string;
  /** The API identifier to get an access token for, sent with the device and token requests (A01). */
  audience?: string;
  /** Rows added to {@link auth0ErrorCodes}, or overriding it. */
  errorCodes?: ErrorCodeTable;
  /**
   * Verifies the ID tokens that come with `openid` (OpenID Connect Core 1.0 §3.1.3.7) against
   * the tenant's keys (issuer `https://{domain}/`, its `jwks_uri` from
   * `/.well-known/openid-configuration`, A05): verified claims are `token.claims`; an application
   * set to sign with HS256 gets `unsupported_alg`. Default: a verifier of its own
   * (`idTokenVerifier()` from `device-flow-sdk/identity`); `false` to skip verification.
   */
  idTokens?: IdTokenVerifier | false;
}

/**
 * The mapping table: Auth0's error codes (A01) → union member. Auth0 adds no codes of its own;
 * what it adds is the `invalid_grant`-after-pending rule (see {@link auth0}).
 */
export const auth0ErrorCodes = { ...rfc8628ErrorCodes } as const satisfies ErrorCodeTable;

/** Device codes remembered as seen alive, per provider: enough for many parallel flows, bounded. */
const MAX_REMEMBERED_CODES = 1000;

/**
 * A provider for Auth0's device authorization flow: `POST {domain}/oauth/device/code`, then
 * `POST {domain}/oauth/token` (A01); `revokeToken` posts to `{domain}/oauth/revoke` (A03, A05).
 * A poll answered `invalid_grant` for a device code that this provider saw `pending` or
 * `slow_down` is `expired` (Auth0 sends `expired_token` once, then `invalid_grant`, A01); without
 * that memory (a flow resumed in another process) it stays `invalid_code`.
 * @see https://auth0.com/docs/api/authentication#device-authorization-flow
 * @throws ConfigurationError (`invalid_url`, `invalid_option`) for a domain that is neither a host
 *   nor an origin, or (`insecure_url`) plain http to a host that is not loopback.
 */
export function auth0(options: Auth0Options): Provider {
  const { domain, idTokens, ...client } = options;
  const origin = originOf(domain);
  return rfc8628Dialect(
    {
      ...client,
      clientAuth: "none",
      deviceAuthorizationEndpoint: `${origin}/oauth/device/code`,
      tokenEndpoint: `${origin}/oauth/token`,
      revocationEndpoint: `${origin}/oauth/revoke`,
      ...presetIdTokens(idTokens),
    },
    // A05: Auth0's issuer is the tenant's origin with a trailing slash.
    {
      name: "auth0",
      errorCodes: auth0ErrorCodes,
      refine: expiryAfterPending(),
      openId: { issuer: `${origin}/` },
    },
  );
}

/** `tenant.auth0.com` → `https://tenant.auth0.com`; a URL keeps its scheme; a path is refused. */
function originOf(domain: string): string {
  const typed = domain.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(typed) ? typed : `https://${typed}`);
  } catch {
    throw new ConfigurationError("invalid_url", "domain must be a host name or an origin URL");
  }
  if (
    url.pathname !== "/" ||
    url.search ||
    url.hash ||
    url.username ||
    url.password ||
    !url.hostname
  ) {
    throw new ConfigurationError(
      "invalid_option",
      "domain must be a host name or an origin (no path, query or credentials)",
    );
  }
  return url.origin;
}

/**
 * The memory behind "invalid_grant after pending is expired": device codes seen alive, forgotten
 * once their flow ends and evicted oldest-first beyond {@link MAX_REMEMBERED_CODES}, so it never
 * grows without bound.
 */
function expiryAfterPending(): (
  result: PollResult,
  authorization: DeviceAuthorization,
) => PollResult {
  const alive = new Set<string>();
  return (result, { deviceCode }) => {
    switch (result.status) {
      case "pending":
      case "slow_down":
        alive.delete(deviceCode); // re-inserted last: the most recently seen is evicted last
        alive.add(deviceCode);
        if (alive.size > MAX_REMEMBERED_CODES) alive.delete(alive.values().next().value as string);
        return result;
      case "invalid_code":
        if (!alive.delete(deviceCode)) return result;
        return result.description === undefined
          ? { status: "expired" }
          : { status: "expired", description: result.description };
      case "error":
        // A retryable failure says nothing about the code; any other error ends the flow.
        if (!result.retryable) alive.delete(deviceCode);
        return result;
      default:
        alive.delete(deviceCode);
        return result;
    }
  };
}
