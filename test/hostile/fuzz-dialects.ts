/**
 * Generators and contract oracles for the Twitch and Login with Amazon fuzz tests: answers in
 * each dialect's own shapes (Twitch's `{status, message}`, RFC 6749 `{error}` bodies, tokens with
 * odd fields) mixed with garbage, and the properties every answer must satisfy whatever the
 * adapter's branches are. The generic pieces (statuses, headers, playback) come from
 * test/support/fuzz-answers.ts.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import {
  headersArb,
  jsonText,
  NULL_BODY_STATUSES,
  RawJson,
  statusArb,
  verificationUriArb,
  type GeneratedAnswer,
} from "../support/fuzz-answers.ts";

/** The secret a poll carries: distinctive, so any echo of it is easy to find. */
export const FUZZ_DEVICE_CODE = "fuzz-device-code-7e3b9d";

// ---------------------------------------------------------------------------------------------
// Leaves

const shortText = fc.string({ maxLength: 24 });
export const hostileText = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 60 }), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 60 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      "\u001b[2J\u001b[31mPWNED\u001b[0m",
      "line1\r\nX-Injected: yes",
      "\u202eevil\u202c",
      "\u009b31m",
      "a\u0000b",
    ),
    weight: 1,
  },
  // A server that echoes the device code back, raw or encoded.
  {
    arbitrary: fc.constantFrom(
      `invalid device code ${FUZZ_DEVICE_CODE}`,
      `device_code=${encodeURIComponent(FUZZ_DEVICE_CODE)}`,
      JSON.stringify({ device_code: FUZZ_DEVICE_CODE }),
    ),
    weight: 1,
  },
);
const oddNumber = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 0.5, 2 ** 31, 1e21, 1e308),
  fc.constantFrom("1e400", "1".padEnd(400, "0"), "-0").map((text) => new RawJson(text)),
);
export const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  oddNumber,
  fc.constant(""),
  shortText,
  fc.array(shortText, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), shortText, { maxKeys: 2 }),
);
const nonEmpty = fc.string({ minLength: 1, maxLength: 40 });
const seconds = fc.oneof(
  fc.nat({ max: 10_000_000 }),
  fc.nat({ max: 100_000 }).map(String),
  oddNumber,
  wrongType,
);
/** Codes no table may trip over. */
const prototypeKeys = fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty");

// ---------------------------------------------------------------------------------------------
// Bodies

export interface Body {
  text: string | Uint8Array;
  kind: string;
}
const asJson =
  (kind: string) =>
  (value: unknown): Body => ({ text: jsonText(value), kind });

/** A token body: the access token valid, every other field possibly odd or absent. */
export const tokenBody = fc.record(
  {
    access_token: nonEmpty,
    refresh_token: fc.oneof(nonEmpty, wrongType),
    expires_in: seconds,
    scope: fc.oneof(fc.array(shortText, { maxLength: 4 }), shortText, wrongType),
    token_type: fc.oneof(fc.constantFrom("bearer", "Bearer", "BEARER", "mac"), wrongType),
  },
  { requiredKeys: ["access_token"] },
);
/** A token body whose access token is missing, empty or of the wrong type. */
const brokenToken = fc
  .tuple(tokenBody, fc.option(fc.oneof(fc.constant(""), wrongType), { nil: undefined }))
  .map(([token, value]) => {
    const copy: Record<string, unknown> = { ...token };
    if (value === undefined) delete copy.access_token;
    else copy.access_token = value;
    return copy;
  });

/** Whatever the dialect's code field holds: its documented codes mostly, anything sometimes. */
export const codeArb = (codes: readonly string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...codes), weight: 8 },
    { arbitrary: prototypeKeys, weight: 1 },
    { arbitrary: hostileText, weight: 2 },
    { arbitrary: wrongType, weight: 1 },
  );

/** Garbage any endpoint may send: nothing, bytes, HTML, broken or deep JSON, scalars. */
export const garbageBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ text: "", kind: "empty" }),
  fc.uint8Array({ maxLength: 200 }).map((bytes): Body => ({ text: bytes, kind: "bytes" })),
  hostileText.map((text): Body => ({ text, kind: "text" })),
  fc.constant<Body>({ text: "<html><body><h1>502 Bad Gateway</h1></body></html>", kind: "html" }),
  fc
    .tuple(tokenBody.map(jsonText), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([text, at]): Body => ({
      text: text.slice(0, Math.floor(text.length * at)),
      kind: "truncated-json",
    })),
  fc.jsonValue({ maxDepth: 3 }).map(asJson("any-json")),
  fc
    .constantFrom(
      "null",
      "true",
      "0",
      '"authorization_pending"',
      "[]",
      "{}",
      '[{"access_token":"x"}]',
    )
    .map((text): Body => ({ text, kind: "json-scalar" })),
  fc
    .integer({ min: 1, max: 5000 })
    .map((depth): Body => ({
      text: `{"message":${"[".repeat(depth)}1${"]".repeat(depth)}}`,
      kind: "deep-nesting",
    })),
);

/** Token-endpoint bodies of one dialect: its error bodies, tokens, broken tokens, garbage. */
export function tokenEndpointBody(
  errorBody: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Body> {
  return fc.oneof(
    { arbitrary: errorBody.map(asJson("dialect-error")), weight: 8 },
    { arbitrary: tokenBody.map(asJson("token")), weight: 4 },
    { arbitrary: brokenToken.map(asJson("broken-token")), weight: 3 },
    {
      arbitrary: fc
        .tuple(tokenBody, errorBody)
        .map(([token, error]) => ({ ...token, ...error }))
        .map(asJson("token+error")),
      weight: 2,
    },
    { arbitrary: garbageBody, weight: 4 },
  );
}

/** Device-authorization bodies: the fields Twitch and Amazon send, each possibly odd or absent. */
export const authorizationBody = fc.record(
  {
    device_code: fc.oneof({ arbitrary: nonEmpty, weight: 6 }, { arbitrary: wrongType, weight: 1 }),
    user_code: fc.oneof(
      { arbitrary: fc.stringMatching(/^[A-Z0-9]{5,8}$/), weight: 6 },
      { arbitrary: hostileText, weight: 2 },
      { arbitrary: wrongType, weight: 1 },
    ),
    verification_uri: verificationUriArb,
    expires_in: fc.oneof(
      { arbitrary: fc.integer({ min: 30, max: 1800 }), weight: 4 },
      { arbitrary: fc.constantFrom(0, -1, 86_401, 1e9, "600", "600.5"), weight: 2 },
      { arbitrary: oddNumber, weight: 1 },
      { arbitrary: wrongType, weight: 1 },
    ),
    interval: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 4 },
      { arbitrary: fc.constantFrom(0, -5, 1e9, "5", null), weight: 2 },
      { arbitrary: wrongType, weight: 1 },
    ),
  },
  { requiredKeys: [] },
);

/** A whole answer: a status, headers, and a body the status may carry. */
export function answerArb(
  body: fc.Arbitrary<Body>,
  status = statusArb,
): fc.Arbitrary<GeneratedAnswer> {
  return fc.tuple(status, headersArb, body, fc.boolean()).map(([s, headers, b, contentLength]) => ({
    status: s,
    headers,
    body: NULL_BODY_STATUSES.has(s) ? null : b.text,
    contentLength,
    kind: NULL_BODY_STATUSES.has(s) ? "no-body" : b.kind,
  }));
}

/** Mostly 200 (so the success paths are well exercised), any status otherwise. */
export const mostly200 = fc.oneof(
  { arbitrary: fc.constant(200), weight: 3 },
  { arbitrary: statusArb, weight: 2 },
);

// ---------------------------------------------------------------------------------------------
// What the client received

/** The body as JSON, the way any reader would see it; undefined when it is not JSON. */
export function receivedJson(answer: GeneratedAnswer): unknown {
  if (answer.body === null) return undefined;
  const text =
    typeof answer.body === "string" ? answer.body : new TextDecoder().decode(answer.body);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An object body's field, or undefined. */
export function fieldOf(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/** The access token of a 2xx answer that carries one (RFC 6749 §5.1: a non-empty string). */
export function issuedToken(answer: GeneratedAnswer): string | undefined {
  if (answer.status < 200 || answer.status >= 300) return undefined;
  const token = fieldOf(receivedJson(answer), "access_token");
  return typeof token === "string" && token !== "" ? token : undefined;
}

/** RFC 8628 §3.2's default and the README's clamps for the interval a flow polls at. */
export function effectiveInterval(interval: number): number {
  return Number.isFinite(interval) && interval > 0 ? Math.max(interval, 1) : 5;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// ---------------------------------------------------------------------------------------------
// Oracles

/**
 * What holds for every poll, in any dialect:
 * - exactly one union member, of its documented shape;
 * - `authorized` exactly when a 2xx carried a non-empty string access token, with that token;
 * - `retryable` only for 5xx and 429 (a network failure cannot happen here: every answer arrives);
 *   a 5xx is always a retryable error;
 * - a slow_down adds at least 5 s to the interval in force;
 * - no text the SDK reports (error code, description) holds the device code or a control character.
 */
export function assertPollContract(
  result: PollResult,
  answer: GeneratedAnswer,
  interval: number,
): void {
  const token = issuedToken(answer);
  if (token !== undefined) {
    expect(result.status).toBe("authorized");
  }
  switch (result.status) {
    case "authorized":
      expect(result.token.accessToken).toBe(token);
      expect(typeof result.token.tokenType).toBe("string");
      if (result.token.expiresIn !== undefined) {
        expect(Number.isInteger(result.token.expiresIn) && result.token.expiresIn >= 0).toBe(true);
        expect(Number.isFinite(result.token.expiresAt)).toBe(true);
      }
      for (const name of ["refreshToken", "scope", "idToken"] as const) {
        const value = result.token[name];
        if (value !== undefined) expect(typeof value).toBe("string");
      }
      return;
    case "slow_down":
      expect(Number.isFinite(result.interval)).toBe(true);
      expect(result.interval).toBeGreaterThanOrEqual(effectiveInterval(interval) + 5);
      expect(result.interval).toBeLessThanOrEqual(
        Math.max(effectiveInterval(interval) + 5, 86_400),
      );
      break;
    case "error":
      expect(typeof result.error).toBe("string");
      expect(result.error).not.toBe("");
      expect(typeof result.retryable).toBe("boolean");
      if (result.retryable) expect(answer.status === 429 || answer.status >= 500).toBe(true);
      if (result.retryAfter !== undefined) expect(result.retryAfter).toBeGreaterThanOrEqual(0);
      break;
    case "pending":
    case "expired":
    case "denied":
    case "invalid_code":
    case "already_used":
      break;
    default:
      throw new Error(`not a union member: ${JSON.stringify(result)}`);
  }
  if (answer.status >= 500) expect(result).toMatchObject({ status: "error", retryable: true });
  for (const text of reportedTexts(result)) {
    expect(text).not.toContain(FUZZ_DEVICE_CODE);
    expect(text).not.toContain(encodeURIComponent(FUZZ_DEVICE_CODE));
    expect(CONTROL.test(text), JSON.stringify(text)).toBe(false);
  }
}

function reportedTexts(result: PollResult): string[] {
  const texts: unknown[] = [];
  if (result.status === "error") texts.push(result.error);
  if ("description" in result) texts.push(result.description);
  return texts.filter((text): text is string => typeof text === "string");
}

/**
 * The dialect's documented table, held against every answer it applies to: a 4xx or 2xx (no
 * token) whose code is a documented one is that member; any other code stops (non-retryable);
 * a 429 that is not slow_down is a retryable error; a 2xx with neither a token nor a code is
 * `invalid_response`; a redirect is `unexpected_redirect`.
 */
export function assertMapping(
  result: PollResult,
  answer: GeneratedAnswer,
  code: string | undefined,
  table: Readonly<Record<string, PollResult["status"]>>,
): void {
  if (issuedToken(answer) !== undefined || answer.status >= 500) return;
  if (answer.status >= 300 && answer.status < 400) {
    expect(result).toMatchObject({
      status: "error",
      error: "unexpected_redirect",
      retryable: false,
    });
    return;
  }
  const row = code !== undefined && Object.hasOwn(table, code) ? table[code] : undefined;
  if (answer.status === 429 && row !== "slow_down") {
    expect(result).toMatchObject({ status: "error", retryable: true });
  } else if (row !== undefined) {
    expect(result.status).toBe(row);
  } else if (code !== undefined) {
    expect(result).toMatchObject({ status: "error", retryable: false });
  } else if (answer.status < 300) {
    expect(result).toMatchObject({ status: "error", error: "invalid_response", retryable: false });
  } else {
    expect(result).toMatchObject({ status: "error", retryable: false });
  }
}

/** A hand-built authorization, as a caller resuming a flow may pass one. */
export function authorizationFor(interval: number): DeviceAuthorization {
  return {
    deviceCode: FUZZ_DEVICE_CODE,
    userCode: "94238",
    verificationUri: "https://example.com/activate",
    expiresIn: 600,
    interval,
    expiresAt: Date.now() + 600_000,
  };
}

const SAFE_URIS = new Set([
  "https://example.com/device",
  "http://127.0.0.1:8080/activate",
  "https://trakt.tv/activate",
]);

/** A 200 body every client must accept: RFC 8628 §3.2's fields, all well formed. */
export function isWellFormedAuthorization(answer: GeneratedAnswer): boolean {
  if (answer.status !== 200) return false;
  const body = receivedJson(answer);
  const deviceCode = fieldOf(body, "device_code");
  const userCode = fieldOf(body, "user_code");
  const uri = fieldOf(body, "verification_uri");
  const expiresIn = fieldOf(body, "expires_in");
  const interval = fieldOf(body, "interval");
  return (
    typeof deviceCode === "string" &&
    deviceCode !== "" &&
    typeof userCode === "string" &&
    /^[A-Z0-9]{5,8}$/.test(userCode) &&
    typeof uri === "string" &&
    SAFE_URIS.has(uri) &&
    Number.isInteger(expiresIn) &&
    (expiresIn as number) >= 30 &&
    (expiresIn as number) <= 1800 &&
    (interval === undefined ||
      (Number.isInteger(interval) && (interval as number) >= 1 && (interval as number) <= 30))
  );
}

/**
 * What holds for every start, in any dialect: it resolves to an authorization whose codes and
 * URI are the server's own (an http(s) URI, no control characters), with the documented clamps
 * (expiresIn an integer in 1 s … 24 h, interval at least 1 s), only for a 200; or it rejects
 * with a DeviceFlowError, retryable only for 5xx and 429. A well-formed 200 always resolves,
 * with the server's numbers.
 */
export function assertStartContract(
  outcome: { value?: DeviceAuthorization; error?: unknown },
  answer: GeneratedAnswer,
  isDeviceFlowError: (error: unknown) => boolean,
  window: { before: number; after: number },
): void {
  if (isWellFormedAuthorization(answer)) expect(outcome.error).toBeUndefined();
  if (outcome.value) {
    const value = outcome.value;
    const body = receivedJson(answer);
    expect(answer.status).toBe(200);
    expect(value.deviceCode).toBe(fieldOf(body, "device_code"));
    expect(value.userCode).toBe(fieldOf(body, "user_code"));
    expect(value.verificationUri).toBe(fieldOf(body, "verification_uri"));
    expect(value.verificationUriComplete).toBeUndefined();
    expect(["https:", "http:"]).toContain(new URL(value.verificationUri).protocol);
    expect(CONTROL.test(value.userCode) || CONTROL.test(value.verificationUri)).toBe(false);
    expect(
      Number.isInteger(value.expiresIn) && value.expiresIn >= 1 && value.expiresIn <= 86_400,
    ).toBe(true);
    expect(Number.isFinite(value.interval) && value.interval >= 1).toBe(true);
    expect(value.expiresAt).toBeGreaterThanOrEqual(window.before + value.expiresIn * 1000);
    expect(value.expiresAt).toBeLessThanOrEqual(window.after + value.expiresIn * 1000);
    expect(JSON.parse(JSON.stringify(value))).toEqual({ ...value });
    if (isWellFormedAuthorization(answer)) {
      expect(value.expiresIn).toBe(fieldOf(body, "expires_in"));
      expect(value.interval).toBe(fieldOf(body, "interval") ?? 5);
    }
    return;
  }
  expect(isDeviceFlowError(outcome.error), String(outcome.error)).toBe(true);
  const error = outcome.error as { retryable: boolean; message: string };
  if (error.retryable) expect(answer.status === 429 || answer.status >= 500).toBe(true);
  expect(CONTROL.test(error.message), JSON.stringify(error.message)).toBe(false);
}
