/** What came back from one request, in the shape the adapters' tables read. */
import { REDACTED } from "../redact.ts";
import type { PollError } from "../result.ts";
import { formUrlEncode } from "./form.ts";

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** The secrets the request carried, scrubbed from any text the server sends back. */
  secrets?: readonly (string | undefined)[];
}

/**
 * openapi-fetch's `{ data, error, response }`: decided on the status, never on `error`'s truthiness.
 * `secrets`: what the request carried (client secret, device code, refresh token), see {@link serverText}.
 */
export function answerOf(
  result: { data?: unknown; error?: unknown; response: Response },
  secrets: readonly (string | undefined)[] = [],
): Answer {
  const { response } = result;
  return { status: response.status, headers: response.headers, body: response.ok ? result.data : result.error, secrets };
}

/** C0, DEL, C1 and bidi controls: they rewrite a terminal or forge log lines. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, "g");
const MAX_SERVER_TEXT = 1000;

/**
 * Text a server wrote (an error code, `error_description`, a DRF `detail`) made fit for an error
 * message, a log or a terminal: the request's own secrets are replaced by "[redacted]" (a server
 * may echo them back), control characters by spaces (RFC 6749 §5.2 allows neither), and the
 * length is capped.
 */
export function serverText(answer: Answer, text: string): string;
export function serverText(answer: Answer, text: string | undefined): string | undefined;
export function serverText(answer: Answer, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let clean = text;
  for (const secret of answer.secrets ?? []) {
    if (!secret) continue;
    // As sent in a form body, a URL, JSON, or raw.
    for (const form of new Set([secret, formUrlEncode(secret), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      clean = clean.split(form).join(REDACTED);
    }
  }
  clean = clean.replace(CONTROL_CHARACTERS, " ");
  return clean.length > MAX_SERVER_TEXT ? `${clean.slice(0, MAX_SERVER_TEXT)}…` : clean;
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

/** The longest wait a server can ask for (Retry-After, slow_down): a day, as long as a code lives. */
export const MAX_SERVER_WAIT_S = 86_400;

/** `Retry-After` (RFC 9110 §10.2.3) in seconds: delay-seconds or an HTTP-date; garbage is ignored. */
export function retryAfter(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  // 400 digits are still a valid (if absurd) delay: Infinity is capped like any long wait.
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - now) / 1000;
  if (Number.isNaN(seconds)) return undefined;
  return Math.min(Math.max(Math.ceil(seconds), 0), MAX_SERVER_WAIT_S);
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
    serverText(answer, error) || (status === 429 ? "rate_limited" : status >= 500 ? "server_error" : "http_error");
  const result: PollError = { status: "error", error: code, httpStatus: status, retryable };
  if (description !== undefined) result.description = serverText(answer, description);
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
