/**
 * microsoft() against a loopback imitation of Entra ID's v2.0 device code wire
 * (research/providers.md §3, MS1): the tenant in both paths, a `message` for the user, HTTP 400
 * JSON errors with Entra's extra fields (`error_codes`, `trace_id`, …, MS7), `authorization_declined`
 * and `bad_verification_code`, and a token with `ext_expires_in`.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  pollForToken,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
} from "../../src/index.ts";
import {
  microsoft,
  microsoftErrorCodes,
  type MicrosoftOptions,
} from "../../src/providers/microsoft.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  imitateOAuth,
  json,
  pollGaps,
  type OAuthImitation,
  type Reply,
} from "../support/imitation-server.ts";

const CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e";
const DEVICE_CODE = "GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8";
const MESSAGE =
  "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FJ6XLPS3B to authenticate.";

/** An Entra error body as captured (MS7): the code, AADSTS text, and the diagnostic extras. */
function entraError(error: string, aadsts: number, text: string): Reply {
  return json(400, {
    error,
    error_description: `AADSTS${aadsts}: ${text}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2024-05-01 10:00:00Z`,
    error_codes: [aadsts],
    timestamp: "2024-05-01 10:00:00Z",
    trace_id: "0000aaaa-11bb-cccc-dd22-eeeeee333333",
    correlation_id: "aaaa0000-bb11-2222-33cc-444444dddddd",
    error_uri: "https://login.microsoftonline.com/error?code=" + aadsts,
  });
}

const pending = entraError(
  "authorization_pending",
  70016,
  "OAuth 2.0 device flow error. Authorization is pending.",
);
const declined = entraError(
  "authorization_declined",
  70000,
  "The end user denied the authorization request.",
);
const badCode = entraError("bad_verification_code", 70019, "The device_code was not recognized.");
const expired = entraError(
  "expired_token",
  70020,
  "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
);
// Not documented for Entra (MS1); an RFC 8628 slow_down is honoured all the same.
const slowDown = json(400, { error: "slow_down" });
const token = json(200, {
  token_type: "Bearer",
  scope: "User.Read profile openid email",
  expires_in: 4778,
  ext_expires_in: 4778,
  access_token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiIwMDAwMDAwMyJ9.c2ln",
  refresh_token: "0.AXEAnHiT5vB",
  id_token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0In0.c2ln",
});

let imitation: OAuthImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

async function imitateEntra(
  steps: Reply[],
  options: { clock?: ScaledClock; tenant?: string } = {},
) {
  const tenant = options.tenant ?? "common";
  imitation = await imitateOAuth({
    device: `POST /${tenant}/oauth2/v2.0/devicecode`,
    token: `POST /${tenant}/oauth2/v2.0/token`,
    interval: 5,
    now: options.clock?.now,
    authorize: (request) =>
      request.form?.client_id !== CLIENT_ID
        ? entraError(
            "unauthorized_client",
            700016,
            `Application with identifier '${request.form?.client_id}' was not found.`,
          )
        : json(200, {
            user_code: "FJ6XLPS3B",
            device_code: DEVICE_CODE,
            verification_uri: "https://microsoft.com/devicelogin",
            expires_in: 900,
            interval: 5,
            message: MESSAGE,
          }),
    steps,
  });
  return imitation;
}

function provider(extra: Partial<MicrosoftOptions> = {}) {
  if (!imitation) throw new Error("no imitation");
  return microsoft({ clientId: CLIENT_ID, baseUrl: imitation.origin, ...extra });
}

describe("microsoft(): the requests", () => {
  it.each([
    ["common (the default)", undefined, "common"],
    ["organizations", "organizations", "organizations"],
    ["a domain", "contoso.onmicrosoft.com", "contoso.onmicrosoft.com"],
    ["a GUID", "72f988bf-86f1-41af-91ab-2d7cd011db47", "72f988bf-86f1-41af-91ab-2d7cd011db47"],
    ["a value with / and ?, kept one path segment", "a/b?c", "a%2Fb%3Fc"],
  ])("puts the tenant (%s) in both paths", async (_, tenant, segment) => {
    await imitateEntra([pending], { tenant: segment });
    const entra = provider(tenant === undefined ? {} : { tenant });
    await pollForToken(
      entra,
      await startDeviceAuthorization(entra, { scope: "User.Read offline_access" }),
    );
    expect(imitation!.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST /${segment}/oauth2/v2.0/devicecode`,
      `POST /${segment}/oauth2/v2.0/token`,
    ]);
    const [device, poll] = imitation!.requests;
    expect(device?.formAll).toEqual({
      scope: ["User.Read offline_access"],
      client_id: [CLIENT_ID],
    });
    expect(poll?.formAll).toEqual({
      grant_type: ["urn:ietf:params:oauth:grant-type:device_code"],
      device_code: [DEVICE_CODE],
      client_id: [CLIENT_ID],
    });
    for (const request of imitation!.requests) {
      expect(request.headers.accept).toBe("application/json");
      expect(request.headers.authorization).toBeUndefined();
    }
  });

  it("refuses an empty tenant before any request", () => {
    expect(() => microsoft({ clientId: CLIENT_ID, tenant: " " })).toThrow(ConfigurationError);
  });

  it("an unknown client at the device endpoint is an OAuthError with Entra's code and text", async () => {
    await imitateEntra([pending]);
    const failure = await startDeviceAuthorization(provider({ clientId: "nope" })).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: "unauthorized_client", httpStatus: 400 });
    expect(String((failure as Error).message)).toContain("AADSTS700016");
  });
});

describe("microsoft(): a whole sign-in", () => {
  it("keeps Entra's message, then pending → slow_down → a token with ext_expires_in, each gap ≥ the interval", async () => {
    const clock = scaledClock(100);
    await imitateEntra([pending, slowDown, token], { clock });
    const entra = provider();
    const authorization = await startDeviceAuthorization(entra, {
      scope: "User.Read openid offline_access",
    });
    expect(authorization).toMatchObject({
      userCode: "FJ6XLPS3B",
      verificationUri: "https://microsoft.com/devicelogin",
      expiresIn: 900,
      interval: 5,
      message: MESSAGE,
    });
    expect(authorization.verificationUriComplete).toBeUndefined();
    expect(JSON.parse(JSON.stringify(authorization))).toMatchObject({ message: MESSAGE });

    const polls: PollResult[] = [];
    const result = await waitForToken(entra, authorization, {
      clock,
      onPoll: (poll) => polls.push(poll),
    });
    expect(polls.map((poll) => poll.status)).toEqual(["pending", "slow_down", "authorized"]);
    expect(result).toMatchObject({
      status: "authorized",
      token: {
        tokenType: "Bearer",
        expiresIn: 4778,
        refreshToken: "0.AXEAnHiT5vB",
        scope: "User.Read profile openid email",
      },
    });
    if (result.status !== "authorized") return;
    expect(result.token.raw).toMatchObject({ ext_expires_in: 4778 });
    expect(inspect(result.token)).not.toContain("0.AXEAnHiT5vB");
    const gaps = pollGaps(imitation!, "POST /common/oauth2/v2.0/devicecode");
    expect(gaps).toHaveLength(3);
    [5, 5, 10].forEach((interval, i) =>
      expect(gaps[i], `gap before poll ${i + 1}`).toBeGreaterThanOrEqual(interval * 1000),
    );
  });

  it.each([
    ["authorization_declined", declined, "denied", "AADSTS70000"],
    ["expired_token", expired, "expired", "AADSTS70020"],
    ["bad_verification_code", badCode, "invalid_code", "AADSTS70019"],
  ] as const)("ends on %s through waitForToken", async (_, reply, status, aadsts) => {
    const clock = scaledClock(100);
    await imitateEntra([pending, reply], { clock });
    const entra = provider();
    const result = await waitForToken(entra, await startDeviceAuthorization(entra), { clock });
    expect(result.status).toBe(status);
    expect("description" in result && result.description).toContain(aadsts);
    expect(imitation!.polls()).toHaveLength(2);
  });

  it("a v1/ADFS-style token with string expires_in and null refresh_token is still authorized", async () => {
    await imitateEntra([
      json(200, {
        access_token: "at",
        token_type: "Bearer",
        expires_in: "3599",
        refresh_token: null,
      }),
    ]);
    const entra = provider();
    const result = await pollForToken(entra, await startDeviceAuthorization(entra));
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: "at", expiresIn: 3599 },
    });
    expect(result.status === "authorized" && result.token.refreshToken).toBeUndefined();
  });
});

describe("microsoft(): the table", () => {
  it("maps Entra's codes and keeps the RFC's", () => {
    expect(microsoftErrorCodes).toMatchObject({
      authorization_pending: "pending",
      slow_down: "slow_down",
      authorization_declined: "denied",
      bad_verification_code: "invalid_code",
      expired_token: "expired",
      access_denied: "denied",
    });
  });

  it("a code outside the table stops polling (RFC 8628 §3.5), Entra's extras and all", async () => {
    await imitateEntra([
      entraError(
        "some_new_code",
        50196,
        "The server terminated an operation because it encountered a client request loop.",
      ),
    ]);
    const entra = provider();
    const result = await pollForToken(entra, await startDeviceAuthorization(entra));
    expect(result).toMatchObject({
      status: "error",
      error: "some_new_code",
      httpStatus: 400,
      retryable: false,
    });
  });
});
