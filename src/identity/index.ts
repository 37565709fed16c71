/**
 * Who signed in: OpenID Connect ID tokens verified with jose (signature against the issuer's
 * JWKS, `iss`, `aud` / `azp`, `exp` / `nbf` / `iat`), their claims on `token.claims`. Its own
 * entry point, so jose is only in bundles that verify.
 * @module device-flow-sdk/identity
 */
export { idTokenVerifier, type IdTokenVerifierOptions } from "./verify.ts";
export { verifyIdToken } from "./verify-id-token.ts";
export type {
  IdTokenClaims,
  IdTokenError,
  IdTokenErrorCode,
  IdTokenVerdict,
  IdTokenVerifier,
} from "./types.ts";
