/**
 * The OAuth dialect (RFC 6749 §5, RFC 8628 §3.5) shared by every provider that speaks it: error
 * codes in JSON bodies, tokens in 200 bodies. The row tables themselves live in the adapters.
 */
import { DeviceFlowError, OAuthError, ResponseError } from "./errors.ts";
import { field, invalidResponse, serverText, unexpected, type Answer } from "./http/answer.ts";
import { outcome, type Outcome } from "./outcome.ts";
import type { PollResult, RefreshResult } from "./result.ts";
import { authorized, type TokenFields } from "./token.ts";

export type ErrorCodeTable = Readonly<Record<string, Outcome>>;
export type TokenCheck = (body: unknown) => body is TokenFields;

/**
 * One token-endpoint answer → one union member. An `error` field is read in any status, so a 200
 * that carries one (GitHub) is classified by its code and never authorized.
 */
export function classifyTokenAnswer(
  answer: Answer,
  interval: number,
  codes: ErrorCodeTable,
  isToken: TokenCheck,
): PollResult {
  const code = field(answer.body, "error");
  const description = field(answer.body, "error_description");
  const row = code !== undefined && Object.hasOwn(codes, code) ? codes[code] : undefined;
  // A 429 that says slow_down is slow_down: RFC 8628 §3.5 makes its +5 s last "for this and all
  // subsequent requests", which a one-off retryable error would forget.
  if (answer.status >= 500 || (answer.status === 429 && row !== "slow_down")) {
    return unexpected(answer, code, description);
  }
  if (code !== undefined) {
    // RFC 8628 §3.5: "If the client receives an error response with any other error code, it
    // MUST stop polling" — unexpected() makes a 4xx or 200 non-retryable.
    return row ? outcome(row, interval, answer, description) : unexpected(answer, code, description);
  }
  if (answer.status === 200) {
    return isToken(answer.body) ? authorized(answer.body, answer.body) : invalidResponse(answer, "token response");
  }
  return unexpected(answer);
}

/**
 * A refresh answer (RFC 6749 §6). Without a new refresh token the old one stays valid (§6: the
 * server "MAY issue a new refresh token"), so it is kept rather than lost.
 */
export function classifyRefreshAnswer(
  answer: Answer,
  usedRefreshToken: string,
  isToken: TokenCheck,
): RefreshResult {
  const code = field(answer.body, "error");
  if (answer.status === 200 && code === undefined) {
    if (!isToken(answer.body)) return invalidResponse(answer, "token response");
    const result = authorized(answer.body, answer.body);
    result.token.refreshToken ??= usedRefreshToken;
    return result;
  }
  return unexpected(answer, code, field(answer.body, "error_description"));
}

/** A failed device authorization request, as the typed error startDeviceAuthorization throws. */
export function startFailure(answer: Answer): DeviceFlowError {
  const code = field(answer.body, "error");
  const failure = unexpected(answer);
  if (code) {
    const description = serverText(answer, field(answer.body, "error_description"));
    return new OAuthError(serverText(answer, code), description, answer.status, failure.retryable);
  }
  return new ResponseError(
    failure.error,
    `device authorization failed (HTTP ${answer.status})`,
    answer.status,
    failure.retryable,
    failure.retryAfter,
  );
}

/** A 200 device authorization body that fails its validator. */
export function invalidAuthorization(answer: Answer): ResponseError {
  return new ResponseError(
    "invalid_response",
    "device authorization response does not match the provider's spec",
    answer.status,
  );
}
