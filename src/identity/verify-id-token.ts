/**
 * Verifying an ID token kept from an earlier sign-in (a token store, a session) with the
 * provider that issued it. No jose here: the provider's own verifier does the work, so this
 * function costs nothing in a bundle whose provider does not verify.
 */
import { ConfigurationError } from "../errors.ts";
import type { CallOptions } from "../http/transport.ts";
import type { Provider } from "../provider.ts";
import type { IdTokenVerdict } from "./types.ts";

/**
 * Verifies `idToken` as a fresh sign-in would (OpenID Connect Core 1.0 §3.1.3.7): resolves to
 * `{ claims }` or `{ idTokenError }`, never rejects for what the token or the issuer does.
 * Times are checked against now, so an ID token restored after its `exp` is `expired`.
 * @see OpenID Connect Core 1.0 §3.1.3.7
 * @throws ConfigurationError (`identity_unsupported`) for a provider without an OpenID issuer and
 *   a verifier (`rfc8628` without `issuer` or `idTokens`, or a provider that is not OpenID).
 */
export async function verifyIdToken(
  provider: Provider,
  idToken: string,
  options: CallOptions = {},
): Promise<IdTokenVerdict> {
  if (!provider.verifyIdToken) {
    throw new ConfigurationError(
      "identity_unsupported",
      `${provider.name} has no OpenID issuer and ID token verifier (rfc8628 needs issuer and idTokens)`,
    );
  }
  return provider.verifyIdToken(idToken, options);
}
