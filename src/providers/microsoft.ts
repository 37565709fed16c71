/**
 * Microsoft Entra ID (the v2.0 endpoints) over the RFC 8628 dialect: the tenant is a path
 * segment of both endpoints, the denial is `authorization_declined`, an unknown code is
 * `bad_verification_code`, and the device answer carries a ready-made `message` for the user,
 * kept on the `DeviceAuthorization`.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code (MS1)
 * @module device-flow-sdk/microsoft
 */
import { ConfigurationError } from "../errors.ts";
import type { TransportOptions } from "../http/transport.ts";
import type { ErrorCodeTable } from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import { presetIdTokens } from "../identity/preset.ts";
import type { IdTokenVerifier } from "../identity/types.ts";
import { rfc8628Dialect, rfc8628ErrorCodes } from "./rfc8628-dialect.ts";

/** Options of {@link microsoft}. */
export interface MicrosoftOptions extends TransportOptions {
  /** The app registration's Application (client) ID; a public client needs no secret (MS1). */
  clientId: string;
  /**
   * `common` (default), `organizations`, `consumers`, a tenant GUID or a domain (MS1). Both
   * requests use the same one, as Entra requires.
   */
  tenant?: string;
  /** Default `https://login.microsoftonline.com`; sovereign clouds have their own (GH15). */
  baseUrl?: string;
  /** Rows added to {@link microsoftErrorCodes}, or overriding it. */
  errorCodes?: ErrorCodeTable;
  /**
   * Verifies the ID tokens that come with `openid` (OpenID Connect Core 1.0 §3.1.3.7) against
   * the tenant's keys (`{baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`, MS9): verified
   * claims are `token.claims`. For `common`, `organizations` and `consumers` the issuer is the
   * `{tenantid}` template, resolved against the token's `tid`. Default: a verifier of its own
   * (`idTokenVerifier()` from `device-flow-sdk/identity`); `false` to skip verification.
   */
  idTokens?: IdTokenVerifier | false;
}

/** The mapping table: Entra's device-flow error codes (MS1 "Expected errors") → union member. */
export const microsoftErrorCodes = {
  ...rfc8628ErrorCodes,
  authorization_declined: "denied",
  bad_verification_code: "invalid_code",
  expired_token: "expired",
} as const satisfies ErrorCodeTable;

/**
 * A provider for Entra ID's device code flow: `POST {baseUrl}/{tenant}/oauth2/v2.0/devicecode`,
 * then `POST {baseUrl}/{tenant}/oauth2/v2.0/token` (MS1). Ask for `offline_access` to get a
 * refresh token and `openid` for an ID token.
 * @see https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
 * @throws ConfigurationError (`invalid_option`) for an empty `tenant`, or for a `baseUrl` that
 *   is not https (unless loopback or `allowInsecureRequests`).
 */
export function microsoft(options: MicrosoftOptions): Provider {
  const {
    tenant = "common",
    baseUrl = "https://login.microsoftonline.com",
    idTokens,
    ...client
  } = options;
  if (tenant.trim() === "")
    throw new ConfigurationError("invalid_option", "tenant must not be empty");
  // One path segment, whatever the caller typed: a `/` or `?` cannot move the request elsewhere.
  const root = `${baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(tenant)}/oauth2/v2.0`;
  return rfc8628Dialect(
    {
      ...client,
      clientAuth: "none",
      deviceAuthorizationEndpoint: `${root}/devicecode`,
      tokenEndpoint: `${root}/token`,
      ...presetIdTokens(idTokens),
    },
    {
      name: "microsoft",
      errorCodes: microsoftErrorCodes,
      // MS9: the v2.0 configuration names `https://login.microsoftonline.com/{tenantid}/v2.0` for
      // the multi-tenant aliases, a tenant's own id for a domain: taken from the configuration.
      openId: {
        issuer: `${baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(tenant)}/v2.0`,
        issuerFromConfiguration: true,
      },
    },
  );
}
