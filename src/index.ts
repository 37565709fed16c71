/**
 * device-flow-sdk: the OAuth 2.0 Device Authorization Grant (RFC 8628) against any provider,
 * with one result vocabulary.
 * @packageDocumentation
 * @module device-flow-sdk
 */
export { startDeviceAuthorization } from "./start.ts";
export { pollForToken } from "./poll.ts";
export { waitForToken, type WaitOptions } from "./wait.ts";
export { refreshToken } from "./refresh.ts";
export { revokeToken } from "./revoke.ts";
export type { Provider, StartOptions, RefreshOptions, RevokeOptions } from "./provider.ts";
export {
  createSession,
  type Session,
  type SessionOptions,
  type SignInOptions,
  type SignOutResult,
} from "./session/session.ts";
export { memoryStore } from "./session/memory-store.ts";
export type { StoredValue, TokenStore } from "./session/store.ts";
export type {
  AlreadyUsed,
  Authorized,
  Denied,
  DeviceAuthorization,
  Expired,
  InvalidCode,
  Pending,
  PollError,
  PollResult,
  RefreshResult,
  RevokeResult,
  Revoked,
  SlowDown,
  TerminalResult,
  TokenSet,
} from "./result.ts";
export type { Clock } from "./clock.ts";
export type { CallOptions, TransportOptions } from "./http/transport.ts";
export {
  ConfigurationError,
  DeviceFlowError,
  NetworkError,
  OAuthError,
  ResponseError,
} from "./errors.ts";
export {
  rfc8628,
  rfc8628ErrorCodes,
  type ClientAuth,
  type ErrorCodeTable,
  type ErrorRow,
  type Outcome,
  type Rfc8628ClientOptions,
  type Rfc8628Endpoints,
  type Rfc8628Options,
  type StopRow,
} from "./providers/rfc8628.ts";
export { trakt, traktStatuses, type TraktOptions } from "./providers/trakt.ts";
export { transparenc, transparencErrorCodes, type TransparencOptions } from "./providers/transparenc.ts";
export {
  fakts,
  faktsStatuses,
  type FaktsClientKind,
  type FaktsManifest,
  type FaktsOptions,
} from "./providers/fakts.ts";
export { github, githubErrorCodes, type GitHubOptions } from "./providers/github.ts";
export { google, googleErrorCodes, type GoogleOptions } from "./providers/google.ts";
export { microsoft, microsoftErrorCodes, type MicrosoftOptions } from "./providers/microsoft.ts";
export { auth0, auth0ErrorCodes, type Auth0Options } from "./providers/auth0.ts";
export { okta, oktaErrorCodes, type OktaOptions } from "./providers/okta.ts";
export { keycloak, keycloakErrorCodes, type KeycloakOptions } from "./providers/keycloak.ts";
export { twitch, twitchErrorCodes, type TwitchOptions } from "./providers/twitch.ts";
export { amazon, amazonErrorCodes, type AmazonOptions } from "./providers/amazon.ts";
export {
  awsSso,
  awsSsoErrorCodes,
  type AwsSsoOptions,
  type AwsSsoRegistration,
} from "./providers/aws-sso.ts";
export { verifyIdToken } from "./identity/verify-id-token.ts";
export type {
  IdTokenClaims,
  IdTokenError,
  IdTokenErrorCode,
  IdTokenVerdict,
  IdTokenVerifier,
} from "./identity/types.ts";
