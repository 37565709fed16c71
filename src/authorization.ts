/** The device authorization response (RFC 8628 §3.2) turned into a {@link DeviceAuthorization}. */
import { ResponseError } from "./errors.ts";
import { cleanText, CONTROL_CHARACTER, lenientNumber } from "./http/answer.ts";
import { deviceAuthorization, type DeviceAuthorization } from "./result.ts";

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default." */
export const DEFAULT_INTERVAL_S = 5;
/** Codes are clamped to live at most a day, so no timer is ever asked to wait longer. */
export const MAX_EXPIRES_IN_S = 86_400;

/**
 * The interval to poll at, whatever a hand-built or resumed authorization says: not a positive
 * finite number → 5 s (RFC 8628 §3.2 default), else at least 1 s.
 */
export function pollingInterval(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? Math.max(seconds, 1) : DEFAULT_INTERVAL_S;
}

/**
 * The device authorization response's fields, under whatever names a dialect uses, as they came:
 * {@link toDeviceAuthorization} checks them.
 */
export interface AuthorizationFields {
  deviceCode: unknown;
  userCode: unknown;
  verificationUri: unknown;
  verificationUriComplete?: unknown;
  /** A number or a digit string (Entra v1, GitHub's form bodies). */
  expiresIn: unknown;
  /** A number or a digit string; absent, `null` or not positive means 5 s. */
  interval?: unknown;
  /** Text for the user some providers send (Entra's `message`). */
  message?: unknown;
}

/**
 * For the dialects whose spec asks for integers (Trakt, Transparenc): `expires_in` whole seconds,
 * at least 1, and `interval` present and whole, before the shared reader's leniency applies.
 * @throws ResponseError (`invalid_response`, with `httpStatus`)
 */
export function requireWholeSeconds(fields: Record<string, unknown>, httpStatus: number): void {
  const whole = (value: unknown, min: number) => Number.isInteger(value) && (value as number) >= min;
  if (!whole(fields.expires_in, 1) || !whole(fields.interval, -Infinity)) {
    throw new ResponseError("invalid_response", "device authorization: expires_in or interval is not whole seconds", httpStatus);
  }
}

/** A JSON object body as a record of its fields; anything else has none. */
export function fieldsOf(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * Checks the answer as the provider's spec describes it, then applies the RFC defaults and the
 * documented clamps: `device_code` and `user_code` non-empty strings; numbers may come as digit
 * strings; `interval` absent, `null`, zero or negative → 5 s; below 1 s → 1 s; `expires_in`
 * clamped to 1 s … 24 h (it bounds the wait, so one that is not a number is refused). Verification
 * URIs must be http(s): anything else (`javascript:`, `file:`) is refused so no caller ever opens
 * it. What is shown to the user (user code, URIs) must hold no control characters, which could
 * rewrite a terminal. `null` for an optional field means absent.
 * @throws ResponseError (`invalid_response`, with `httpStatus`) naming the first unusable field.
 */
export function toDeviceAuthorization(fields: AuthorizationFields, httpStatus = 200, now = Date.now()): DeviceAuthorization {
  const refuse = (what: string): never => {
    throw new ResponseError("invalid_response", what, httpStatus);
  };
  const { deviceCode, userCode, interval: asked, message, verificationUriComplete: complete } = fields;
  if (!isText(deviceCode) || !isText(userCode)) refuse("device_code or user_code is missing or empty");
  if (CONTROL_CHARACTER.test(userCode as string)) refuse("user_code holds control characters");
  const lifetime = lenientNumber(fields.expiresIn);
  if (lifetime === undefined) refuse("expires_in is missing or not a number of seconds");
  // A number (even negative: "not said") or its digit string, as the specs allow.
  const seconds = lenientNumber(asked);
  if (asked != null && seconds === undefined && typeof asked !== "number") refuse("interval is not a number of seconds");
  if (message != null && typeof message !== "string") refuse("message is not text");
  const verificationUri = webUrl(fields.verificationUri, refuse, "verification_uri");
  const expiresIn = Math.min(Math.max(Math.floor(lifetime as number), 1), MAX_EXPIRES_IN_S);
  const result = deviceAuthorization({
    deviceCode: deviceCode as string,
    userCode: userCode as string,
    verificationUri,
    expiresIn,
    interval: seconds !== undefined && seconds > 0 ? Math.min(Math.max(seconds, 1), expiresIn) : DEFAULT_INTERVAL_S,
    expiresAt: now + expiresIn * 1000,
  });
  if (typeof message === "string" && message.trim() !== "") result.message = cleanText(message).trim();
  if (complete != null) result.verificationUriComplete = webUrl(complete, refuse, "verification_uri_complete");
  return result;
}

/** A non-empty string: what a code, a token or an identifier must be. */
export const isText = (value: unknown): value is string => typeof value === "string" && value !== "";

function webUrl(value: unknown, refuse: (what: string) => never, name: string): string {
  let url: URL | undefined;
  try {
    url = isText(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if ((url?.protocol !== "https:" && url?.protocol !== "http:") || CONTROL_CHARACTER.test(value as string)) {
    refuse(`${name} is missing or not an http(s) URL`);
  }
  return value as string;
}
