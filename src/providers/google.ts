/**
 * Google's OAuth 2.0 for TV and Limited-Input Device Applications over the RFC 8628 dialect: the
 * client secret goes in both form bodies, the outcome is the body's `error` under HTTP 428 / 403 /
 * 400 / 401, the device answer says `verification_url`, and the device endpoint's quota answer
 * puts its code in `error_code`. The shared reader handles all of these.
 * @see https://developers.google.com/identity/protocols/oauth2/limited-input-device (GO1)
 * @module device-flow-sdk/google
 */
import type { TransportOptions } from "../http/transport.ts";
import type { ErrorCodeTable } from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import { presetIdTokens } from "../identity/preset.ts";
import type { IdTokenVerifier } from "../identity/types.ts";
import { rfc8628Dialect, rfc8628ErrorCodes } from "./rfc8628-dialect.ts";

/** Options of {@link google}. */
export interface GoogleOptions extends TransportOptions {
  /** The client ID of an OAuth client of type "TVs and Limited Input devices" (GO1). */
  clientId: string;
  /** Its client secret: Google requires it when polling (GO1), and it is sent in both bodies. */
  clientSecret: string;
  /** Default `https://oauth2.googleapis.com` (GO1, GO2). */
  baseUrl?: string;
  /** Rows added to {@link googleErrorCodes}, or overriding it. */
  errorCodes?: ErrorCodeTable;
  /**
   * The OpenID issuer ID tokens are checked against: default `https://accounts.google.com` (GO5),
   * and none when only `baseUrl` is changed (a stand-in server has no Google keys).
   */
  issuer?: string;
  /**
   * Verifies the ID tokens that come with `openid` (OpenID Connect Core 1.0 §3.1.3.7) against
   * the issuer's keys (its OpenID configuration's `jwks_uri`, GO5): verified claims are
   * `token.claims`. Default: a verifier of its own (`idTokenVerifier()` from
   * `device-flow-sdk/identity`); `false` to skip verification.
   */
  idTokens?: IdTokenVerifier | false;
}

/** The mapping table: Google's error codes (GO1 "Error codes") → union member. */
export const googleErrorCodes = {
  ...rfc8628ErrorCodes,
  // GO1: 401 "The OAuth client type is incorrect" for any other client type.
  invalid_client: {
    fix: 'use an OAuth client of type "TVs and Limited Input devices" (Google Cloud console, Credentials) and its secret',
  },
  admin_policy_enforced: {
    fix: "a Google Workspace administrator's policy blocks a requested scope: ask them to allow it, or request fewer scopes",
  },
  org_internal: {
    fix: "the OAuth client accepts only accounts of its own Google Cloud organization",
  },
} as const satisfies ErrorCodeTable;

/**
 * A provider for Google's device flow: `POST {baseUrl}/device/code`, then `POST {baseUrl}/token`,
 * with `client_id` and `client_secret` in both form bodies (`client_secret_post`, GO1). The
 * device request needs a `scope`; only a few scopes are allowed (GO1), others get `invalid_scope`.
 * `revokeToken` posts to `{baseUrl}/revoke` (GO1, GO5 `revocation_endpoint`) with the token in the
 * form body, not in the `?token=` query GO1 shows: a URL ends up in logs.
 * @see https://developers.google.com/identity/protocols/oauth2/limited-input-device
 * @throws ConfigurationError without a `clientSecret`, or for a `baseUrl` that is not https
 *   (unless loopback or `allowInsecureRequests`).
 */
export function google(options: GoogleOptions): Provider {
  const { baseUrl = "https://oauth2.googleapis.com", issuer, idTokens, ...client } = options;
  // GO5: accounts.google.com's OpenID configuration lists its jwks_uri and RS256.
  const openIdIssuer =
    issuer ?? (options.baseUrl === undefined ? "https://accounts.google.com" : undefined);
  const origin = baseUrl.replace(/\/+$/, "");
  return rfc8628Dialect(
    {
      ...client,
      clientAuth: "client_secret_post",
      deviceAuthorizationEndpoint: `${origin}/device/code`,
      tokenEndpoint: `${origin}/token`,
      revocationEndpoint: `${origin}/revoke`,
      ...presetIdTokens(idTokens),
    },
    {
      name: "google",
      errorCodes: googleErrorCodes,
      ...(openIdIssuer !== undefined && { openId: { issuer: openIdIssuer } }),
    },
  );
}
