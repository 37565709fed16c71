import { DeviceFlowError, ResponseError } from "./errors.ts";
import type { CallOptions } from "./http/transport.ts";
import type { Provider } from "./provider.ts";
import type { DeviceAuthorization, PollError, PollResult } from "./result.ts";

/**
 * Sends exactly one token request (RFC 8628 §3.4) and says what came back (§3.5).
 * Never throws for anything a server or the network does: those become a `status: "error"`
 * result. Rejects only with `signal.reason` when the signal aborts.
 * @see RFC 8628 §3.4, §3.5
 */
export async function pollForToken(
  provider: Provider,
  authorization: DeviceAuthorization,
  options: CallOptions = {},
): Promise<PollResult> {
  try {
    return await provider.requestToken(authorization, options);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    return errorResult(error);
  }
}

/** A thrown failure as the union's `error` member. */
export function errorResult(error: unknown): PollError {
  if (!(error instanceof DeviceFlowError)) {
    return { status: "error", error: "internal_error", description: String(error), retryable: false };
  }
  const result: PollError = {
    status: "error",
    error: error.code,
    description: error.message,
    retryable: error.retryable,
  };
  if (error.httpStatus !== undefined) result.httpStatus = error.httpStatus;
  if (error instanceof ResponseError && error.retryAfter !== undefined) result.retryAfter = error.retryAfter;
  return result;
}
