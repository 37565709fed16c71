/**
 * What the SDK must make of a generated answer, written from the specs, RFC 8628 / RFC 6749 and
 * the README's mapping tables, independently of src/: which bodies are valid tokens, which
 * status or code maps to which union member, and the exact shape every result must have.
 */
import assert from "node:assert/strict";
import { DeviceFlowError } from "../../src/errors.ts";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import { bodyBytes, type AdapterName, type GeneratedAnswer } from "./fuzz-answers.ts";

// ---------------------------------------------------------------------------------------------
// What the client received

export const UNPARSEABLE = Symbol("unparseable");

/**
 * The body as any fetch-based client sees it: a 2xx body must be JSON (or empty); an error body is
 * JSON when it parses, else its text.
 */
export function received(answer: GeneratedAnswer): unknown {
  const bytes = bodyBytes(answer);
  if (bytes === null) return undefined;
  const text = new TextDecoder().decode(bytes);
  const success = answer.status >= 200 && answer.status < 300;
  if (!success) {
    const json = parseJson(text);
    return json ? json.value : text;
  }
  if (bytes.byteLength === 0 || (!answer.contentLength && text === "")) return undefined;
  const json = parseJson(text);
  return json === undefined ? UNPARSEABLE : json.value;

  function parseJson(t: string): { value: unknown } | undefined {
    try {
      return { value: JSON.parse(t) };
    } catch {
      return undefined;
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const stringField = (body: unknown, key: string) =>
  isObject(body) && typeof body[key] === "string" ? (body[key] as string) : undefined;
const isString = (v: unknown): v is string => typeof v === "string";
const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const nonNegativeInt = (v: unknown) => isInt(v) && v >= 0;
const absentOr = (body: Record<string, unknown>, key: string, check: (v: unknown) => boolean) =>
  !(key in body) || body[key] === undefined || check(body[key]);

// ---------------------------------------------------------------------------------------------
// Valid tokens, from each spec

/**
 * RFC 6749 §5.1 / the provider's spec: access_token a non-empty string; token_type a non-empty
 * string where the spec requires it; every optional field of its declared type.
 */
export function isValidToken(adapter: AdapterName, body: unknown): boolean {
  if (!isObject(body)) return false;
  switch (adapter) {
    case "rfc8628":
      return (
        nonEmpty(body.access_token) &&
        nonEmpty(body.token_type) &&
        absentOr(body, "expires_in", nonNegativeInt) &&
        absentOr(body, "refresh_token", isString) &&
        absentOr(body, "scope", isString) &&
        absentOr(body, "id_token", isString)
      );
    case "trakt":
      return (
        nonEmpty(body.access_token) &&
        nonEmpty(body.token_type) &&
        absentOr(body, "expires_in", nonNegativeInt) &&
        absentOr(body, "refresh_token", isString) &&
        absentOr(body, "scope", isString) &&
        absentOr(body, "created_at", isInt)
      );
    case "transparenc":
      return (
        nonEmpty(body.access_token) &&
        absentOr(body, "token_type", isString) &&
        nonNegativeInt(body.expires_in) &&
        absentOr(body, "refresh_token", isString) &&
        absentOr(body, "scope", isString)
      );
    case "fakts":
      return body.status === "granted" && nonEmpty(body.token);
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations

export type Expected =
  | { status: "authorized"; body: Record<string, unknown> }
  | { status: "pending" }
  | {
      status: "slow_down";
      asked: { bodyInterval?: number; retryAfter?: string; throttled?: string };
    }
  | { status: "expired" | "denied" | "invalid_code" | "already_used"; description?: string }
  | {
      status: "error";
      /** An SDK code, or `{ server }`: the server's own code (sanitised). */
      error: string | { server: string };
      retryable: boolean;
      httpStatus?: number;
      description?: string | { any: true };
      /** The Retry-After header sent, when the result may carry retryAfter. */
      retryAfter?: string;
    };

/** The README's tables, copied as literals (a change in src must be a change here too). */
const RFC_TABLE: Record<string, "pending" | "slow_down" | "expired" | "denied" | "invalid_code"> = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
};
const TRAKT_TABLE: Record<
  number,
  "pending" | "invalid_code" | "already_used" | "expired" | "denied" | "slow_down"
> = {
  400: "pending",
  404: "invalid_code",
  409: "already_used",
  410: "expired",
  418: "denied",
  429: "slow_down",
};

const header = (answer: GeneratedAnswer, name: string) => {
  const values = answer.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  return values.length ? (new Headers(answer.headers).get(name) ?? undefined) : undefined;
};

const isRedirect = (status: number) => status >= 300 && status < 400;
const transient = (status: number) => status === 429 || status >= 500;
const defaultCode = (status: number) =>
  status === 429 ? "rate_limited" : status >= 500 ? "server_error" : "http_error";

function unexpectedAnswer(answer: GeneratedAnswer, code?: string, description?: string): Expected {
  const result: Expected = {
    status: "error",
    error: code === undefined || code === "" ? defaultCode(answer.status) : { server: code },
    retryable: transient(answer.status),
    httpStatus: answer.status,
  };
  if (description !== undefined) result.description = description;
  const retryAfter = header(answer, "retry-after");
  if (retryAfter !== undefined) result.retryAfter = retryAfter;
  return result;
}

function numberAsked(body: unknown): number | undefined {
  if (!isObject(body)) return undefined;
  const v = body.interval;
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function mapped(
  row: "pending" | "slow_down" | "expired" | "denied" | "invalid_code" | "already_used",
  answer: GeneratedAnswer,
  body: unknown,
  description: string | undefined,
): Expected {
  if (row === "pending") return { status: "pending" };
  if (row === "slow_down") {
    return {
      status: "slow_down",
      asked: { bodyInterval: numberAsked(body), retryAfter: header(answer, "retry-after") },
    };
  }
  return description === undefined ? { status: row } : { status: row, description };
}

/** RFC 8628 §3.5 + RFC 6749 §5.2, with the README's rules for 200 errors, 429 and 5xx. */
function expectOAuth(adapter: AdapterName, answer: GeneratedAnswer, body: unknown): Expected {
  const code = stringField(body, "error");
  const description = stringField(body, "error_description");
  const row = code !== undefined && Object.hasOwn(RFC_TABLE, code) ? RFC_TABLE[code] : undefined;
  // 5xx is retryable whatever it says; a 429 too, unless it says slow_down, whose +5 s must stick.
  if (answer.status >= 500 || (answer.status === 429 && row !== "slow_down")) {
    return unexpectedAnswer(answer, code, description);
  }
  if (code !== undefined) {
    // RFC 8628 §3.5: any other code means "stop polling" (non-retryable error).
    return Object.hasOwn(RFC_TABLE, code)
      ? mapped(RFC_TABLE[code] as "pending", answer, body, description)
      : unexpectedAnswer(answer, code, description);
  }
  if (answer.status === 200) {
    return isValidToken(adapter, body)
      ? { status: "authorized", body: body as Record<string, unknown> }
      : {
          status: "error",
          error: "invalid_response",
          retryable: false,
          httpStatus: 200,
          description: { any: true },
        };
  }
  return unexpectedAnswer(answer);
}

const THROTTLED = /available in (\d+) second/;

/** What pollForToken must resolve to for this answer. */
export function expectPoll(adapter: AdapterName, answer: GeneratedAnswer): Expected {
  const { status } = answer;
  if (isRedirect(status)) {
    return {
      status: "error",
      error: "unexpected_redirect",
      retryable: false,
      httpStatus: status,
      description: { any: true },
    };
  }
  const body = received(answer);
  if (body === UNPARSEABLE)
    return {
      status: "error",
      error: "invalid_response",
      retryable: false,
      description: { any: true },
    };

  switch (adapter) {
    case "rfc8628":
      return expectOAuth(adapter, answer, body);
    case "transparenc": {
      if (status === 429) {
        const detail = stringField(body, "detail");
        return {
          status: "slow_down",
          asked: {
            bodyInterval: numberAsked(body),
            retryAfter: header(answer, "retry-after"),
            throttled: detail?.match(THROTTLED)?.[1],
          },
        };
      }
      if (status >= 400 && status < 500 && stringField(body, "error") === undefined) {
        const detail = stringField(body, "detail");
        if (detail !== undefined) {
          return unexpectedAnswer(
            answer,
            status === 415 ? "unsupported_media_type" : "invalid_request",
            detail,
          );
        }
        if (isObject(body) && Object.values(body).some(Array.isArray)) {
          const expected = unexpectedAnswer(answer, "invalid_request");
          return { ...expected, description: { any: true } } as Expected;
        }
      }
      return expectOAuth(adapter, answer, body);
    }
    case "trakt": {
      if (status === 200) {
        return isValidToken(adapter, body)
          ? { status: "authorized", body: body as Record<string, unknown> }
          : {
              status: "error",
              error: "invalid_response",
              retryable: false,
              httpStatus: 200,
              description: { any: true },
            };
      }
      const row = Object.hasOwn(TRAKT_TABLE, status) ? TRAKT_TABLE[status] : undefined;
      return row ? mapped(row, answer, body, undefined) : unexpectedAnswer(answer);
    }
    case "fakts": {
      if (status !== 200) return unexpectedAnswer(answer);
      const invalid: Expected = {
        status: "error",
        error: "invalid_response",
        retryable: false,
        httpStatus: 200,
        description: { any: true },
      };
      if (!isObject(body)) return invalid;
      const message = body.message;
      const messageOk = message === undefined || typeof message === "string";
      switch (body.status) {
        case "pending":
          return messageOk ? { status: "pending" } : invalid;
        case "granted":
          return nonEmpty(body.token) ? { status: "authorized", body } : invalid;
        case "denied":
        case "expired":
          if (!messageOk) return invalid;
          return message === undefined
            ? { status: body.status }
            : { status: body.status, description: message as string };
        case "error":
          return typeof body.error === "string"
            ? { status: "invalid_code", description: body.error }
            : invalid;
        default:
          return invalid;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

/** C0, DEL, C1 and bidi controls: never in text a terminal or a log may show. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const MAX_SERVER_TEXT = 1001;

/** Server-provided text: kept as sent when plain, else sanitised (no controls, bounded length). */
export function expectServerText(actual: unknown, sent: string): void {
  if (/^[\x20-\x7e]{0,1000}$/.test(sent)) {
    assert.equal(actual, sent);
  } else {
    assert.equal(typeof actual, "string");
    assert.ok(!CONTROL_CHARS.test(actual as string));
    assert.ok(
      (actual as string).length <= MAX_SERVER_TEXT,
      `${String((actual as string).length)} > ${String(MAX_SERVER_TEXT)}`,
    );
  }
}

/** RFC 8628 §3.2 default, applied to a hand-built interval. */
export const effectiveInterval = (seconds: number) =>
  Number.isFinite(seconds) && seconds > 0 ? Math.max(seconds, 1) : 5;

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const DAY_S = 86_400;

/**
 * RFC 9110 §10.2.3 Retry-After, as seconds capped at a day: `exact` when the header is
 * unambiguous (delay-seconds or an IMF-fixdate, give or take a second of clock), else only bounds.
 */
export function retryAfterSeconds(
  value: string | undefined,
): { exact?: number; absent?: true } | undefined {
  if (value === undefined) return { absent: true };
  const v = value.trim();
  if (v === "") return { absent: true };
  if (/^\d+$/.test(v)) return { exact: Math.min(Number(v), DAY_S) };
  if (IMF_FIXDATE.test(v)) {
    const at = Date.parse(v);
    if (!Number.isNaN(at))
      return { exact: Math.min(Math.max(Math.ceil((at - Date.now()) / 1000), 0), DAY_S) };
  }
  return undefined;
}

function expectRetryAfter(actual: unknown, sent: string | undefined): void {
  const rule = retryAfterSeconds(sent);
  if (rule?.absent) return assert.equal(actual, undefined);
  if (actual === undefined) {
    // Garbage is ignored; a valid value never is.
    assert.equal(rule?.exact, undefined);
    return;
  }
  assert.ok(
    typeof actual === "number" && Number.isInteger(actual) && actual >= 0 && actual <= DAY_S,
    `retryAfter ${String(actual)}`,
  );
  if (rule?.exact !== undefined)
    assert.ok(Math.abs(actual - rule.exact) <= 1, `retryAfter ${actual}, expected ${rule.exact}`);
}

/** The token the SDK must hand over for a valid body. */
function expectToken(
  adapter: AdapterName,
  result: Extract<PollResult, { status: "authorized" }>,
  body: Record<string, unknown>,
): void {
  const { token } = result;
  if (adapter === "fakts") {
    assert.equal(token.accessToken, body.token);
    assert.equal(token.tokenType, "fakts");
  } else {
    assert.equal(token.accessToken, body.access_token);
    const type = body.token_type as string | undefined;
    assert.equal(token.tokenType, adapter === "transparenc" ? type || "Bearer" : type);
    if (body.expires_in !== undefined) assert.equal(token.expiresIn, body.expires_in);
    else assert.equal(token.expiresIn, undefined);
    if (body.refresh_token) assert.equal(token.refreshToken, body.refresh_token);
    else assert.equal(token.refreshToken, undefined);
    if (body.scope !== undefined) assert.equal(token.scope, body.scope);
  }
  assert.ok(sameJson(token.raw, body));
}

/** Deep equality of parsed JSON without recursion (bodies may nest 20,000 deep). */
export function sameJson(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop() as [unknown, unknown];
    if (Object.is(x, y)) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const xKeys = Object.keys(x);
    if (xKeys.length !== Object.keys(y).length) return false;
    for (const key of xKeys) {
      if (!Object.hasOwn(y, key)) return false;
      stack.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]]);
    }
  }
  return true;
}

/** Strict shape of every union member: exactly its keys, each of its type. */
export function assertPollShape(result: PollResult): void {
  const keys = Object.keys(result).sort();
  const allowed = (...names: string[]) =>
    assert.ok(
      keys.every((k) => names.includes(k)),
      `keys ${keys.join(",")}`,
    );
  switch (result.status) {
    case "authorized": {
      allowed("status", "token");
      const t = result.token;
      assert.ok(
        Object.keys(t).every((k) =>
          [
            "accessToken",
            "tokenType",
            "expiresIn",
            "expiresAt",
            "refreshToken",
            "scope",
            "idToken",
            "raw",
          ].includes(k),
        ),
      );
      assert.ok(nonEmpty(t.accessToken));
      assert.ok(nonEmpty(t.tokenType));
      for (const k of ["refreshToken", "scope", "idToken"] as const)
        if (k in t) assert.equal(typeof t[k], "string");
      for (const k of ["expiresIn", "expiresAt"] as const)
        if (k in t) assert.ok(Number.isFinite(t[k]));
      assert.ok(isObject(t.raw));
      return;
    }
    case "pending":
      return allowed("status");
    case "slow_down":
      allowed("status", "interval");
      assert.ok(Number.isFinite(result.interval));
      assert.ok(result.interval >= 1, `${String(result.interval)} < ${String(1)}`);
      return;
    case "expired":
    case "denied":
    case "invalid_code":
    case "already_used":
      allowed("status", "description");
      if ("description" in result) assert.equal(typeof result.description, "string");
      return;
    case "error":
      allowed("status", "error", "description", "httpStatus", "retryable", "retryAfter");
      assert.ok(nonEmpty(result.error));
      assert.ok(!CONTROL_CHARS.test(result.error));
      assert.equal(typeof result.retryable, "boolean");
      if ("description" in result) {
        assert.equal(typeof result.description, "string");
        assert.ok(!CONTROL_CHARS.test(result.description as string));
      }
      if ("httpStatus" in result)
        assert.ok(isInt(result.httpStatus) && result.httpStatus >= 100 && result.httpStatus <= 599);
      if ("retryAfter" in result)
        assert.ok(isInt(result.retryAfter) && result.retryAfter >= 0 && result.retryAfter <= DAY_S);
      // "internal_error" means the SDK itself threw: never acceptable for a server's answer.
      assert.notEqual(result.error, "internal_error");
      return;
    default:
      throw new Error(`not a union member: ${JSON.stringify(result)}`);
  }
}

/** The result is exactly what the documented mapping says for this answer. */
export function assertPollMatches(
  adapter: AdapterName,
  result: PollResult,
  expected: Expected,
  currentInterval: number,
): void {
  assert.equal(result.status, expected.status);
  switch (expected.status) {
    case "authorized":
      return expectToken(
        adapter,
        result as Extract<PollResult, { status: "authorized" }>,
        expected.body,
      );
    case "slow_down": {
      // RFC 8628 §3.5: "increased by 5 seconds for this and all subsequent requests"; the server's
      // own figure (interval, Retry-After, DRF's N seconds) wins when larger, capped at a day.
      const interval = (result as { interval: number }).interval;
      const floor = effectiveInterval(currentInterval) + 5;
      assert.ok(interval >= floor, `${String(interval)} < ${String(floor)}`);
      assert.ok(Number.isFinite(interval));
      assert.ok(
        interval <= Math.max(floor, DAY_S),
        `${String(interval)} > ${String(Math.max(floor, DAY_S))}`,
      );
      const { bodyInterval, retryAfter, throttled } = expected.asked;
      const rule = retryAfterSeconds(retryAfter);
      if (rule !== undefined) {
        const asked = Math.max(
          bodyInterval ?? 0,
          rule.exact ?? 0,
          throttled === undefined ? 0 : Number(throttled),
        );
        const exact = Math.max(floor, Math.min(asked, DAY_S));
        assert.ok(
          Math.abs(interval - exact) <= 1,
          `${String(Math.abs(interval - exact))} > ${String(1)}`,
        );
      }
      return;
    }
    case "pending":
      return;
    case "error": {
      const r = result as Extract<PollResult, { status: "error" }>;
      if (typeof expected.error === "string") assert.equal(r.error, expected.error);
      else expectServerText(r.error, expected.error.server);
      assert.equal(r.retryable, expected.retryable);
      if (expected.httpStatus !== undefined && "httpStatus" in r)
        assert.equal(r.httpStatus, expected.httpStatus);
      if (typeof expected.description === "string")
        expectServerText(r.description, expected.description);
      else if (expected.description === undefined) assert.equal(r.description, undefined);
      if (expected.error !== "invalid_response" && expected.error !== "unexpected_redirect") {
        expectRetryAfter(r.retryAfter, expected.retryAfter);
      }
      return;
    }
    default: {
      const r = result as { description?: string };
      if (expected.description === undefined) assert.equal(r.description, undefined);
      else expectServerText(r.description, expected.description);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Device authorization

export interface StartSetup {
  /** Transparenc's fallback for an empty verification_uri. */
  fallbackUri?: string;
  /** fakts: the base URL, expiration and interval options. */
  faktsBase?: string;
  faktsExpiresIn?: number;
  faktsInterval?: number;
}

export type ExpectedStart =
  | {
      kind: "authorization";
      deviceCode: string;
      userCode: string;
      verificationUri: string;
      verificationUriComplete?: string;
      expiresIn: number;
      interval: number;
    }
  | {
      kind: "error";
      class: "OAuthError" | "ResponseError";
      code: string | { server: string };
      retryable: boolean;
      httpStatus?: number;
    };

const isWebUrl = (v: unknown): v is string => {
  if (typeof v !== "string" || v === "") return false;
  try {
    const { protocol } = new URL(v);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
};

/** Shown to the user on a shared terminal: must be non-empty and free of control characters. */
const displayable = (v: unknown): v is string => nonEmpty(v) && !CONTROL_CHARS.test(v);

/**
 * RFC 8628 §3.2 plus the documented clamps: expires_in must be a positive integer (else
 * invalid_response); interval absent or ≤ 0 → 5 s, else at least 1 s and at most expires_in;
 * expires_in at most a day; verification URIs must be http(s).
 */
export function expectStart(
  adapter: AdapterName,
  answer: GeneratedAnswer,
  setup: StartSetup,
): ExpectedStart {
  const { status } = answer;
  const invalid: ExpectedStart = {
    kind: "error",
    class: "ResponseError",
    code: "invalid_response",
    retryable: false,
  };
  if (isRedirect(status))
    return {
      kind: "error",
      class: "ResponseError",
      code: "unexpected_redirect",
      retryable: false,
      httpStatus: status,
    };
  const body = received(answer);
  if (body === UNPARSEABLE) return invalid;
  const code = stringField(body, "error");
  const failed = status !== 200 || (adapter === "rfc8628" && code !== undefined);
  if (failed) {
    if (code !== undefined && code !== "") {
      return {
        kind: "error",
        class: "OAuthError",
        code: { server: code },
        retryable: transient(status),
        httpStatus: status,
      };
    }
    return {
      kind: "error",
      class: "ResponseError",
      code: defaultCode(status),
      retryable: transient(status),
      httpStatus: status,
    };
  }
  if (!isObject(body)) return invalid;

  if (adapter === "fakts") {
    if (body.status === "granted" && nonEmpty(body.code)) {
      if (!displayable(body.code)) return invalid;
      const base = setup.faktsBase as string;
      return {
        kind: "authorization",
        deviceCode: body.code,
        userCode: body.code,
        verificationUri: `${base}configure/`,
        verificationUriComplete: `${base}configure/?device_code=${encodeURIComponent(body.code)}&grant=device_code`,
        expiresIn: Math.min(setup.faktsExpiresIn ?? 300, DAY_S),
        interval: Math.min(setup.faktsInterval ?? 1, setup.faktsExpiresIn ?? 300),
      };
    }
    if (body.status === "error" && typeof body.error === "string") {
      return {
        kind: "error",
        class: "OAuthError",
        code: "start_refused",
        retryable: false,
        httpStatus: 200,
      };
    }
    return invalid;
  }

  const uriKey = adapter === "trakt" ? "verification_url" : "verification_uri";
  const specValid =
    nonEmpty(body.device_code) &&
    nonEmpty(body.user_code) &&
    isInt(body.expires_in) &&
    body.expires_in >= 1 &&
    (adapter === "rfc8628"
      ? absentOr(body, "interval", isInt) &&
        absentOr(body, "verification_uri", nonEmpty) &&
        absentOr(body, "verification_url", nonEmpty) &&
        absentOr(body, "verification_uri_complete", nonEmpty)
      : isInt(body.interval) &&
        (adapter === "trakt" ? nonEmpty(body[uriKey]) : isString(body[uriKey])));
  if (!specValid) return invalid;

  let uri: unknown = body[uriKey];
  if (adapter === "rfc8628") uri = body.verification_uri ?? body.verification_url;
  if (adapter === "transparenc") uri = (body.verification_uri as string) || setup.fallbackUri;
  const complete = adapter === "rfc8628" ? body.verification_uri_complete : undefined;
  if (!isWebUrl(uri) || CONTROL_CHARS.test(uri)) return invalid;
  if (complete !== undefined && (!isWebUrl(complete) || CONTROL_CHARS.test(complete)))
    return invalid;
  if (!displayable(body.user_code)) return invalid;

  const expiresIn = Math.min(body.expires_in as number, DAY_S);
  const i = body.interval;
  const interval =
    typeof i === "number" && Number.isFinite(i) && i > 0 ? Math.min(Math.max(i, 1), expiresIn) : 5;
  const expected: ExpectedStart = {
    kind: "authorization",
    deviceCode: body.device_code as string,
    userCode: body.user_code as string,
    verificationUri: uri,
    expiresIn,
    interval,
  };
  if (complete !== undefined) expected.verificationUriComplete = complete as string;
  return expected;
}

/** Strict shape of a DeviceAuthorization. */
export function assertAuthorizationShape(a: DeviceAuthorization): void {
  const keys = Object.keys(a);
  assert.ok(
    keys.every((k) =>
      [
        "deviceCode",
        "userCode",
        "verificationUri",
        "verificationUriComplete",
        "expiresIn",
        "interval",
        "expiresAt",
      ].includes(k),
    ),
  );
  assert.ok(nonEmpty(a.deviceCode));
  assert.ok(displayable(a.userCode));
  assert.ok(isWebUrl(a.verificationUri));
  if ("verificationUriComplete" in a) assert.ok(isWebUrl(a.verificationUriComplete));
  assert.ok(Number.isInteger(a.expiresIn) && a.expiresIn >= 1 && a.expiresIn <= DAY_S);
  assert.ok(Number.isFinite(a.interval) && a.interval >= 1);
  assert.ok(Number.isFinite(a.expiresAt));
}

const ERROR_CLASSES = ["OAuthError", "ResponseError", "NetworkError", "ConfigurationError"];

/** A typed error: one of the four classes, a non-empty code, a boolean retryable. */
export function assertTypedError(error: unknown): asserts error is DeviceFlowError {
  assert.ok(error instanceof DeviceFlowError);
  const e = error as DeviceFlowError;
  assert.ok(ERROR_CLASSES.includes(e.name));
  assert.equal(e.constructor.name, e.name);
  assert.ok(nonEmpty(e.code));
  assert.ok(!CONTROL_CHARS.test(e.code));
  assert.ok(!CONTROL_CHARS.test(e.message));
  assert.equal(typeof e.retryable, "boolean");
}

export function assertStartMatches(
  outcome: { value?: DeviceAuthorization; error?: unknown },
  expected: ExpectedStart,
  window: { before: number; after: number },
): void {
  if (expected.kind === "error") {
    assert.equal(outcome.value, undefined, "resolved where an error was due");
    assertTypedError(outcome.error);
    const e = outcome.error;
    assert.equal(e.name, expected.class);
    if (typeof expected.code === "string") assert.equal(e.code, expected.code);
    else expectServerText(e.code, expected.code.server);
    assert.equal(e.retryable, expected.retryable);
    if (expected.httpStatus !== undefined) assert.equal(e.httpStatus, expected.httpStatus);
    return;
  }
  assert.equal(
    outcome.error,
    undefined,
    `rejected where an authorization was due: ${String(outcome.error)}`,
  );
  const a = outcome.value as DeviceAuthorization;
  assertAuthorizationShape(a);
  const { kind: _kind, ...fields } = expected;
  const { expiresAt, ...rest } = a;
  assert.deepEqual(rest, fields);
  assert.ok(
    expiresAt >= window.before + fields.expiresIn * 1000,
    `${String(expiresAt)} < ${String(window.before + fields.expiresIn * 1000)}`,
  );
  assert.ok(
    expiresAt <= window.after + fields.expiresIn * 1000,
    `${String(expiresAt)} > ${String(window.after + fields.expiresIn * 1000)}`,
  );
}
