import { ConfigurationError } from "./errors.ts";
import type { Provider, RefreshOptions } from "./provider.ts";
import type { RefreshResult } from "./result.ts";
import { errorResult } from "./poll.ts";

/**
 * Exchanges a refresh token for a new token set. When the server issues no new refresh token,
 * the one used is kept in the result, so it is never lost.
 * Resolves to `authorized` or `error` (never throws for what a server or the network does);
 * rejects only with `signal.reason`.
 * @see RFC 6749 §6
 * @throws ConfigurationError (`invalid_option`) when `refreshToken` is not a non-empty string (a
 *   token set without one, say): no request is sent.
 */
export async function refreshToken(
  provider: Provider,
  refreshToken: string,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  if (typeof refreshToken !== "string" || refreshToken === "") {
    throw new ConfigurationError("invalid_option", "refreshToken needs a refresh token: this token set has none");
  }
  try {
    return await provider.refreshToken(refreshToken, options);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    return errorResult(error);
  }
}
