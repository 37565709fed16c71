/**
 * The OAuth dialect (RFC 6749 §5, RFC 8628 §3.5) shared by every provider that speaks it: error
 * codes in bodies, tokens in 2xx bodies. The row tables themselves live in the adapters.
 */
import { DeviceFlowError, OAuthError, ResponseError } from "./errors.ts";
import { field, invalidResponse, serverText, unexpected, type Answer } from "./http/answer.ts";
import { outcome, type Outcome } from "./outcome.ts";
import type { PollError, PollResult, RefreshResult } from "./result.ts";
import { authorized, hasAccessToken, type TokenFieldNames } from "./token.ts";

/**
 * A row for a code that means "stop, and here is what to fix" (GitHub's `device_flow_disabled`):
 * a non-retryable `error` whose description is the server's, then `fix`.
 */
export interface StopRow {
  fix: string;
}
/** What one error code maps to: a union member, or a {@link StopRow}. */
export type ErrorRow = Outcome | StopRow;
/** A provider's table: error code (as the server writes it) → row. */
export type ErrorCodeTable = Readonly<Record<string, ErrorRow>>;

/** Where a dialect keeps its error code and token fields; the OAuth names by default. */
export interface AnswerShape {
  /** The error code of an answer; default the body's `error` (RFC 6749 §5.2). */
  code?: (answer: Answer) => string | undefined;
  /** Token field names; default RFC 6749 §5.1's. */
  names?: TokenFieldNames;
}

const oauthCode = (answer: Answer) => field(answer.body, "error");

/**
 * One token-endpoint answer → one union member. A 2xx that carries an access token is
 * `authorized` (an issued token is never thrown away); otherwise the error code is read in any
 * status, so a 200 that carries one (GitHub) is classified by its code.
 */
export function classifyTokenAnswer(
  answer: Answer,
  interval: number,
  codes: ErrorCodeTable,
  shape: AnswerShape = {},
): PollResult {
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && hasAccessToken(answer.body, shape.names)) return authorized(answer.body, shape.names);
  const code = (shape.code ?? oauthCode)(answer);
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
    if (row === undefined) return unexpected(answer, code, description);
    if (typeof row === "object") return stop(answer, code, description, row);
    return outcome(row, interval, answer, description);
  }
  return ok ? invalidResponse(answer, "token response") : unexpected(answer);
}

function stop(answer: Answer, code: string, description: string | undefined, row: StopRow): PollError {
  const result = unexpected(answer, code, description);
  result.retryable = false;
  result.description = result.description ? `${result.description} (${row.fix})` : row.fix;
  return result;
}

/**
 * A refresh answer (RFC 6749 §6). Without a new refresh token the old one stays valid (§6: the
 * server "MAY issue a new refresh token"), so it is kept rather than lost.
 */
export function classifyRefreshAnswer(
  answer: Answer,
  usedRefreshToken: string,
  shape: AnswerShape = {},
): RefreshResult {
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && hasAccessToken(answer.body, shape.names)) {
    const result = authorized(answer.body, shape.names);
    result.token.refreshToken ??= usedRefreshToken;
    return result;
  }
  const code = (shape.code ?? oauthCode)(answer);
  if (ok && code === undefined) return invalidResponse(answer, "token response");
  return unexpected(answer, code, field(answer.body, "error_description"));
}

/**
 * A failed device authorization request, as the typed error startDeviceAuthorization throws. The
 * code is the body's `error`, or Google's `error_code` (its quota answer).
 */
export function startFailure(answer: Answer, code = field(answer.body, "error") ?? field(answer.body, "error_code")): DeviceFlowError {
  const failure = unexpected(answer);
  // A code that is nothing but an escape sequence cleans to "": no code was said.
  const name = code ? serverText(answer, code) : "";
  if (name) {
    const description = serverText(answer, field(answer.body, "error_description"));
    return new OAuthError(name, description, answer.status, failure.retryable);
  }
  return new ResponseError(
    failure.error,
    `device authorization failed (HTTP ${answer.status})`,
    answer.status,
    failure.retryable,
    failure.retryAfter,
  );
}
