/**
 * Any RFC 8628 authorization server, its endpoints given or found by RFC 8414 / OpenID Connect
 * discovery. Errors arrive as codes in the body (RFC 8628 §3.5, RFC 6749 §5.2).
 * @module device-flow-sdk/rfc8628
 */
import type { Provider } from "../provider.ts";
import { rfc8628Dialect, type Rfc8628ClientOptions, type Rfc8628Endpoints } from "./rfc8628-dialect.ts";

export {
  rfc8628ErrorCodes,
  type ClientAuth,
  type Rfc8628ClientOptions,
  type Rfc8628Endpoints,
} from "./rfc8628-dialect.ts";
export type { ErrorCodeTable, ErrorRow, StopRow } from "../oauth-answer.ts";
export type { Outcome } from "../outcome.ts";

/** Options of {@link rfc8628}: where the server is, who the client is, and how it authenticates. */
export type Rfc8628Options = Rfc8628Endpoints & Rfc8628ClientOptions;

/**
 * A provider for any RFC 8628 server. `errorCodes` adds rows to (or overrides) the mapping
 * table, for a provider the SDK does not ship.
 * @see RFC 8628 §3.1 (device authorization), §3.4 (token request), RFC 8414 §3 (discovery)
 * @throws ConfigurationError for a plain-http endpoint (unless loopback or
 *   `allowInsecureRequests`), a secret-based `clientAuth` without a secret, or an unusable option.
 */
export function rfc8628(options: Rfc8628Options): Provider {
  return rfc8628Dialect(options, { name: "rfc8628" });
}
