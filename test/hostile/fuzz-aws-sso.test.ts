/**
 * Property: whatever SSO-OIDC's endpoints answer (any status 200–599, any headers, an
 * `x-amzn-ErrorType` header that is well-formed, odd or missing, camelCase tokens with odd members,
 * snake_case error bodies with any code, bodies that echo the secrets, garbage), the adapter keeps
 * its contract. 10,000 generated answers for the poll and 10,000 for the start (RegisterClient then
 * StartDeviceAuthorization), played back in memory through an injected fetch.
 *
 * The oracle states the contract, from research/providers.md §7 and RFC 8628 §3.5:
 * - a poll never throws, and always resolves to a member of the union, of that member's shape;
 * - a 2xx whose body has a non-empty string `accessToken` is authorized with exactly that token
 *   (an issued token is never lost), and nothing else is authorized;
 * - an error is retryable only for 5xx or 429; every 5xx without a token is a retryable error;
 * - AWS's documented codes map as documented, from the header's exception name or the body's
 *   `error`, either alone; when both name a documented code, the header's decides;
 * - slow_down polls at least 5 s slower than the interval in force;
 * - no secret the request carried (client secret, device code) appears in any code or
 *   description, and no control character either;
 * - a start resolves to a usable authorization built from the device answer, or rejects with a
 *   DeviceFlowError (retryable only for 5xx or 429); without a usable registration no device
 *   request is sent, and the device request carries exactly the registration's credentials.
 */
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import {
  vRegisterClientResponse,
  vStartDeviceAuthorizationResponse,
} from "../../generated/aws-sso/valibot.gen.ts";
import { DeviceFlowError } from "../../src/errors.ts";
import { pollForToken } from "../../src/poll.ts";
import { awsSso, type AwsSsoRegistration } from "../../src/providers/aws-sso.ts";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import { startDeviceAuthorization } from "../../src/start.ts";

const RUNS = 10_000;
const START_URL = "https://my-org.awsapps.com/start";
const CLIENT_SECRET = "SECRET-aws-fuzz-5f3c9e";
const DEVICE_CODE = "DEVICE-aws-fuzz-8d21b7";
const REGISTRATION: AwsSsoRegistration = {
  clientId: "fuzz-client",
  clientSecret: CLIENT_SECRET,
  clientSecretExpiresAt: 4102444800,
};
const NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** research/providers.md §7 (AW1, AW2), written out independently of the adapter's table. */
const DOCUMENTED: Readonly<Record<string, PollResult["status"] | "invalid_client">> = {
  AuthorizationPendingException: "pending",
  authorization_pending: "pending",
  SlowDownException: "slow_down",
  slow_down: "slow_down",
  AccessDeniedException: "denied",
  access_denied: "denied",
  ExpiredTokenException: "expired",
  expired_token: "expired",
  InvalidGrantException: "invalid_code",
  invalid_grant: "invalid_code",
  InvalidClientException: "invalid_client",
  invalid_client: "invalid_client",
};
const MEMBERS = new Set([
  "authorized",
  "pending",
  "slow_down",
  "expired",
  "denied",
  "invalid_code",
  "already_used",
  "error",
]);

// ---------------------------------------------------------------------------------------------
// Generators

/** One answer as the server puts it on the wire. */
interface WireAnswer {
  status: number;
  headers: [string, string][];
  /** null for the statuses that cannot carry a body. */
  body: string | null;
}

const NULL_BODY = new Set([204, 205, 304]);
const statusArb = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      200,
      200,
      201,
      204,
      400,
      400,
      400,
      401,
      403,
      404,
      429,
      500,
      502,
      503,
    ),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: 200, max: 599 }).filter((s) => s < 300 || s >= 400), weight: 1 },
);
const hostileText = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      "\u001b[2J\u001b[31mPWNED",
      "line\r\nX-Injected: 1",
      "\u202eevil",
      "a\u0000b",
    ),
    weight: 1,
  },
);
/** A description, sometimes echoing a secret the request carried. */
const echoing = fc.oneof(
  { arbitrary: hostileText, weight: 3 },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(CLIENT_SECRET, DEVICE_CODE, encodeURIComponent(CLIENT_SECRET)),
        fc.string({ maxLength: 10 }),
      )
      .map(([secret, around]) => `${around} ${secret} ${around}`),
    weight: 2,
  },
);
const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(""),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
);
/** Where seconds belong: integers, floats, digit strings, and what no one should send. */
const seconds = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 100_000 }), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 3600 }).map(String), weight: 1 },
  { arbitrary: fc.constantFrom(0, -1, 0.5, 1e21, 2 ** 53 + 2, "soon", "-5", null), weight: 1 },
  { arbitrary: wrongType, weight: 1 },
);
const code = fc.oneof(
  { arbitrary: fc.constantFrom(...Object.keys(DOCUMENTED)), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      "invalid_request",
      "invalid_scope",
      "unauthorized_client",
      "server_error",
      "InvalidRequestException",
    ),
    weight: 2,
  },
  { arbitrary: fc.oneof(echoing, wrongType), weight: 1 },
);
/** `x-amzn-ErrorType` as AW2 shows it, in rest-json's `namespace#Name` form, or odd. */
const errorTypeHeader = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        code.filter((c): c is string => typeof c === "string"),
        fc.constantFrom("plain", "namespace", "hash"),
      )
      .map(([name, form]) =>
        form === "plain"
          ? name
          : form === "namespace"
            ? `${name}:${NAMESPACE}`
            : `com.amazonaws.sso.oidc#${name}`,
      ),
    weight: 4,
  },
  { arbitrary: fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/), weight: 1 },
);
const headersArb = fc
  .tuple(
    fc.option(
      fc.constantFrom("application/json", "application/x-amz-json-1.1", "text/html", "text/plain"),
      { nil: undefined },
    ),
    fc.option(errorTypeHeader, { nil: undefined, freq: 2 }),
    fc.option(
      fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.constantFrom("soon", "-1", "Tue, 99 Foo")),
      { nil: undefined, freq: 4 },
    ),
  )
  .map(([type, errorType, retry]) => {
    const headers: [string, string][] = [];
    if (type) headers.push(["content-type", type]);
    // The header's value must be a valid header value: odd exception names are dropped.
    if (errorType && /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(errorType))
      headers.push(["x-amzn-ErrorType", errorType]);
    if (retry) headers.push(["retry-after", retry]);
    return headers;
  });

/** CreateToken's camelCase success (AW1), every member possibly missing or odd. */
const tokenBody = fc.record(
  {
    accessToken: fc.oneof(
      { arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 5 },
      { arbitrary: wrongType, weight: 1 },
    ),
    tokenType: fc.oneof(fc.constantFrom("Bearer", "bearer", "mac"), wrongType),
    expiresIn: seconds,
    refreshToken: fc.oneof(fc.string({ maxLength: 20 }), wrongType),
    idToken: fc.oneof(fc.string({ maxLength: 20 }), wrongType),
    access_token: fc.string({ minLength: 1, maxLength: 10 }),
    extra: wrongType,
  },
  { requiredKeys: [] },
);
/** The snake_case error body (AW2), with any code and a description that may echo a secret. */
const errorBody = fc.record(
  { error: code, error_description: fc.oneof(echoing, wrongType), interval: seconds },
  { requiredKeys: [] },
);
const garbage = fc.oneof(
  fc.constantFrom(
    "",
    "null",
    "[]",
    "{",
    "<html>502 Bad Gateway</html>",
    '"accessToken"',
    "1e400",
    `[${"[".repeat(3000)}`,
  ),
  hostileText,
);
const tokenEndpointBody = fc.oneof(
  { arbitrary: tokenBody.map((body) => JSON.stringify(body)), weight: 3 },
  { arbitrary: errorBody.map((body) => JSON.stringify(body)), weight: 4 },
  { arbitrary: garbage, weight: 1 },
);

const answerArb = (body: fc.Arbitrary<string>, status = statusArb): fc.Arbitrary<WireAnswer> =>
  fc
    .tuple(status, headersArb, body)
    .map(([s, headers, text]) => ({ status: s, headers, body: NULL_BODY.has(s) ? null : text }));

const toResponse = (answer: WireAnswer) =>
  new Response(answer.body, { status: answer.status, headers: new Headers(answer.headers) });

/** A usually sane, sometimes broken `interval` of a resumed authorization. */
const intervalArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 600 }), weight: 8 },
  { arbitrary: fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 0.5), weight: 2 },
);

// ---------------------------------------------------------------------------------------------
// The oracle's reading of an answer

function parsed(answer: WireAnswer): unknown {
  try {
    return answer.body === null ? undefined : JSON.parse(answer.body);
  } catch {
    return undefined;
  }
}
const member = (body: unknown, name: string): unknown =>
  typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)[name]
    : undefined;

/** The exception a header names (AW2: `Name:namespace`; rest-json: `namespace#Name`). */
function exceptionOf(answer: WireAnswer): string | undefined {
  const value = answer.headers.find(([name]) => name.toLowerCase() === "x-amzn-errortype")?.[1];
  const name = value?.split(":")[0]?.split("#").at(-1)?.trim();
  return name || undefined;
}

/** What the documentation says an answer means, or undefined when it documents nothing. */
function documentedMeaning(
  answer: WireAnswer,
): PollResult["status"] | "invalid_client" | undefined {
  const fromHeader = exceptionOf(answer);
  const fromBody = member(parsed(answer), "error");
  const known = (name: unknown) =>
    typeof name === "string" && Object.hasOwn(DOCUMENTED, name) ? DOCUMENTED[name] : undefined;
  return known(fromHeader) ?? known(fromBody);
}

const texts = (result: PollResult): string[] =>
  result.status === "error"
    ? [result.error, result.description ?? ""]
    : "description" in result && typeof result.description === "string"
      ? [result.description]
      : [];

function assertShape(result: PollResult): void {
  expect(MEMBERS.has(result.status), result.status).toBe(true);
  if (result.status === "error") {
    expect(typeof result.error).toBe("string");
    expect(result.error.length).toBeGreaterThan(0);
    expect(typeof result.retryable).toBe("boolean");
    if (result.retryAfter !== undefined)
      expect(Number.isInteger(result.retryAfter) && result.retryAfter >= 0).toBe(true);
  }
  if (result.status === "slow_down") expect(Number.isFinite(result.interval)).toBe(true);
  if (result.status === "authorized") {
    expect(typeof result.token.tokenType).toBe("string");
    if (result.token.expiresIn !== undefined)
      expect(Number.isInteger(result.token.expiresIn)).toBe(true);
  }
  for (const text of texts(result)) {
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(DEVICE_CODE);
    expect(CONTROL.test(text), JSON.stringify(text)).toBe(false);
  }
}

function expectSpecAccepts(schema: v.GenericSchema, body: unknown): void {
  const issues = v.safeParse(schema, body).issues;
  expect(issues, `the spec refuses it: ${issues?.[0]?.message}`).toBeUndefined();
}

const authorizationFor = (interval: number): DeviceAuthorization => ({
  deviceCode: DEVICE_CODE,
  userCode: "LBCD-QFRT",
  verificationUri: "https://device.sso.us-east-1.amazonaws.com/",
  expiresIn: 600,
  interval,
  expiresAt: Date.now() + 600_000,
});

describe("aws-sso: generated answers", () => {
  test(`pollForToken: ${RUNS} answers, each a member of the union, mapped as documented`, async () => {
    let current: WireAnswer | undefined;
    const provider = awsSso({
      region: "us-east-1",
      startUrl: START_URL,
      registration: REGISTRATION,
      fetch: async () => toResponse(current!),
    });
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(answerArb(tokenEndpointBody), intervalArb, async (answer, interval) => {
        current = answer;
        // A rejection fails the property: a poll never throws for what a server sends.
        const result = await pollForToken(provider, authorizationFor(interval));
        assertShape(result);
        const body = parsed(answer);
        const token = member(body, "accessToken");
        const ok = answer.status >= 200 && answer.status < 300;

        // An issued token is never lost, and nothing else is a token.
        if (ok && typeof token === "string" && token !== "") {
          expect(result.status).toBe("authorized");
          if (result.status === "authorized") {
            expect(result.token.accessToken).toBe(token);
            expect(result.token.raw).toEqual(body);
          }
        } else {
          expect(result.status).not.toBe("authorized");
        }
        // Retryable only for 5xx and 429; every 5xx without a token may be retried.
        if (result.status === "error" && result.retryable) {
          expect(answer.status === 429 || answer.status >= 500, `retryable ${answer.status}`).toBe(
            true,
          );
        }
        if (answer.status >= 500)
          expect(result).toMatchObject({ status: "error", retryable: true });

        const meaning = documentedMeaning(answer);
        if (
          result.status !== "authorized" &&
          answer.status < 500 &&
          !(answer.status === 429 && meaning !== "slow_down")
        ) {
          if (meaning === "invalid_client") {
            expect(result).toMatchObject({ status: "error", retryable: false });
            expect(result.status === "error" && result.description).toMatch(
              /register a new client/,
            );
          } else if (meaning !== undefined) {
            expect(result.status).toBe(meaning);
          } else {
            // RFC 8628 §3.5: any other answer stops polling.
            expect(result).toMatchObject({ status: "error", retryable: false });
          }
        }
        if (result.status === "slow_down") {
          const inForce = Number.isFinite(interval) && interval > 0 ? Math.max(interval, 1) : 5;
          expect(result.interval).toBeGreaterThanOrEqual(inForce + 5);
        }
        bump(result.status);
        if (result.status === "error") bump(`error:${result.retryable ? "retryable" : "final"}`);
        if (exceptionOf(answer) && !member(body, "error")) bump("header-only");
        if (!exceptionOf(answer) && member(body, "error")) bump("body-only");
      }),
      { numRuns: RUNS },
    );

    for (const key of [
      "authorized",
      "pending",
      "slow_down",
      "expired",
      "denied",
      "invalid_code",
      "error:retryable",
      "error:final",
      "header-only",
      "body-only",
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    }
  });

  test(`startDeviceAuthorization: ${RUNS} answers, a usable authorization or a DeviceFlowError`, async () => {
    const cleanRegistration = fc.record({
      clientId: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
      clientSecret: fc.constant(CLIENT_SECRET),
      clientIdIssuedAt: fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
      clientSecretExpiresAt: fc.integer({ min: 1_900_000_000, max: 4_000_000_000 }),
    });
    const oddRegistration = fc.record(
      {
        clientId: fc.oneof(fc.string({ maxLength: 10 }), wrongType),
        clientSecret: fc.oneof(fc.constant(CLIENT_SECRET), wrongType),
        clientIdIssuedAt: seconds,
        clientSecretExpiresAt: seconds,
        client_id: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    const registerAnswer = fc.oneof(
      {
        arbitrary: answerArb(
          cleanRegistration.map((body) => JSON.stringify(body)),
          fc.constant(200),
        ).map((a) => ({ ...a, clean: true })),
        weight: 6,
      },
      {
        arbitrary: answerArb(
          fc.oneof(
            oddRegistration.map((b) => JSON.stringify(b)),
            errorBody.map((b) => JSON.stringify(b)),
            garbage,
          ),
        ).map((a) => ({ ...a, clean: false })),
        weight: 2,
      },
    );
    const safeUri = fc.constantFrom(
      "https://device.sso.us-east-1.amazonaws.com/",
      "http://127.0.0.1:8080/activate",
    );
    const uri = fc.oneof(
      { arbitrary: safeUri, weight: 4 },
      {
        arbitrary: fc.constantFrom(
          "javascript:alert(1)",
          "file:///etc/passwd",
          "//x.example/",
          "",
          "https://x.example/\u001b[2J",
        ),
        weight: 1,
      },
      { arbitrary: wrongType, weight: 1 },
    );
    const cleanDevice = fc.record({
      deviceCode: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
      userCode: fc.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      verificationUri: safeUri,
      verificationUriComplete: fc.option(safeUri, { nil: undefined }),
      expiresIn: fc.integer({ min: 1, max: 1800 }),
      interval: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    });
    const oddDevice = fc.record(
      {
        deviceCode: fc.oneof(fc.string({ maxLength: 10 }), wrongType),
        userCode: fc.oneof(fc.string({ maxLength: 10 }), hostileText, wrongType),
        verificationUri: uri,
        verificationUriComplete: uri,
        expiresIn: seconds,
        interval: seconds,
        device_code: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    const deviceAnswer = fc.oneof(
      {
        arbitrary: answerArb(
          cleanDevice.map((b) => JSON.stringify(b)),
          fc.constant(200),
        ).map((a) => ({ ...a, clean: true })),
        weight: 4,
      },
      {
        arbitrary: answerArb(
          fc.oneof(
            oddDevice.map((b) => JSON.stringify(b)),
            errorBody.map((b) => JSON.stringify(b)),
            garbage,
          ),
        ).map((a) => ({ ...a, clean: false })),
        weight: 3,
      },
    );

    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        registerAnswer,
        deviceAnswer,
        async (saved, register, device) => {
          const requests: { path: string; body: unknown }[] = [];
          // A saved registration half the time; else a fresh provider registers first.
          const provider = awsSso({
            region: "us-east-1",
            startUrl: START_URL,
            registration: saved ? REGISTRATION : undefined,
            fetch: async (request) => {
              const path = new URL(request.url).pathname;
              requests.push({ path, body: JSON.parse(await request.text()) as unknown });
              return toResponse(path === "/client/register" ? register : device);
            },
          });
          const before = Date.now();
          const outcome: { value?: DeviceAuthorization; error?: unknown } = {};
          try {
            outcome.value = await startDeviceAuthorization(provider);
          } catch (error) {
            outcome.error = error;
          }
          const after = Date.now();

          const registerBody = parsed(register);
          const credentials = saved
            ? REGISTRATION
            : {
                clientId: member(registerBody, "clientId"),
                clientSecret: member(registerBody, "clientSecret"),
              };
          const deviceRequest = requests.find(
            (request) => request.path === "/device_authorization",
          );
          expect(requests.filter((request) => request.path === "/client/register")).toHaveLength(
            saved ? 0 : 1,
          );
          // No device request without a usable registration, and then with exactly its credentials.
          if (deviceRequest) {
            if (!saved) {
              expect(register.status).toBe(200);
              expect(typeof credentials.clientId === "string" && credentials.clientId !== "").toBe(
                true,
              );
              expect(
                typeof credentials.clientSecret === "string" && credentials.clientSecret !== "",
              ).toBe(true);
            }
            expect(deviceRequest.body).toEqual({
              clientId: credentials.clientId,
              clientSecret: credentials.clientSecret,
              startUrl: START_URL,
            });
          } else {
            expect(saved || !register.clean).toBe(true);
          }
          // The spec is the source of truth: a registration is used, and an authorization made,
          // only from a body it accepts (the validators `npm run generate` makes from it).
          if (deviceRequest && !saved) expectSpecAccepts(vRegisterClientResponse, registerBody);
          if (outcome.value) expectSpecAccepts(vStartDeviceAuthorizationResponse, parsed(device));
          const failing = deviceRequest ? device : register;

          if (outcome.value) {
            const authorization = outcome.value;
            const body = parsed(device);
            expect(device.status).toBe(200);
            expect(authorization.deviceCode).toBe(member(body, "deviceCode"));
            expect(authorization.userCode).toBe(member(body, "userCode"));
            expect(authorization.verificationUri).toBe(member(body, "verificationUri"));
            for (const link of [
              authorization.verificationUri,
              authorization.verificationUriComplete,
            ]) {
              if (link === undefined) continue;
              expect(/^https?:\/\//i.test(link) && !CONTROL.test(link)).toBe(true);
            }
            expect(CONTROL.test(authorization.userCode)).toBe(false);
            expect(
              Number.isInteger(authorization.expiresIn) &&
                authorization.expiresIn >= 1 &&
                authorization.expiresIn <= 86_400,
            ).toBe(true);
            expect(authorization.interval).toBeGreaterThanOrEqual(1);
            expect(authorization.expiresAt).toBeGreaterThanOrEqual(
              before + authorization.expiresIn * 1000,
            );
            expect(authorization.expiresAt).toBeLessThanOrEqual(
              after + authorization.expiresIn * 1000,
            );
            bump("authorization");
          } else {
            const error = outcome.error;
            expect(error).toBeInstanceOf(DeviceFlowError);
            const failure = error as DeviceFlowError;
            if (failure.retryable)
              expect(
                failing.status === 429 || failing.status >= 500,
                `retryable ${failing.status}`,
              ).toBe(true);
            const words = `${failure.code} ${failure.message} ${"description" in failure ? String(failure.description) : ""}`;
            // The secret sent: the device request carries it; RegisterClient carries none.
            const sent = deviceRequest ? credentials.clientSecret : undefined;
            if (typeof sent === "string" && sent.length >= 8) expect(words).not.toContain(sent);
            expect(CONTROL.test(words), JSON.stringify(words)).toBe(false);
            bump(`error:${failure.name}`);
          }
          // A clean registration and a clean device answer always make an authorization.
          if ((saved || register.clean) && device.clean) expect(outcome.value).toBeDefined();
          if (!saved && !register.clean && !deviceRequest) bump("refused-registration");
        },
      ),
      { numRuns: RUNS },
    );

    for (const key of [
      "authorization",
      "error:ResponseError",
      "error:OAuthError",
      "refused-registration",
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(100);
    }
  });
});
