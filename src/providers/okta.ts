/**
 * Okta over the RFC 8628 dialect, its endpoints found by discovery from the issuer (an Okta org
 * or custom authorization server publishes `device_authorization_endpoint`). Okta speaks the RFC
 * codes as written: every error is HTTP 400, `slow_down` included (since 2024), with no interval.
 * @see https://developer.okta.com/docs/guides/device-authorization-grant/main/ (OK1)
 * @module device-flow-sdk/okta
 */
import type { TransportOptions } from "../http/transport.ts";
import type { ErrorCodeTable } from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import { presetIdTokens } from "../identity/preset.ts";
import type { IdTokenVerifier } from "../identity/types.ts";
import { rfc8628Dialect, rfc8628ErrorCodes } from "./rfc8628-dialect.ts";

/** Options of {@link okta}. */
export interface OktaOptions extends TransportOptions {
  /**
   * The authorization server's issuer: `https://{yourOktaDomain}/oauth2/default` (a custom
   * authorization server) or `https://{yourOktaDomain}` (the org's), OK1.
   */
  issuer: string;
  /** The Native OIDC app's Client ID, with the Device Authorization grant enabled (OK1). */
  clientId: string;
  /** Rows added to {@link oktaErrorCodes}, or overriding it. */
  errorCodes?: ErrorCodeTable;
  /**
   * Verifies the ID tokens that come with `openid` (OpenID Connect Core 1.0 §3.1.3.7) against
   * the `issuer`'s keys (the `jwks_uri` its metadata lists, OK4): verified claims are
   * `token.claims`. Default: a verifier of its own (`idTokenVerifier()` from
   * `device-flow-sdk/identity`); `false` to skip verification.
   */
  idTokens?: IdTokenVerifier | false;
}

/**
 * The mapping table: exactly RFC 8628 §3.5's, restated, because Okta adds no code of its own
 * (OK1 documents `authorization_pending`, OK2 `slow_down` as HTTP 400). Exported like every
 * preset's table, so the README and a caller can see what `okta()` maps.
 */
export const oktaErrorCodes = { ...rfc8628ErrorCodes } as const satisfies ErrorCodeTable;

/**
 * A provider for Okta's device authorization grant. The endpoints (`…/v1/device/authorize`,
 * `…/v1/token`) come from the issuer's metadata, fetched once on first use (RFC 8414 §3, then
 * OpenID Connect Discovery), so a custom authorization server and the org's both work;
 * `revokeToken` goes to the metadata's `revocation_endpoint` (`…/v1/revoke`, OK1).
 * @see https://developer.okta.com/docs/guides/device-authorization-grant/main/
 * @throws ConfigurationError for an issuer that is not https (unless loopback or
 *   `allowInsecureRequests`); discovery failures reject the first request with `discovery_failed`.
 */
export function okta(options: OktaOptions): Provider {
  const { idTokens, ...client } = options;
  return rfc8628Dialect(
    { ...client, clientAuth: "none", ...presetIdTokens(idTokens) },
    { name: "okta", errorCodes: oktaErrorCodes },
  );
}
