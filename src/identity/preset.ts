/** How an OpenID preset (Google, Entra ID, Auth0, Okta, Keycloak) gets its verifier. */
import type { IdTokenVerifier } from "./types.ts";
import { idTokenVerifier } from "./verify.ts";

/**
 * The preset's `idTokens` option as dialect options: the caller's verifier, none for `false`,
 * else one of its own, so ID tokens are verified by default (OpenID Connect Core 1.0 §3.1.3.7).
 */
export function presetIdTokens(option: IdTokenVerifier | false | undefined): {
  idTokens?: IdTokenVerifier;
} {
  return option === false ? {} : { idTokens: option ?? idTokenVerifier() };
}
