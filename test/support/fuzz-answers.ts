/**
 * fast-check generators for what a broken or hostile server may answer, and an in-memory `fetch`
 * that plays one generated answer back as a real `Response` (no sockets, so 10,000 runs are cheap).
 *
 * Bodies are built as text, not objects, so numbers JSON cannot round-trip (1e400, 400-digit
 * integers) and malformed JSON reach the SDK exactly as a server would send them.
 */
import fc from "fast-check";
import { FUZZ_CLIENT_SECRET, FUZZ_DEVICE_CODE } from "./fuzz-providers.ts";

export type AdapterName = "rfc8628" | "trakt" | "transparenc" | "fakts";

/** One generated HTTP answer. */
export interface GeneratedAnswer {
  status: number;
  /** Headers as sent; never Content-Length (see `contentLength`). */
  headers: [string, string][];
  /** The body as sent, or null for the statuses that cannot carry one. */
  body: string | Uint8Array | null;
  /** Whether to declare the body's true length (undici always does when the server does). */
  contentLength: boolean;
  /** Which generator made the body, for coverage counts. */
  kind: string;
}

/** Statuses that cannot carry a body (the Response constructor refuses one). */
export const NULL_BODY_STATUSES = new Set([204, 205, 304]);

// ---------------------------------------------------------------------------------------------
// JSON text with raw numbers

/** A JSON value to be written verbatim, e.g. `1e400`, which JSON.stringify cannot produce. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, except that RawJson values are written as their raw text. */
export function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return v;
  });
  return (text ?? "null").replace(
    /"\\u0000raw(\d+)\\u0000"/g,
    (_m, i: string) => raws[Number(i)] as string,
  );
}

// ---------------------------------------------------------------------------------------------
// Leaves

const shortText = fc.string({ maxLength: 24 });
/** Any Unicode, including control characters, ANSI escapes and bidi overrides. */
const hostileText = fc.oneof(
  { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 60 }), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 60 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      "\u001b[2J\u001b[31mPWNED\u001b[0m",
      "line1\r\nX-Injected: yes",
      "\u202eevil\u202c",
      "\u009b31m",
      "a\u0000b",
      "\u001b]0;pwned\u0007title",
    ),
    weight: 1,
  },
  {
    // A server that echoes the request back: its secrets must be scrubbed (SECURITY.md).
    arbitrary: fc.constantFrom(
      `device_code=${FUZZ_DEVICE_CODE} is not valid`,
      `bad client_secret ${FUZZ_CLIENT_SECRET}`,
      `{"device_code":"${FUZZ_DEVICE_CODE}"}`,
    ),
    weight: 1,
  },
  { arbitrary: fc.nat({ max: 3000 }).map((n) => "x".repeat(n)), weight: 1 },
);

/** Numbers a server may put where an integer belongs. */
const oddNumber = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 0.5, 1.5, 2 ** 31, 2 ** 53 + 2, 1e21, 1e308, -0).map((n) => n as number),
  fc
    .constantFrom(
      "1e400",
      "-1e400",
      "1".padEnd(400, "0"),
      "9007199254740993",
      "1E+3",
      "-0",
      "0.0000001",
    )
    .map((t) => new RawJson(t)),
);

/** Something of the wrong type for any field. */
const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  oddNumber,
  fc.constant(""),
  shortText,
  fc.array(shortText, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), shortText, { maxKeys: 2 }),
);

const nonEmpty = fc.string({ minLength: 1, maxLength: 40 });
const optionalString = fc.option(fc.string({ maxLength: 30 }), { nil: undefined });
const nonNegativeInt = fc.oneof(
  fc.nat({ max: 10_000_000 }),
  fc.constant(0),
  fc.constant(2 ** 53 - 1),
);

/** A JSON array nested `depth` deep, as text (JSON.stringify would recurse). */
const deepArrayText = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const deepDepth = fc.oneof(
  fc.integer({ min: 1, max: 200 }),
  fc.integer({ min: 1000, max: 20_000 }),
);

// ---------------------------------------------------------------------------------------------
// Objects of the wire dialects

/** Spec-valid token bodies per dialect, with random extra fields. */
function validToken(adapter: AdapterName): fc.Arbitrary<Record<string, unknown>> {
  const extras = fc.dictionary(
    fc.constantFrom("extra", "x-foo", "created_at", "id_token", "nested"),
    fc.jsonValue({ maxDepth: 2 }),
    {
      maxKeys: 2,
    },
  );
  const base = {
    rfc8628: fc.record(
      {
        access_token: nonEmpty,
        token_type: fc.constantFrom("Bearer", "bearer", "DPoP", "N_A"),
        expires_in: nonNegativeInt,
        refresh_token: fc.string({ maxLength: 30 }),
        scope: fc.string({ maxLength: 30 }),
        id_token: fc.string({ maxLength: 30 }),
      },
      { requiredKeys: ["access_token", "token_type"] },
    ),
    trakt: fc.record(
      {
        access_token: nonEmpty,
        token_type: fc.constantFrom("bearer", "Bearer"),
        expires_in: nonNegativeInt,
        refresh_token: fc.string({ maxLength: 30 }),
        scope: fc.string({ maxLength: 30 }),
        created_at: fc.integer(),
      },
      { requiredKeys: ["access_token", "token_type"] },
    ),
    transparenc: fc.record(
      {
        access_token: nonEmpty,
        token_type: fc.string({ maxLength: 10 }),
        expires_in: nonNegativeInt,
        refresh_token: fc.string({ maxLength: 30 }),
        scope: fc.string({ maxLength: 30 }),
      },
      { requiredKeys: ["access_token", "expires_in"] },
    ),
    fakts: fc.record({ status: fc.constant("granted"), token: nonEmpty }),
  }[adapter] as fc.Arbitrary<Record<string, unknown>>;
  return fc.tuple(extras, base).map(([extra, token]) => ({ ...extra, ...token }));
}

/**
 * Tokens as real servers send them (issue 11): `expires_in` as a digit string or garbage, null
 * fields, no or lower-case `token_type`, comma-separated or array scopes. Each is still a token.
 */
const lenientToken: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    access_token: nonEmpty,
    token_type: fc.oneof(
      fc.constantFrom("bearer", "BEARER", "Bearer", "DPoP", "mac", ""),
      fc.constant(null),
      fc.integer(),
    ),
    expires_in: fc.oneof(
      nonNegativeInt,
      fc.nat({ max: 100_000 }).map(String),
      fc.constantFrom("3599", " 60 ", "12.5", "1e3", "-5", "soon", "", "0x10", null, 1.9, -1, 1e13),
      fc.stringMatching(/^[0-9]{12,30}$/),
      oddNumber,
    ),
    refresh_token: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null), fc.integer()),
    scope: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom("repo,gist", "a, b  c", " ", ",", null),
      fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 3 }),
    ),
    id_token: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null)),
  },
  { requiredKeys: ["access_token"] },
);

/** A valid token with one field removed or replaced by a value of the wrong type. */
function mutatedToken(adapter: AdapterName): fc.Arbitrary<Record<string, unknown>> {
  const keys = [
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "scope",
    "id_token",
    "created_at",
    "status",
    "token",
  ];
  return fc
    .tuple(validToken(adapter), fc.constantFrom(...keys), fc.option(wrongType, { nil: undefined }))
    .map(([token, key, value]) => {
      const copy: Record<string, unknown> = { ...token };
      if (value === undefined) delete copy[key];
      else copy[key] = value;
      return copy;
    });
}

const RFC_CODES = [
  "authorization_pending",
  "slow_down",
  "access_denied",
  "expired_token",
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
];

/** RFC 6749 §5.2 error bodies: known codes, unknown codes, wrong types, odd `interval`s. */
const oauthError = fc.record(
  {
    error: fc.oneof(
      { arbitrary: fc.constantFrom(...RFC_CODES), weight: 6 },
      {
        arbitrary: fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty"),
        weight: 1,
      },
      { arbitrary: hostileText, weight: 1 },
      { arbitrary: wrongType, weight: 1 },
    ),
    error_description: fc.oneof(hostileText, wrongType),
    error_uri: fc.oneof(shortText, wrongType),
    interval: oddNumber,
  },
  { requiredKeys: ["error"] },
);

/** Django REST framework bodies (Transparenc): `{detail}`, field errors, throttling. */
const drfBody = fc.oneof(
  fc.record({ detail: fc.oneof(hostileText, wrongType) }),
  fc.dictionary(
    fc.oneof(
      fc.constantFrom("grant_type", "client_id", "device_code", "non_field_errors"),
      shortText,
    ),
    fc.array(fc.oneof(hostileText, wrongType), { maxLength: 3 }),
    { minKeys: 1, maxKeys: 3 },
  ),
  fc
    .oneof(fc.nat({ max: 100_000 }).map(String), fc.stringMatching(/^[0-9]{20,400}$/))
    .map((n) => ({ detail: `Request was throttled. Expected available in ${n} seconds.` })),
);

/** fakts challenge bodies: every status, with fields of any type. */
const faktsBody = fc.record(
  {
    status: fc.oneof(
      { arbitrary: fc.constantFrom("pending", "granted", "denied", "expired", "error"), weight: 6 },
      { arbitrary: fc.oneof(shortText, wrongType), weight: 1 },
    ),
    message: fc.oneof(hostileText, wrongType),
    token: fc.oneof(nonEmpty, wrongType),
    error: fc.oneof(hostileText, wrongType),
  },
  { requiredKeys: ["status"] },
);

// ---------------------------------------------------------------------------------------------
// Bodies

interface Body {
  text: string | Uint8Array;
  kind: string;
}

const asJson =
  (kind: string) =>
  (value: unknown): Body => ({ text: jsonText(value), kind });

/** The bodies every dialect may receive: garbage first, then the dialect's own shapes. */
function bodyArb(adapter: AdapterName): fc.Arbitrary<Body> {
  const structured = fc.oneof(
    { arbitrary: validToken(adapter).map(asJson("valid-token")), weight: 6 },
    { arbitrary: mutatedToken(adapter).map(asJson("mutated-token")), weight: 5 },
    {
      arbitrary: lenientToken.map(asJson("lenient-token")),
      weight: adapter === "fakts" ? 1 : 4,
    },
    {
      arbitrary: oauthError.map(asJson("oauth-error")),
      weight: adapter === "fakts" || adapter === "trakt" ? 2 : 8,
    },
    { arbitrary: drfBody.map(asJson("drf")), weight: adapter === "transparenc" ? 5 : 1 },
    { arbitrary: faktsBody.map(asJson("fakts")), weight: adapter === "fakts" ? 10 : 1 },
    {
      // A valid token and an error code together (GitHub's 200 errors), or a token with a nest.
      arbitrary: fc
        .tuple(validToken(adapter), oauthError)
        .map(([t, e]) => ({ ...t, ...e }))
        .map(asJson("token+error")),
      weight: 2,
    },
  );
  const garbage = fc.oneof(
    fc.constant<Body>({ text: "", kind: "empty" }),
    fc.uint8Array({ maxLength: 200 }).map((bytes): Body => ({ text: bytes, kind: "bytes" })),
    hostileText.map((text): Body => ({ text, kind: "text" })),
    fc
      .constantFrom(
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        "<!DOCTYPE html><html><body>Service Unavailable</body></html>",
        '<?xml version="1.0"?><error>pending</error>',
      )
      .map((text): Body => ({ text, kind: "html" })),
    fc
      .tuple(
        fc.oneof(validToken(adapter), oauthError, faktsBody).map((v) => jsonText(v)),
        fc.double({ min: 0, max: 1, noNaN: true }),
      )
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
        "1e400",
        '[{"error":"slow_down"}]',
      )
      .map((text): Body => ({ text, kind: "json-scalar" })),
    deepDepth.map((depth): Body => ({ text: deepArrayText(depth), kind: "deep-nesting" })),
    fc
      .tuple(
        deepDepth,
        fc.constantFrom(
          (d: string) => `{"error":"authorization_pending","nested":${d}}`,
          (d: string) => `{"grant_type":[${d}],"device_code":[{"toString":1}]}`,
          (d: string) => `{"status":"pending","message":${d}}`,
          (d: string) => `{"access_token":"x","token_type":"Bearer","expires_in":1,"raw":${d}}`,
        ),
      )
      .map(([depth, wrap]): Body => ({ text: wrap(deepArrayText(depth)), kind: "deep-nesting" })),
  );
  return fc.oneof({ arbitrary: structured, weight: 3 }, { arbitrary: garbage, weight: 2 });
}

// ---------------------------------------------------------------------------------------------
// Statuses and headers

const interestingStatuses = [
  200, 200, 200, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 307, 308, 400, 400,
  401, 403, 404, 405, 406, 409, 410, 413, 415, 418, 422, 429, 429, 500, 501, 502, 503, 504, 599,
];

export const statusArb = fc.oneof(
  { arbitrary: fc.constantFrom(...interestingStatuses), weight: 3 },
  { arbitrary: fc.integer({ min: 200, max: 599 }), weight: 1 },
);

/** `Retry-After` values: seconds, dates, and garbage. */
export const retryAfterArb = fc.oneof(
  fc.nat({ max: 200_000 }).map(String),
  fc.stringMatching(/^[0-9]{10,400}$/),
  fc.integer({ min: -100_000, max: -1 }).map(String),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toUTCString()),
  fc.integer({ min: -600, max: 600 }).map((s) => new Date(Date.now() + s * 1000).toUTCString()),
  fc.constantFrom(
    "",
    "soon",
    "NaN",
    "Infinity",
    "-0",
    "1e3",
    "0x10",
    "3.5",
    "Tue, 99 Foo 2020 99:99:99 GMT",
    "5, 6",
    "1 2",
  ),
  fc.stringMatching(/^[\x21-\x7e]{1,30}$/),
);

const RESERVED = new Set([
  "content-length",
  "transfer-encoding",
  "content-encoding",
  "retry-after",
  "content-type",
]);
const headerName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
  .filter((name) => !RESERVED.has(name));
const headerValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,40}[\x21-\x7e])?$/);

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/html; charset=utf-8",
  "text/plain",
  "application/problem+json",
  "garbage/////",
);

export const headersArb: fc.Arbitrary<[string, string][]> = fc
  .tuple(
    fc.option(contentType, { nil: undefined }),
    fc.option(retryAfterArb, { nil: undefined, freq: 3 }),
    fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
  )
  .map(([type, retry, others]) => [
    ...(type === undefined ? [] : [["content-type", type] as [string, string]]),
    ...(retry === undefined ? [] : [["retry-after", retry] as [string, string]]),
    ...others,
  ]);

/**
 * GitHub's default answer without `Accept: application/json`: form-urlencoded, every value a
 * string (`expires_in=28800`, `scope=repo,gist`), errors included.
 */
const formBody = fc
  .oneof(
    fc.record(
      {
        access_token: nonEmpty,
        token_type: fc.constantFrom("bearer", "Bearer"),
        expires_in: fc.nat({ max: 100_000 }).map(String),
        refresh_token: fc.string({ maxLength: 20 }),
        scope: fc.constantFrom("repo,gist", "read:user", ""),
      },
      { requiredKeys: ["access_token"] },
    ),
    fc.record(
      {
        error: fc.constantFrom(...RFC_CODES, "device_flow_disabled"),
        error_description: fc.string({ maxLength: 30 }),
        interval: fc.nat({ max: 30 }).map(String),
      },
      { requiredKeys: ["error"] },
    ),
  )
  .map((fields) => new URLSearchParams(fields as Record<string, string>).toString());

/** A whole token-endpoint answer for one dialect. */
export function tokenAnswerArb(adapter: AdapterName): fc.Arbitrary<GeneratedAnswer> {
  // fakts answers everything with 200 and says what happened in the body.
  const status =
    adapter === "fakts"
      ? fc.oneof({ arbitrary: fc.constant(200), weight: 1 }, { arbitrary: statusArb, weight: 1 })
      : statusArb;
  const generic = fc
    .tuple(status, headersArb, bodyArb(adapter), fc.boolean())
    .map(([status, headers, body, contentLength]) => ({
      status,
      headers,
      body: NULL_BODY_STATUSES.has(status) ? null : body.text,
      contentLength,
      kind: NULL_BODY_STATUSES.has(status) ? "no-body" : body.kind,
    }));
  const form = fc
    .tuple(
      fc.oneof({ arbitrary: fc.constant(200), weight: 3 }, { arbitrary: statusArb, weight: 1 }),
      headersArb,
      formBody,
      fc.boolean(),
    )
    .map(([status, headers, text, contentLength]) => ({
      status,
      headers: [
        ...headers.filter(([name]) => name !== "content-type"),
        ["content-type", "application/x-www-form-urlencoded; charset=utf-8"] as [string, string],
      ],
      body: NULL_BODY_STATUSES.has(status) ? null : text,
      contentLength,
      kind: NULL_BODY_STATUSES.has(status) ? "no-body" : "form",
    }));
  return fc.oneof({ arbitrary: generic, weight: 9 }, { arbitrary: form, weight: 1 });
}

// ---------------------------------------------------------------------------------------------
// Device authorization answers

/** URIs a server may send where a verification URI belongs. */
export const verificationUriArb = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      "https://example.com/device",
      "http://127.0.0.1:8080/activate",
      "https://trakt.tv/activate",
    ),
    weight: 6,
  },
  {
    arbitrary: fc.constantFrom(
      "javascript:alert(document.cookie)",
      " javascript:alert(1)",
      "JAVASCRIPT:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "file:///etc/passwd",
      "ftp://example.com/device",
      "vbscript:msgbox(1)",
      "about:blank",
      "//example.com/device",
      "/device",
      "example.com/device",
      "",
      "https://example.com/\u001b[2J",
      "https://example.com/\u202egnp.exe",
      "https://exa\nmple.com/",
    ),
    weight: 3,
  },
  { arbitrary: wrongType, weight: 1 },
);

/** Spec-shaped device authorization bodies with every field possibly missing, odd or hostile. */
function authorizationBodyArb(adapter: AdapterName): fc.Arbitrary<Record<string, unknown>> {
  const interval = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 4 },
    { arbitrary: fc.constantFrom(0, -1, -5, 86_401, 1e9, 2 ** 31), weight: 2 },
    // Entra v1 and GitHub's form bodies send numbers as digit strings.
    { arbitrary: fc.constantFrom("5", " 3 ", "0", "1.5", "-1", "soon", null), weight: 1 },
    { arbitrary: oddNumber, weight: 2 },
    { arbitrary: wrongType, weight: 1 },
  );
  const expiresIn = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 1800 }), weight: 4 },
    { arbitrary: fc.constantFrom(0, -1, 86_400, 86_401, 1e9, 2 ** 53 - 1), weight: 2 },
    { arbitrary: fc.constantFrom("900", " 1800 ", "0", "12.5", "-1", "1e3", null), weight: 1 },
    { arbitrary: oddNumber, weight: 2 },
    { arbitrary: wrongType, weight: 1 },
  );
  const userCode = fc.oneof(
    { arbitrary: fc.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/), weight: 6 },
    { arbitrary: hostileText, weight: 2 },
    { arbitrary: wrongType, weight: 1 },
  );
  const deviceCode = fc.oneof(
    { arbitrary: nonEmpty, weight: 6 },
    { arbitrary: wrongType, weight: 1 },
  );
  if (adapter === "fakts") {
    return fc.oneof(
      fc.record({
        // Mostly granted; a code beside another status must not start a flow.
        status: fc.oneof(
          { arbitrary: fc.constant("granted"), weight: 4 },
          { arbitrary: fc.constantFrom("pending", "denied", ""), weight: 1 },
        ),
        code: fc.oneof(
          { arbitrary: nonEmpty, weight: 4 },
          { arbitrary: hostileText, weight: 1 },
          { arbitrary: wrongType, weight: 1 },
        ),
      }),
      fc.record({ status: fc.constant("error"), error: fc.oneof(hostileText, wrongType) }),
      faktsBody,
    );
  }
  const uriKey = adapter === "trakt" ? "verification_url" : "verification_uri";
  const model: Record<string, fc.Arbitrary<unknown>> = {
    device_code: deviceCode,
    user_code: userCode,
    [uriKey]: verificationUriArb,
    expires_in: expiresIn,
    interval,
  };
  if (adapter === "rfc8628") {
    model.verification_uri_complete = verificationUriArb;
    model.verification_url = verificationUriArb;
    // Entra's instructions for the user; anything else in its place.
    model.message = fc.oneof(shortText, hostileText, wrongType);
  }
  const required =
    adapter === "rfc8628" ? [] : ["device_code", "user_code", uriKey, "expires_in", "interval"];
  const defaults = {
    device_code: "dc",
    user_code: "ABCD-EFGH",
    verification_uri: "https://example.com/device",
    expires_in: 600,
  };
  return fc
    .tuple(fc.record(model, { requiredKeys: required }), fc.boolean())
    .map(([body, keepRequired]) =>
      // rfc8628 bodies may lack any field; half keep the required ones so the clamps get exercised.
      adapter === "rfc8628" && keepRequired ? Object.assign({}, defaults, body) : body,
    );
}

/** A whole device-authorization answer for one dialect. */
export function authorizationAnswerArb(adapter: AdapterName): fc.Arbitrary<GeneratedAnswer> {
  const body = fc.oneof(
    { arbitrary: authorizationBodyArb(adapter).map(asJson("authorization")), weight: 6 },
    { arbitrary: oauthError.map(asJson("oauth-error")), weight: 1 },
    { arbitrary: bodyArb(adapter), weight: 2 },
  );
  const status = fc.oneof(
    { arbitrary: fc.constant(200), weight: 3 },
    { arbitrary: statusArb, weight: 1 },
  );
  return fc.tuple(status, headersArb, body, fc.boolean()).map(([s, headers, b, contentLength]) => ({
    status: s,
    headers,
    body: NULL_BODY_STATUSES.has(s) ? null : b.text,
    contentLength,
    kind: NULL_BODY_STATUSES.has(s) ? "no-body" : b.kind,
  }));
}

/** The `interval` of a hand-built or resumed authorization: usually sane, sometimes not. */
export const currentIntervalArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 600 }), weight: 8 },
  {
    arbitrary: fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 0.5, 1e308, 86_400),
    weight: 2,
  },
);

// ---------------------------------------------------------------------------------------------
// Playing an answer back

const encoder = new TextEncoder();

/** The body's bytes as the server put them on the wire. */
export function bodyBytes(answer: GeneratedAnswer): Uint8Array | null {
  if (answer.body === null) return null;
  return typeof answer.body === "string" ? encoder.encode(answer.body) : answer.body;
}

/** The generated answer as a real `Response`. */
export function toResponse(answer: GeneratedAnswer): Response {
  const headers = new Headers(answer.headers);
  const bytes = bodyBytes(answer);
  if (answer.contentLength && bytes) headers.set("content-length", String(bytes.byteLength));
  return new Response(bytes as BodyInit | null, { status: answer.status, headers });
}

/**
 * A `fetch` that answers with whatever answer is current, so one provider serves a whole property
 * run (building a provider costs more than a poll).
 */
export function replayFetch(): {
  fetch: (request: Request) => Promise<Response>;
  play(answer: GeneratedAnswer): void;
} {
  let current: GeneratedAnswer | undefined;
  return {
    fetch: async () => {
      if (!current) throw new Error("replayFetch: no answer to play");
      return toResponse(current);
    },
    play(answer) {
      current = answer;
    },
  };
}

/** A `fetch` that answers every request with the generated answer, and remembers the requests. */
export function answerFetch(
  answer: GeneratedAnswer,
  seen?: Request[],
): (request: Request) => Promise<Response> {
  return async (request) => {
    seen?.push(request);
    return toResponse(answer);
  };
}
