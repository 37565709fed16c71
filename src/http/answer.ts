/** What came back from one request, in the shape the adapters' tables read. */
import type { PollError } from "../result.ts";

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
}

/** openapi-fetch's `{ data, error, response }`: decided on the status, never on `error`'s truthiness. */
export function answerOf(result: { data?: unknown; error?: unknown; response: Response }): Answer {
  const { response } = result;
  return { status: response.status, headers: response.headers, body: response.ok ? result.data : result.error };
}

/** A string field of a JSON object body, or undefined. */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** A finite non-negative number field of a JSON object body, or undefined. */
export function numberField(body: unknown, name: string): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

const MAX_RETRY_AFTER_S = 86_400;

/** `Retry-After` (RFC 9110 §10.2.3) in seconds: delay-seconds or an HTTP-date; garbage is ignored. */
export function retryAfter(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - now) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(Math.ceil(seconds), 0), MAX_RETRY_AFTER_S);
}

/**
 * An answer no table row claims: 429 and 5xx may pass (retryable), anything else stops.
 * RFC 8628 §3.5: "If the client receives an error response with any other error code, it MUST
 * stop polling".
 */
export function unexpected(answer: Answer, error?: string, description?: string): PollError {
  const { status } = answer;
  const retryable = status === 429 || status >= 500;
  const code =
    error ?? (status === 429 ? "rate_limited" : status >= 500 ? "server_error" : "http_error");
  const result: PollError = { status: "error", error: code, httpStatus: status, retryable };
  if (description !== undefined) result.description = description;
  const wait = retryAfter(answer.headers);
  if (wait !== undefined) result.retryAfter = wait;
  return result;
}

/** A body that fails the spec's validator: never a token (issue: "never authorized"). */
export function invalidResponse(answer: Answer, what: string): PollError {
  return {
    status: "error",
    error: "invalid_response",
    description: `${what} does not match the provider's spec`,
    httpStatus: answer.status,
    retryable: false,
  };
}
