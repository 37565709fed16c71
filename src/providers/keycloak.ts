/**
 * Keycloak over the RFC 8628 dialect: the realm is a path segment, every poll error is HTTP 400
 * with the RFC codes, and a confidential client authenticates at the device endpoint as well as
 * at the token endpoint.
 * @see https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/protocol/oidc/grants/device/endpoints/DeviceEndpoint.java (KC2)
 * @module device-flow-sdk/keycloak
 */
import { ConfigurationError } from "../errors.ts";
import type { TransportOptions } from "../http/transport.ts";
import type { ErrorCodeTable } from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import { presetIdTokens } from "../identity/preset.ts";
import type { IdTokenVerifier } from "../identity/types.ts";
import { rfc8628Dialect, rfc8628ErrorCodes } from "./rfc8628-dialect.ts";

/** Options of {@link keycloak}. */
export interface KeycloakOptions extends TransportOptions {
  /**
   * The server's root URL, e.g. `https://sso.example.com` (old distributions serve under
   * `https://sso.example.com/auth`: include that prefix), KC2.
   */
  baseUrl: string;
  /** The realm's name. */
  realm: string;
  /** The client's ID in that realm, with "OAuth 2.0 Device Authorization Grant" enabled. */
  clientId: string;
  /** A confidential client's secret, sent with HTTP Basic in both requests (KC2). */
  clientSecret?: string;
  /** Rows added to {@link keycloakErrorCodes}, or overriding it. */
  errorCodes?: ErrorCodeTable;
  /**
   * Verifies the ID tokens that come with `openid` (OpenID Connect Core 1.0 §3.1.3.7) against
   * the realm's keys (issuer `{baseUrl}/realms/{realm}`, its `jwks_uri` from the realm's OpenID
   * configuration, KC4): verified claims are `token.claims`. Default: a verifier of its own
   * (`idTokenVerifier()` from `device-flow-sdk/identity`); `false` to skip verification.
   */
  idTokens?: IdTokenVerifier | false;
}

/**
 * The mapping table: Keycloak's device-grant errors (KC1) → union member. The RFC's codes, plus
 * `unauthorized_client`, which newer versions answer when the client may not use the grant.
 */
export const keycloakErrorCodes = {
  ...rfc8628ErrorCodes,
  unauthorized_client: {
    fix: 'enable "OAuth 2.0 Device Authorization Grant" in the client\'s settings in this realm',
  },
} as const satisfies ErrorCodeTable;

/**
 * A provider for a Keycloak realm's device authorization grant:
 * `POST {baseUrl}/realms/{realm}/protocol/openid-connect/auth/device`, then
 * `POST {baseUrl}/realms/{realm}/protocol/openid-connect/token` (KC2, KC4); `revokeToken` posts to
 * `…/protocol/openid-connect/revoke`, the realm metadata's `revocation_endpoint` (KC4).
 * @see keycloak/keycloak: services/…/grants/device/endpoints/DeviceEndpoint.java (KC2), DeviceGrantType.java (KC1)
 * @throws ConfigurationError (`invalid_option`) for an empty `realm`, or for a `baseUrl` that is
 *   not https (unless loopback or `allowInsecureRequests`).
 */
export function keycloak(options: KeycloakOptions): Provider {
  const { baseUrl, realm, idTokens, ...client } = options;
  if (realm.trim() === "")
    throw new ConfigurationError("invalid_option", "realm must not be empty");
  // One path segment, whatever the realm is called: a `/` or `?` cannot move the request elsewhere.
  const issuer = `${baseUrl.replace(/\/+$/, "")}/realms/${encodeURIComponent(realm)}`;
  const root = `${issuer}/protocol/openid-connect`;
  return rfc8628Dialect(
    {
      ...client,
      deviceAuthorizationEndpoint: `${root}/auth/device`,
      tokenEndpoint: `${root}/token`,
      revocationEndpoint: `${root}/revoke`,
      ...presetIdTokens(idTokens),
    },
    // KC4: the realm's metadata names `{base}/realms/{realm}` as its issuer.
    { name: "keycloak", errorCodes: keycloakErrorCodes, openId: { issuer } },
  );
}
