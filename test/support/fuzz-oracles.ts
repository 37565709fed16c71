/**
 * The contract every generated answer is checked against, written from RFC 8628 §3.2/§3.5, RFC
 * 6749 §5.1/§5.2, RFC 9110 §10.2.3 and the README's documented rules, never from src/. It is a
 * list of laws, each an implication ("if the answer is X, the result must be Y"), not a second
 * copy of the classifier: a law names the sentence it comes from, and a wrong design (a token
 * thrown away, a retry on a 400, a slow_down that forgets its +5 s) breaks at least one of them.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { vStartResponse as faktsStart } from "../../generated/fakts/valibot.gen.ts";
import { vDeviceAuthorizationResponse as rfc8628Authorization } from "../../generated/rfc8628/valibot.gen.ts";
import { vDeviceCodeResponse as traktAuthorization } from "../../generated/trakt/valibot.gen.ts";
import { vDeviceAuthorizationResponse as transparencAuthorization } from "../../generated/transparenc/valibot.gen.ts";
import { DeviceFlowError } from "../../src/errors.ts";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import { bodyBytes, type AdapterName, type GeneratedAnswer } from "./fuzz-answers.ts";

// ---------------------------------------------------------------------------------------------
// What the client received

/**
 * The body as the README says answers are read: empty is "no body"; a form-urlencoded body
 * (GitHub's default) is an object of strings; otherwise JSON when it parses, else the text.
 */
export function received(answer: GeneratedAnswer): unknown {
  const bytes = bodyBytes(answer);
  if (bytes === null) return undefined;
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return undefined;
  if (/^\s*application\/x-www-form-urlencoded\b/i.test(header(answer, "content-type") ?? "")) {
    return Object.fromEntries(new URLSearchParams(text.trim()));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const stringField = (body: unknown, key: string) =>
  isObject(body) && typeof body[key] === "string" ? body[key] : undefined;
const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

function header(answer: GeneratedAnswer, name: string): string | undefined {
  if (!answer.headers.some(([n]) => n.toLowerCase() === name)) return undefined;
  return new Headers(answer.headers).get(name) ?? undefined;
}

const is2xx = (status: number) => status >= 200 && status < 300;
const isRedirect = (status: number) => status >= 300 && status < 400;
/** README: "5xx, 429 and network failures are retryable `error`s". */
const transient = (status: number) => status === 429 || status >= 500;
/** The SDK's own codes for an answer that says nothing (README, Errors). */
const DEFAULT_CODES = ["http_error", "rate_limited", "server_error"];

const DAY_S = 86_400;
/** README: token lifetimes are kept up to ten years. */
const TEN_YEARS_S = 315_360_000;

/**
 * A count of seconds as the README says servers may send it: a number, or a decimal numeral in a
 * string (`"3599"`, Entra v1 and GitHub's form bodies). Anything else is "not said".
 */
export function seconds(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// The tables, as the RFCs and the README state them

/**
 * RFC 8628 §3.5 (authorization_pending, slow_down, access_denied, expired_token) and RFC 6749
 * §5.2 (invalid_grant: "the provided authorization grant … is invalid, expired, revoked"), as
 * the README's rfc8628 and transparenc tables map them.
 */
const OAUTH_CODES: Readonly<Record<string, PollResult["status"]>> = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
};
/** The README's Trakt table. */
const TRAKT_STATUSES: Readonly<Record<number, PollResult["status"]>> = {
  400: "pending",
  404: "invalid_code",
  409: "already_used",
  410: "expired",
  418: "denied",
  429: "slow_down",
};
/** The README's fakts table. */
const FAKTS_STATUSES: Readonly<Record<string, PollResult["status"]>> = {
  pending: "pending",
  denied: "denied",
  expired: "expired",
  error: "invalid_code",
};

const oauthCodeOf = (body: unknown) => stringField(body, "error");
const known = (table: Readonly<Record<string, PollResult["status"]>>, code: string | undefined) =>
  code !== undefined && Object.hasOwn(table, code) ? table[code] : undefined;

// ---------------------------------------------------------------------------------------------
// Poll laws

/** What a law sees: one answer, the result the SDK made of it, and the poll's context. */
export interface PollCase {
  adapter: AdapterName;
  answer: GeneratedAnswer;
  body: unknown;
  result: PollResult;
  /** The authorization's interval when the poll was sent. */
  interval: number;
  /** Epoch ms just before and after the poll, for expiresAt. */
  window: { before: number; after: number };
  /** The secrets the request carried. */
  secrets: readonly string[];
}

type Law = (c: PollCase) => void;

/** C0, DEL, C1 and bidi controls: never in text a terminal or a log may show. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const MAX_SERVER_TEXT = 1001;

/** Token bodies per dialect: Trakt and the OAuth dialects use RFC 6749 §5.1's `access_token`. */
function issuedToken(c: PollCase): string | undefined {
  if (c.adapter === "fakts") {
    // fakts: HTTP 200 `{status: "granted", token}` is its token response.
    return c.answer.status === 200 &&
      isObject(c.body) &&
      c.body.status === "granted" &&
      nonEmpty(c.body.token)
      ? c.body.token
      : undefined;
  }
  // Issue 11 / README "Never loses an issued token": any 2xx with a non-empty string access_token.
  // Trakt's README row says "200 with a valid token" (its API answers nothing else on success);
  // whether a Trakt 201 with a token should count too is an open question (see issue 12's note).
  const success = c.adapter === "trakt" ? c.answer.status === 200 : is2xx(c.answer.status);
  return success && isObject(c.body) && nonEmpty(c.body.access_token)
    ? c.body.access_token
    : undefined;
}

const LAWS: Record<string, Law> = {
  /** README "One result union": exactly its keys, each of its type. */
  "a well-formed union member": ({ result }) => assertPollShape(result),

  /** README Security: no redirect is followed; any 3xx is unexpected_redirect. */
  "a redirect is never followed": ({ answer, result }) => {
    if (!isRedirect(answer.status)) return;
    assert.equal(result.status, "error");
    assert.equal((result as { error: string }).error, "unexpected_redirect");
    assert.equal((result as { retryable: boolean }).retryable, false);
  },

  /** README: a 2xx with a non-empty string access_token is `authorized` with exactly that token. */
  "an issued token is never lost": (c) => {
    const token = issuedToken(c);
    if (token === undefined) return;
    assert.equal(c.result.status, "authorized", "a 2xx with an access_token must be authorized");
    assert.equal(
      (c.result as Extract<PollResult, { status: "authorized" }>).token.accessToken,
      token,
    );
  },

  /** The converse: `authorized` only ever carries a token the server issued in a 2xx. */
  "authorized only with an issued token": (c) => {
    if (c.result.status !== "authorized") return;
    assert.notEqual(issuedToken(c), undefined, "authorized without a 2xx access_token");
  },

  /** README / issue 11: how each token field is read, leniently, from the body. */
  "token fields normalised as documented": (c) => {
    if (c.result.status !== "authorized") return;
    const { token } = c.result;
    const body = c.body as Record<string, unknown>;
    assert.ok(sameJson(token.raw, body), "raw is the body as it came");
    if (c.adapter === "fakts") {
      assert.equal(token.tokenType, "fakts");
      return;
    }
    // RFC 6749 §5.1 token_type; RFC 6750 §5.1 schemes are case-insensitive: bearer → Bearer; a
    // missing (or unusable) one is Bearer, the only type a device flow issues in practice.
    const type = nonEmpty(body.token_type) ? body.token_type : undefined;
    assert.equal(token.tokenType, type === undefined || /^bearer$/i.test(type) ? "Bearer" : type);
    // expires_in: a number or digit string, floored, at most ten years; anything else "not said".
    const lifetime = seconds(body.expires_in);
    if (lifetime === undefined) {
      assert.equal(token.expiresIn, undefined);
      assert.equal(token.expiresAt, undefined);
    } else {
      const kept = Math.min(Math.floor(lifetime), TEN_YEARS_S);
      assert.equal(token.expiresIn, kept);
      assert.ok(token.expiresAt !== undefined);
      assert.ok(token.expiresAt >= c.window.before + kept * 1000, "expiresAt before the answer");
      assert.ok(token.expiresAt <= c.window.after + kept * 1000, "expiresAt after the answer");
    }
    // null means absent; an empty string carries no token.
    for (const [key, name] of [
      ["refreshToken", "refresh_token"],
      ["idToken", "id_token"],
    ] as const) {
      if (nonEmpty(body[name])) assert.equal(token[key], body[name]);
      else assert.equal(token[key], undefined);
    }
    // RFC 6749 §3.3 space-delimited; also comma-separated (GitHub) or an array (Twitch).
    const scope = body.scope;
    const parts = Array.isArray(scope)
      ? scope.filter((s): s is string => typeof s === "string")
      : typeof scope === "string"
        ? [scope]
        : undefined;
    const normalised = parts
      ?.flatMap((p) => p.split(/[\s,]+/))
      .filter(Boolean)
      .join(" ");
    if (normalised) assert.equal(token.scope, normalised);
    else assert.ok(token.scope === undefined || token.scope === "", `scope ${String(token.scope)}`);
  },

  /** README: retryable only for 5xx, 429 and network failures (a replayed answer is never one). */
  "retryable only for 5xx or 429": ({ answer, result }) => {
    if (result.status === "error" && result.retryable) assert.ok(transient(answer.status));
  },

  /** README: 5xx is a retryable error, whatever its body says. */
  "5xx is a retryable error": ({ answer, result }) => {
    if (answer.status < 500) return;
    assert.equal(result.status, "error");
    assert.equal((result as { retryable: boolean }).retryable, true);
  },

  /** RFC 8628 §3.5 codes, read in any status (GitHub's 200 errors) for the OAuth dialects. */
  "RFC 8628 §3.5 error codes drive the union": (c) => {
    if (c.adapter !== "rfc8628" && c.adapter !== "transparenc") return;
    const { status } = c.answer;
    if (issuedToken(c) !== undefined || isRedirect(status) || status >= 500) return;
    if (c.adapter === "transparenc" && status === 429) return; // DRF throttling, below
    const member = known(OAUTH_CODES, oauthCodeOf(c.body));
    // README: a 429 that is not slow_down is a retryable error (its Retry-After is honoured).
    if (status === 429 && member !== "slow_down") {
      assert.equal(c.result.status, "error");
      assert.equal((c.result as { retryable: boolean }).retryable, true);
      return;
    }
    if (member !== undefined) assert.equal(c.result.status, member);
  },

  /** RFC 8628 §3.5: "any other error code … MUST stop polling": a non-retryable error. */
  "any other error code stops": (c) => {
    if (c.adapter !== "rfc8628" && c.adapter !== "transparenc") return;
    const code = oauthCodeOf(c.body);
    const { status } = c.answer;
    if (code === undefined || known(OAUTH_CODES, code) !== undefined) return;
    if (issuedToken(c) !== undefined || isRedirect(status) || transient(status)) return;
    assert.equal(c.result.status, "error");
    const r = c.result as Extract<PollResult, { status: "error" }>;
    assert.equal(r.retryable, false);
    if (code === "") assert.ok(DEFAULT_CODES.includes(r.error), r.error);
    else expectServerText(r.error, code, c.secrets);
    assert.equal(r.httpStatus, status);
    const description = stringField(c.body, "error_description");
    if (description !== undefined) expectServerText(r.description, description, c.secrets);
  },

  /** README: a 2xx without a usable token and without an error code is invalid_response + raw. */
  "a 2xx without token or code is invalid_response carrying the body": (c) => {
    const { status } = c.answer;
    if (!is2xx(status) || issuedToken(c) !== undefined) return;
    const said = (() => {
      switch (c.adapter) {
        case "rfc8628":
          return oauthCodeOf(c.body) !== undefined;
        case "transparenc":
          return oauthCodeOf(c.body) !== undefined;
        case "trakt":
          return status !== 200; // Trakt says everything but its token with the status
        case "fakts":
          // fakts answers with 200 only; its other answers are its spec's challenge bodies.
          return status !== 200 || (isObject(c.body) && faktsChallenge(c.body) !== undefined);
      }
    })();
    if (said) return;
    assert.equal(c.result.status, "error");
    const r = c.result as Extract<PollResult, { status: "error" }>;
    assert.equal(r.error, "invalid_response");
    assert.equal(r.retryable, false);
    assert.equal(r.httpStatus, status);
    // The body as it came, but for the request's own secrets, which no result holds (SECURITY.md),
    // and plain data a caller can serialise (nesting past 32 levels is cut).
    const raw = JSON.stringify(r.raw) ?? "";
    for (const secret of c.secrets) assert.ok(!raw.includes(secret), "no secret of the request in raw");
    const depth = (v: unknown, limit = 40): number =>
      typeof v !== "object" || v === null || limit === 0 ? 0 : 1 + Math.max(0, ...Object.values(v).map((x) => depth(x, limit - 1)));
    if (depth(c.body) > 32) return; // cut by the documented rule; serialisable, checked above
    const body = JSON.stringify(c.body) ?? "";
    const echoes = c.secrets.some((secret) => secret !== "" && body.includes(secret));
    if (!echoes) assert.ok(sameJson(r.raw, c.body), "raw is the body as it came");
  },

  /**
   * RFC 8628 §3.5 slow_down: "the interval MUST be increased by 5 seconds for this and all
   * subsequent requests"; README: a server's larger figure (interval, Retry-After, DRF's
   * "available in N seconds") wins, capped at a day.
   */
  "slow_down adds at least 5 s": (c) => {
    if (c.result.status !== "slow_down") return;
    const floor = effectiveInterval(c.interval) + 5;
    const { interval } = c.result;
    assert.ok(interval >= floor, `${interval} < ${floor}`);
    assert.ok(interval <= Math.max(floor, DAY_S), `${interval} > a day`);
    const rule = retryAfterSeconds(header(c.answer, "retry-after"));
    if (rule === undefined) return; // a Retry-After that is neither seconds nor a clear date
    const throttled =
      c.adapter === "transparenc"
        ? Number(stringField(c.body, "detail")?.match(/available in (\d+) second/)?.[1] ?? 0)
        : 0;
    const asked = Math.max(
      isObject(c.body) ? (seconds(c.body.interval) ?? 0) : 0,
      rule.exact ?? 0,
      throttled,
    );
    const exact = Math.max(floor, Math.min(asked, DAY_S));
    assert.ok(Math.abs(interval - exact) <= 1, `slow_down ${interval}, expected ${exact}`);
  },

  /** RFC 9110 §10.2.3 Retry-After on a retryable error: honoured, bounded, garbage ignored. */
  "Retry-After is honoured on retryable errors": ({ answer, result }) => {
    if (result.status !== "error" || !result.retryable) return;
    const rule = retryAfterSeconds(header(answer, "retry-after"));
    const actual = result.retryAfter;
    if (rule?.absent) return assert.equal(actual, undefined);
    if (actual === undefined)
      return assert.equal(rule?.exact, undefined, "a valid Retry-After was dropped");
    assert.ok(isInt(actual) && actual >= 0 && actual <= DAY_S, `retryAfter ${actual}`);
    if (rule?.exact !== undefined) assert.ok(Math.abs(actual - rule.exact) <= 1);
  },

  /** SECURITY.md: the request's secrets are scrubbed from server text in every result. */
  "no secret in any text": ({ result, secrets }) => {
    const texts: unknown[] = [];
    if (result.status === "error") texts.push(result.error, result.description);
    else if (result.status !== "authorized")
      texts.push((result as { description?: string }).description);
    for (const text of texts.filter((t): t is string => typeof t === "string"))
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `secret in ${JSON.stringify(text)}`);
  },

  /** The README's Trakt table: the status is the outcome. */
  "Trakt: the status is the outcome": (c) => {
    if (c.adapter !== "trakt" || issuedToken(c) !== undefined) return;
    const member = Object.hasOwn(TRAKT_STATUSES, c.answer.status)
      ? TRAKT_STATUSES[c.answer.status]
      : undefined;
    if (member !== undefined) assert.equal(c.result.status, member);
    else if (!is2xx(c.answer.status) && !isRedirect(c.answer.status)) {
      assert.equal(c.result.status, "error");
      const r = c.result as Extract<PollResult, { status: "error" }>;
      assert.ok(DEFAULT_CODES.includes(r.error), r.error);
      assert.equal(r.httpStatus, c.answer.status);
    }
  },

  /**
   * README, transparenc: DRF's 429 is a slow_down; `{detail}` (415: unsupported_media_type) and
   * field errors are non-retryable errors — when the 4xx body carries no OAuth `error`.
   */
  "Transparenc: Django REST framework's own answers": (c) => {
    if (c.adapter !== "transparenc") return;
    const { status } = c.answer;
    if (status === 429) return assert.equal(c.result.status, "slow_down");
    if (status < 400 || status >= 500 || oauthCodeOf(c.body) !== undefined) return;
    const detail = stringField(c.body, "detail");
    const fieldErrors = isObject(c.body) && Object.values(c.body).some(Array.isArray);
    if (detail === undefined && !fieldErrors) return;
    assert.equal(c.result.status, "error");
    const r = c.result as Extract<PollResult, { status: "error" }>;
    assert.equal(r.retryable, false);
    assert.equal(
      r.error,
      detail !== undefined && status === 415 ? "unsupported_media_type" : "invalid_request",
    );
    if (detail !== undefined) expectServerText(r.description, detail, c.secrets);
  },

  /** README, fakts: every answer is HTTP 200 and its `status` is the outcome. */
  "fakts: the challenge status is the outcome": (c) => {
    if (c.adapter !== "fakts" || isRedirect(c.answer.status)) return;
    if (c.answer.status !== 200) {
      assert.equal(c.result.status, "error");
      return;
    }
    const challenge = isObject(c.body) ? faktsChallenge(c.body) : undefined;
    if (challenge === undefined || challenge.status === "granted") return;
    assert.equal(c.result.status, FAKTS_STATUSES[challenge.status]);
    if (challenge.status === "pending") return; // pending carries nothing more
    const sent = challenge.status === "error" ? challenge.error : challenge.message;
    const description = (c.result as { description?: string }).description;
    if (sent === undefined) assert.equal(description, undefined);
    else expectServerText(description, sent, c.secrets);
  },

  /** README: the result's own text from the server is sanitised (SECURITY.md: terminal escapes). */
  "server text is printable and bounded": ({ result }) => {
    const texts =
      result.status === "error"
        ? [result.error, result.description]
        : [(result as { description?: string }).description];
    for (const text of texts) {
      if (text === undefined) continue;
      assert.ok(!CONTROL_CHARS.test(text), `control character in ${JSON.stringify(text)}`);
      assert.ok(text.length <= MAX_SERVER_TEXT, `${text.length} > ${MAX_SERVER_TEXT}`);
    }
  },

  /** SECURITY.md: "internal_error never occurs for a server's answer". */
  "never internal_error": ({ result }) => {
    if (result.status === "error") assert.notEqual(result.error, "internal_error");
  },
};

/** fakts' challenge bodies, as its spec defines them (`message` optional text). */
function faktsChallenge(
  body: Record<string, unknown>,
):
  | { status: "pending" | "denied" | "expired"; message?: string }
  | { status: "granted"; token: string }
  | { status: "error"; error: string }
  | undefined {
  const message = body.message;
  const messageOk = message === undefined || typeof message === "string";
  switch (body.status) {
    case "pending":
    case "denied":
    case "expired":
      return messageOk
        ? { status: body.status, ...(message === undefined ? {} : { message: message as string }) }
        : undefined;
    case "granted":
      return nonEmpty(body.token) ? { status: "granted", token: body.token } : undefined;
    case "error":
      return typeof body.error === "string" ? { status: "error", error: body.error } : undefined;
    default:
      return undefined;
  }
}

/** The names of the laws, so a test can say which one a counterexample broke. */
export const POLL_LAWS = Object.keys(LAWS);

/** Every poll law; the first that fails is rethrown with its name. */
export function checkPollLaws(c: PollCase): void {
  for (const [name, law] of Object.entries(LAWS)) {
    try {
      law(c);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`law "${name}" broken: ${message}\nresult: ${preview(c.result)}`, {
        cause: error,
      });
    }
  }
}

function preview(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text.length > 400 ? `${text.slice(0, 400)}…` : text;
  } catch {
    return String(value);
  }
}

/**
 * Server text in a result: a plain printable string without the request's secrets is kept as
 * sent; anything else is sanitised (no controls, bounded) and holds none of those secrets.
 */
export function expectServerText(
  actual: unknown,
  sent: string,
  secrets: readonly string[] = [],
): void {
  const plain = /^[\x20-\x7e]{0,1000}$/.test(sent) && !secrets.some((s) => sent.includes(s));
  if (plain) return assert.equal(actual, sent);
  assert.equal(typeof actual, "string");
  assert.ok(!CONTROL_CHARS.test(actual as string));
  assert.ok((actual as string).length <= MAX_SERVER_TEXT);
}

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5"; README: at least 1 s. */
export const effectiveInterval = (s: number) => (Number.isFinite(s) && s > 0 ? Math.max(s, 1) : 5);

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * RFC 9110 §10.2.3 Retry-After, as seconds capped at a day: `exact` when the header is
 * unambiguous (delay-seconds or an IMF-fixdate, give or take a second of clock), `absent` when
 * there is none, undefined when it is something else (which may be read or ignored).
 */
export function retryAfterSeconds(
  value: string | undefined,
): { exact?: number; absent?: true } | undefined {
  if (value === undefined || value.trim() === "") return { absent: true };
  const v = value.trim();
  if (/^\d+$/.test(v)) return { exact: Math.min(Number(v), DAY_S) };
  if (IMF_FIXDATE.test(v)) {
    const at = Date.parse(v);
    if (!Number.isNaN(at))
      return { exact: Math.min(Math.max(Math.ceil((at - Date.now()) / 1000), 0), DAY_S) };
  }
  return undefined;
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

/** README "One result union": strict shape of every member, exactly its keys, each of its type. */
export function assertPollShape(result: PollResult): void {
  const keys = Object.keys(result);
  const only = (...names: string[]) =>
    assert.ok(
      keys.every((k) => names.includes(k)),
      `keys ${keys.join(",")}`,
    );
  switch (result.status) {
    case "authorized": {
      only("status", "token");
      const t = result.token;
      const tokenKeys = [
        "accessToken",
        "tokenType",
        "expiresIn",
        "expiresAt",
        "refreshToken",
        "scope",
        "idToken",
        "raw",
      ];
      assert.ok(
        Object.keys(t).every((k) => tokenKeys.includes(k)),
        `token keys ${Object.keys(t).join(",")}`,
      );
      assert.ok(nonEmpty(t.accessToken));
      assert.ok(nonEmpty(t.tokenType), `tokenType ${JSON.stringify(t.tokenType)}`);
      for (const k of ["refreshToken", "scope", "idToken"] as const)
        if (k in t) assert.equal(typeof t[k], "string");
      for (const k of ["expiresIn", "expiresAt"] as const)
        if (k in t) assert.ok(Number.isFinite(t[k]));
      assert.ok(isObject(t.raw));
      return;
    }
    case "pending":
      return only("status");
    case "slow_down":
      only("status", "interval");
      assert.ok(
        Number.isFinite(result.interval) && result.interval >= 1,
        `interval ${result.interval}`,
      );
      return;
    case "expired":
    case "denied":
    case "invalid_code":
    case "already_used":
      only("status", "description");
      if ("description" in result) assert.equal(typeof result.description, "string");
      return;
    case "error":
      // `raw` only for invalid_response (README: the body as it came).
      only(
        "status",
        "error",
        "description",
        "httpStatus",
        "retryable",
        "retryAfter",
        ...(result.error === "invalid_response" ? ["raw"] : []),
      );
      assert.ok(nonEmpty(result.error));
      assert.equal(typeof result.retryable, "boolean");
      if ("description" in result) assert.equal(typeof result.description, "string");
      if ("httpStatus" in result)
        assert.ok(isInt(result.httpStatus) && result.httpStatus >= 100 && result.httpStatus <= 599);
      if ("retryAfter" in result)
        assert.ok(isInt(result.retryAfter) && result.retryAfter >= 0 && result.retryAfter <= DAY_S);
      return;
    default:
      throw new Error(`not a union member: ${preview(result)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Device authorization laws

export interface StartSetup {
  /** Transparenc's fallback for an empty verification_uri. */
  fallbackUri?: string;
  /** fakts: the base URL, expiration and interval options. */
  faktsBase?: string;
  faktsExpiresIn?: number;
  faktsInterval?: number;
}

export interface StartCase {
  adapter: AdapterName;
  answer: GeneratedAnswer;
  body: unknown;
  setup: StartSetup;
  outcome: { value?: DeviceAuthorization; error?: unknown };
  window: { before: number; after: number };
  secrets: readonly string[];
}

const isWebUrl = (v: unknown): v is string => {
  if (typeof v !== "string" || v === "") return false;
  try {
    const { protocol } = new URL(v);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
};
/** README: URIs must be http(s); shown text (user code, URIs) holds no control character. */
const showable = (v: unknown): v is string => nonEmpty(v) && !CONTROL_CHARS.test(v);
const cleanWebUrl = (v: unknown): v is string => isWebUrl(v) && !CONTROL_CHARS.test(v);

/** Where each dialect's success lives: RFC 8628 any 2xx, the others their spec's 200. */
const startSucceeded = (adapter: AdapterName, status: number) =>
  adapter === "rfc8628" ? is2xx(status) : status === 200;

/** The verification URI the body names (transparenc's empty one falls back to the caller's). */
function sentUri(adapter: AdapterName, body: Record<string, unknown>, setup: StartSetup): unknown {
  switch (adapter) {
    case "rfc8628":
      return body.verification_uri ?? body.verification_url;
    case "trakt":
      return body.verification_url;
    case "transparenc":
      return body.verification_uri === "" ? setup.fallbackUri : body.verification_uri;
    case "fakts":
      return undefined;
  }
}

/**
 * A body every reading of RFC 8628 §3.2 (and each provider's spec) must accept: non-empty clean
 * codes, a clean http(s) URI, a positive integer expires_in, an integer interval (required by
 * Trakt's and Transparenc's specs), nothing of a wrong type.
 */
function plainlyValid(
  adapter: AdapterName,
  body: Record<string, unknown>,
  setup: StartSetup,
): boolean {
  const ints = (v: unknown) => isInt(v) && v >= 1;
  const optional = (key: string, check: (v: unknown) => boolean) =>
    body[key] === undefined || check(body[key]);
  const common =
    nonEmpty(body.device_code) &&
    showable(body.user_code) &&
    ints(body.expires_in) &&
    cleanWebUrl(sentUri(adapter, body, setup));
  if (!common) return false;
  if (adapter === "rfc8628") {
    return (
      optional("interval", ints) &&
      optional("verification_uri", cleanWebUrl) &&
      optional("verification_url", cleanWebUrl) &&
      optional("verification_uri_complete", cleanWebUrl) &&
      optional("message", (v) => typeof v === "string") &&
      body.error === undefined
    );
  }
  return isInt(body.interval);
}

/** Each dialect's device authorization answer, as its spec describes it. */
const SPEC_AUTHORIZATION: Record<AdapterName, v.GenericSchema> = {
  rfc8628: rfc8628Authorization,
  trakt: traktAuthorization,
  transparenc: transparencAuthorization,
  fakts: faktsStart,
};

const START_LAWS: Record<string, (c: StartCase) => void> = {
  /** README: startDeviceAuthorization resolves to a DeviceAuthorization or throws a typed error. */
  "an authorization or a typed error": ({ outcome }) => {
    if (outcome.error !== undefined) {
      assert.equal(outcome.value, undefined);
      assertTypedError(outcome.error);
    } else assertAuthorizationShape(outcome.value as DeviceAuthorization);
  },

  "a redirect is never followed": ({ answer, outcome }) => {
    if (!isRedirect(answer.status)) return;
    assertTypedError(outcome.error);
    assert.equal(outcome.error.code, "unexpected_redirect");
    assert.equal(outcome.error.retryable, false);
    assert.equal(outcome.error.httpStatus, answer.status);
  },

  /** RFC 8628 §3.2 / RFC 6749 §5.2: a failed request is an error, OAuthError when it names one. */
  "a failure status is an error, with the server's code when it sent one": ({
    adapter,
    answer,
    body,
    outcome,
    secrets,
  }) => {
    const { status } = answer;
    if (isRedirect(status) || startSucceeded(adapter, status)) return;
    assertTypedError(outcome.error);
    const e = outcome.error;
    assert.equal(e.retryable, transient(status), `retryable for HTTP ${status}`);
    assert.equal(e.httpStatus, status);
    // Google names its quota error `error_code`; `error` wins when both are there.
    const error = stringField(body, "error");
    const code = error ?? stringField(body, "error_code");
    // A code that is only an escape sequence cleans to nothing: then no code was said.
    const unprintable =
      code !== undefined && CONTROL_CHARS.test(code) && e.name === "ResponseError";
    if (code && !unprintable) {
      assert.equal(e.name, "OAuthError");
      expectServerText(e.code, code, secrets);
    } else {
      assert.equal(e.name, "ResponseError");
      assert.ok(DEFAULT_CODES.includes(e.code), e.code);
    }
  },

  /** README: GitHub-style errors in a 2xx are errors at the device endpoint too. */
  "rfc8628: a 2xx carrying `error` is an error": ({ adapter, answer, body, outcome }) => {
    if (adapter !== "rfc8628" || !is2xx(answer.status) || stringField(body, "error") === undefined)
      return;
    assertTypedError(outcome.error);
    assert.equal(outcome.error.retryable, false);
  },

  /**
   * The specs are the source of truth: an authorization comes only from a body its provider's
   * spec accepts (the validator `npm run generate` makes from it), however the adapter reads it.
   */
  "an authorization comes only from a body the spec accepts": ({ adapter, body, outcome }) => {
    if (outcome.value === undefined) return;
    // The spec: "Google sends `verification_url` instead": the alias counts only in its place.
    const read =
      isObject(body) && body.verification_uri != null
        ? { ...body, verification_url: undefined }
        : body;
    const issues = v.safeParse(SPEC_AUTHORIZATION[adapter], read).issues;
    assert.equal(issues, undefined, `the spec refuses it: ${issues?.[0]?.message}`);
  },

  /** The authorization is what the server said, with RFC 8628 §3.2's defaults and the clamps. */
  "the authorization is what the server sent, clamped as documented": (c) => {
    const a = c.outcome.value;
    if (a === undefined) return;
    assert.ok(
      startSucceeded(c.adapter, c.answer.status),
      `authorization from HTTP ${c.answer.status}`,
    );
    assert.ok(isObject(c.body));
    const body = c.body;
    let expectedExpiresIn: number;
    let expectedInterval: number;
    if (c.adapter === "fakts") {
      assert.equal(body.status, "granted");
      const base = c.setup.faktsBase as string;
      assert.equal(a.deviceCode, body.code);
      assert.equal(a.userCode, body.code);
      assert.equal(a.verificationUri, `${base}configure/`);
      assert.equal(
        a.verificationUriComplete,
        `${base}configure/?device_code=${encodeURIComponent(body.code as string)}&grant=device_code`,
      );
      expectedExpiresIn = Math.min(c.setup.faktsExpiresIn ?? 300, DAY_S);
      expectedInterval = Math.min(c.setup.faktsInterval ?? 1, expectedExpiresIn);
    } else {
      assert.equal(a.deviceCode, body.device_code);
      assert.equal(a.userCode, body.user_code);
      assert.equal(a.verificationUri, sentUri(c.adapter, body, c.setup));
      // README: `null` for an optional field means absent.
      if (c.adapter === "rfc8628" && body.verification_uri_complete != null)
        assert.equal(a.verificationUriComplete, body.verification_uri_complete);
      else assert.equal(a.verificationUriComplete, undefined);
      // expires_in: a number of seconds (or its digit string), floored, 1 s … a day.
      const lifetime = seconds(body.expires_in);
      assert.notEqual(lifetime, undefined, "an authorization without a usable expires_in");
      expectedExpiresIn = Math.min(Math.max(Math.floor(lifetime as number), 1), DAY_S);
      // interval: absent, zero or unusable → 5 s (§3.2); else at least 1 s, at most the lifetime.
      const asked = seconds(body.interval);
      expectedInterval =
        asked !== undefined && asked > 0 ? Math.min(Math.max(asked, 1), expectedExpiresIn) : 5;
    }
    assert.equal(a.expiresIn, expectedExpiresIn);
    assert.equal(a.interval, expectedInterval);
    assert.ok(a.expiresAt >= c.window.before + a.expiresIn * 1000);
    assert.ok(a.expiresAt <= c.window.after + a.expiresIn * 1000);
    // Entra's `message`: shown as sent, without control characters.
    if ("message" in a) {
      assert.equal(c.adapter, "rfc8628");
      assert.equal(typeof body.message, "string");
      assert.ok(!CONTROL_CHARS.test(a.message as string));
    }
  },

  /** The converse: an answer every reading must accept is never refused. */
  "a plainly valid answer is accepted": (c) => {
    if (!startSucceeded(c.adapter, c.answer.status) || !isObject(c.body)) return;
    const valid =
      c.adapter === "fakts"
        ? c.body.status === "granted" && showable(c.body.code)
        : plainlyValid(c.adapter, c.body, c.setup);
    if (valid) assert.equal(c.outcome.error, undefined, `refused: ${String(c.outcome.error)}`);
  },

  /** fakts: a start answer `{status: "error", error}` is the server refusing, said by code. */
  "fakts: a refused start is OAuthError start_refused": ({ adapter, answer, body, outcome }) => {
    if (adapter !== "fakts" || answer.status !== 200 || !isObject(body)) return;
    if (body.status !== "error" || typeof body.error !== "string") return;
    assertTypedError(outcome.error);
    assert.equal(outcome.error.name, "OAuthError");
    assert.equal(outcome.error.code, "start_refused");
  },

  /** A success status whose body is not an authorization is invalid_response, never a crash. */
  "an unusable success body is invalid_response": ({ adapter, answer, body, outcome }) => {
    if (!startSucceeded(adapter, answer.status) || outcome.error === undefined) return;
    if (adapter === "rfc8628" && stringField(body, "error") !== undefined) return;
    if (
      adapter === "fakts" &&
      isObject(body) &&
      body.status === "error" &&
      typeof body.error === "string"
    )
      return;
    assertTypedError(outcome.error);
    assert.equal(outcome.error.name, "ResponseError");
    assert.equal(outcome.error.code, "invalid_response");
    assert.equal(outcome.error.retryable, false);
    // A response arrived, so the error has a status: a success one (the clamps name 200).
    assert.ok(outcome.error.httpStatus !== undefined && is2xx(outcome.error.httpStatus));
  },

  /** SECURITY.md: no secret of the request in any error message. */
  "no secret in any error": ({ outcome, secrets }) => {
    if (!(outcome.error instanceof Error)) return;
    for (const secret of secrets)
      assert.ok(!outcome.error.message.includes(secret), "secret in the message");
  },
};

/** Every start law; the first that fails is rethrown with its name. */
export function checkStartLaws(c: StartCase): void {
  for (const [name, law] of Object.entries(START_LAWS)) {
    try {
      law(c);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const shown =
        c.outcome.error === undefined ? preview(c.outcome.value) : String(c.outcome.error);
      throw new Error(`law "${name}" broken: ${message}\noutcome: ${shown}`, { cause: error });
    }
  }
}

/** Strict shape of a DeviceAuthorization (README: plain JSON, save it and resume elsewhere). */
export function assertAuthorizationShape(a: DeviceAuthorization): void {
  const allowed = [
    "deviceCode",
    "userCode",
    "verificationUri",
    "verificationUriComplete",
    "expiresIn",
    "interval",
    "expiresAt",
    "message",
  ];
  assert.ok(
    Object.keys(a).every((k) => allowed.includes(k)),
    `keys ${Object.keys(a).join(",")}`,
  );
  assert.ok(nonEmpty(a.deviceCode));
  assert.ok(showable(a.userCode));
  assert.ok(cleanWebUrl(a.verificationUri));
  if ("verificationUriComplete" in a) assert.ok(cleanWebUrl(a.verificationUriComplete));
  assert.ok(Number.isInteger(a.expiresIn) && a.expiresIn >= 1 && a.expiresIn <= DAY_S);
  assert.ok(Number.isFinite(a.interval) && a.interval >= 1);
  assert.ok(Number.isFinite(a.expiresAt));
}

const ERROR_CLASSES = ["OAuthError", "ResponseError", "NetworkError", "ConfigurationError"];

/** README Errors: one of the four classes, a non-empty printable code, a boolean retryable. */
export function assertTypedError(error: unknown): asserts error is DeviceFlowError {
  assert.ok(error instanceof DeviceFlowError, `not a DeviceFlowError: ${String(error)}`);
  assert.ok(ERROR_CLASSES.includes(error.name));
  assert.equal(error.constructor.name, error.name);
  assert.ok(nonEmpty(error.code));
  assert.ok(!CONTROL_CHARS.test(error.code));
  assert.ok(!CONTROL_CHARS.test(error.message));
  assert.equal(typeof error.retryable, "boolean");
}
