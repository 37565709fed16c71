import { ConfigurationError } from "./errors.ts";
import { errorResult } from "./poll.ts";
import type { Provider, RevokeOptions } from "./provider.ts";
import type { RevokeResult } from "./result.ts";

/**
 * Revokes an access or refresh token at the provider (RFC 7009), so signing out is more than
 * forgetting it locally. Resolves to `revoked` or `error` (never throws for what a server or the
 * network does); rejects only with `signal.reason`.
 * @see RFC 7009 §2
 * @throws ConfigurationError `revocation_unsupported` when the provider has no revocation
 *   endpoint (GitHub, Entra ID, AWS, …), or `invalid_option` for an empty token: no request is sent.
 *   Also `revocation_unsupported` when discovered metadata lists no `revocation_endpoint` (only
 *   the metadata request was sent).
 */
export async function revokeToken(
  provider: Provider,
  token: string,
  options: RevokeOptions = {},
): Promise<RevokeResult> {
  if (typeof token !== "string" || token === "") {
    throw new ConfigurationError("invalid_option", "revokeToken needs a token");
  }
  if (!provider.revokeToken) {
    throw new ConfigurationError("revocation_unsupported", `${provider.name} has no token revocation endpoint`);
  }
  try {
    return await provider.revokeToken(token, options);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // Known only once an issuer's metadata is read: the same typed error as a provider without the method.
    if (error instanceof ConfigurationError && error.code === "revocation_unsupported") throw error;
    return errorResult(error);
  }
}
