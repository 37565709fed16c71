/** What came back from one request, in the shape the adapters' tables read. */
import { REDACTED, redactOnInspect } from "../redact.ts";
import type { PollError } from "../result.ts";
import { formUrlEncode } from "./form.ts";
import type { Transport } from "./transport.ts";

export interface Answer {
  status: number;
  headers: Headers;
  /**
   * The body read leniently: parsed JSON, a form-urlencoded body (GitHub's default) as an object
   * of strings, the raw text when it is neither, or undefined when empty.
   */
  body: unknown;
  /** The secrets the request carried, scrubbed from any text the server sends back. */
  secrets?: readonly (string | undefined)[];
}

/** What an openapi-fetch call resolves to, read as text (`parseAs: "text"`). */
export interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * openapi-fetch's `{ data, error, response }`: decided on the status, never on `error`'s truthiness.
 * `secrets`: what the request carried (client secret, device code, refresh token), see {@link serverText}.
 */
export function answerOf(result: FetchResult, secrets: readonly (string | undefined)[] = []): Answer {
  const { response } = result;
  const body = readBody(response.ok ? result.data : result.error, response.headers.get("content-type"));
  return { status: response.status, headers: response.headers, body, secrets };
}

/**
 * Every call reads its body as text and parses it here, whatever the status, so a body that is
 * not JSON is an answer with a status (never a thrown parse failure), and a form-urlencoded answer
 * (GitHub without `Accept: application/json`) reads like JSON whose values are strings.
 */
export function readBody(value: unknown, contentType: string | null): unknown {
  if (typeof value !== "string") return value;
  if (value.trim() === "") return undefined;
  if (contentType !== null && /^\s*application\/x-www-form-urlencoded\b/i.test(contentType)) {
    return Object.fromEntries(new URLSearchParams(value.trim()));
  }
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** C0, DEL, C1 and bidi controls: they rewrite a terminal or forge log lines. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, "g");
/**
 * Whole escape sequences (OSC and DCS/PM/APC strings up to their terminator, CSI with its
 * parameters, two-character escapes): removed before single controls become spaces, or their
 * printable remnants (`]0;title`, `[2J`) would survive.
 */
const ESCAPE_SEQUENCES =
  /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[P^_X][^\u001b]*(?:\u001b\\)?|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
const MAX_SERVER_TEXT = 1000;

/** Server text without escape sequences, its other control characters made spaces, capped. */
export function cleanText(text: string, max = MAX_SERVER_TEXT): string {
  const clean = text.replace(ESCAPE_SEQUENCES, "").replace(CONTROL_CHARACTERS, " ");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Text a server wrote (an error code, `error_description`, a DRF `detail`) made fit for an error
 * message, a log or a terminal: the request's own secrets are replaced by "[redacted]" (a server
 * may echo them back), escape sequences are removed and other control characters become spaces
 * (RFC 6749 §5.2 allows neither), and the length is capped.
 */
export function serverText(answer: Answer, text: string): string;
export function serverText(answer: Answer, text: string | undefined): string | undefined;
export function serverText(answer: Answer, text: string | undefined): string | undefined {
  return text === undefined ? undefined : cleanText(scrub(text, answer.secrets));
}

const MAX_RAW_DEPTH = 32;

/** `text` with every secret the request carried replaced by "[redacted]". */
function scrub(text: string, secrets: Answer["secrets"] = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (!secret) continue;
    // As sent in a form body, a URL, JSON, or raw.
    for (const form of new Set([secret, formUrlEncode(secret), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      clean = clean.split(form).join(REDACTED);
    }
  }
  return clean;
}

/**
 * A body with the request's own secrets scrubbed from every string in it (what it issued stays).
 * Nesting deeper than {@link MAX_RAW_DEPTH} is cut, so the result stays plain JSON-serialisable data.
 */
function scrubbed(value: unknown, secrets: Answer["secrets"], depth = 0): unknown {
  if (typeof value === "string") return scrub(value, secrets);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_RAW_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((item) => scrubbed(item, secrets, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [scrub(name, secrets), scrubbed(item, secrets, depth + 1)]),
  );
}

/** A string field of a JSON object body, or undefined. */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** A finite non-negative number field of a JSON object body (or its digit string), or undefined. */
export function numberField(body: unknown, name: string): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  return lenientNumber((body as Record<string, unknown>)[name]);
}

const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;

/**
 * A count of seconds as real servers send it: a number, or a decimal digit string (GitHub's form
 * bodies, Entra v1's `"expires_in": "3599"`). Anything else (negative, NaN, "soon") is undefined.
 */
export function lenientNumber(value: unknown): number | undefined {
  const number = typeof value === "number" ? value : typeof value === "string" && DECIMAL.test(value) ? Number(value) : NaN;
  return Number.isFinite(number) && number >= 0 ? number : undefined;
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

/**
 * An answer that is not what its status promised (a 200 without a usable token, say): a
 * non-retryable `invalid_response` that carries the body as it came, so a caller can still
 * recover what the server sent; the body is redacted when inspected, like a token.
 */
export function invalidResponse(answer: Answer, what: string): PollError {
  return redactOnInspect(
    {
      status: "error",
      error: "invalid_response",
      description: `${what} is not usable`,
      httpStatus: answer.status,
      retryable: false,
      // The request's own secrets (a device code, the client secret) are scrubbed: an error holds
      // none (SECURITY.md). A token the server issued stays, for the caller to recover.
      raw: scrubbed(answer.body, answer.secrets),
    },
    ["raw"],
  );
}

/** One request through the transport, its answer read by {@link answerOf}. */
export async function exchange(
  transport: Transport,
  call: (signal: AbortSignal) => Promise<FetchResult>,
  signal: AbortSignal | undefined,
  secrets: readonly (string | undefined)[] = [],
): Promise<Answer> {
  return answerOf(await transport.send(call, signal), secrets);
}
