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

export interface AuthorizationFields {
  deviceCode: string;
  userCode: string;
  verificationUri: string | undefined;
  verificationUriComplete?: string | undefined | null;
  /** A number or a digit string (Entra v1, GitHub's form bodies). */
  expiresIn: unknown;
  /** A number or a digit string; absent or unusable means 5 s. */
  interval?: unknown;
  /** Text for the user some providers send (Entra's `message`). */
  message?: string | undefined | null;
}

/**
 * Applies the RFC defaults and the documented clamps: numbers may come as digit strings;
 * `interval` absent, zero, negative or not a number → 5 s; below 1 s → 1 s; `expires_in` clamped
 * to 1 s … 24 h (it bounds the wait, so one that is not a number is refused). Verification URIs must be
 * http(s): anything else (`javascript:`, `file:`) is refused so no caller ever opens it. What is
 * shown to the user (user code, URIs) must hold no control characters, which could rewrite a
 * terminal.
 */
export function toDeviceAuthorization(fields: AuthorizationFields, now = Date.now()): DeviceAuthorization {
  const lifetime = lenientNumber(fields.expiresIn);
  if (lifetime === undefined) {
    throw new ResponseError("invalid_response", "expires_in is missing or not a number of seconds", 200);
  }
  const expiresIn = Math.min(Math.max(Math.floor(lifetime), 1), MAX_EXPIRES_IN_S);
  const asked = lenientNumber(fields.interval);
  const interval = asked !== undefined && asked > 0 ? Math.min(Math.max(asked, 1), expiresIn) : DEFAULT_INTERVAL_S;
  if (CONTROL_CHARACTER.test(fields.userCode)) {
    throw new ResponseError("invalid_response", "user_code holds control characters", 200);
  }
  const result = deviceAuthorization({
    deviceCode: fields.deviceCode,
    userCode: fields.userCode,
    verificationUri: webUrl(fields.verificationUri, "verification_uri"),
    expiresIn,
    interval,
    expiresAt: now + expiresIn * 1000,
  });
  if (typeof fields.message === "string" && fields.message.trim() !== "") {
    result.message = cleanText(fields.message).trim();
  }
  if (typeof fields.verificationUriComplete === "string") {
    result.verificationUriComplete = webUrl(fields.verificationUriComplete, "verification_uri_complete");
  }
  return result;
}

function webUrl(value: string | undefined, name: string): string {
  let url: URL | undefined;
  try {
    url = value ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if ((url?.protocol !== "https:" && url?.protocol !== "http:") || CONTROL_CHARACTER.test(value as string)) {
    throw new ResponseError("invalid_response", `${name} is missing or not an http(s) URL`, 200);
  }
  return value as string;
}
