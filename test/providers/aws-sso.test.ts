/**
 * awsSso() against a loopback imitation of AWS IAM Identity Center's SSO-OIDC wire, built from
 * research/providers.md §7: JSON requests and answers with camelCase members (AW1, AW3, AW4), a
 * client registered first whose secret expires at `clientSecretExpiresAt` (AW1), device codes bound
 * to the client that started them, poll errors as HTTP 400 with a snake_case body and the
 * exception named in `x-amzn-ErrorType` (AW2), InvalidClientException as 401 and
 * InternalServerException as 500 (AW1), and no interval in slow_down (AW1).
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  OAuthError,
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
} from "../../src/index.ts";
import {
  awsSso,
  awsSsoErrorCodes,
  type AwsSsoOptions,
  type AwsSsoRegistration,
} from "../../src/providers/aws-sso.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import {
  gapsBetween,
  json,
  startImitation,
  type Imitation,
  type ImitationRequest,
  type Reply,
} from "../support/imitation-server.ts";

const REGION = "eu-west-1";
const START_URL = "https://my-org.awsapps.com/start";
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";
const DAY_S = 86_400;

/** Which halves of an error an answer carries: AW2 shows both; each alone must still map. */
type Carry = "both" | "header" | "body";

/** An exception name, its snake_case code and its description. */
type Triple = readonly [exception: string, error: string, description: string];

/** An SSO-OIDC error: the snake_case body (AW2) and/or the exception header (AW2). */
function awsError(
  status: number,
  [exception, error, description]: Triple,
  carry: Carry = "both",
): Reply {
  const headers: Record<string, string> =
    carry === "body" ? {} : { "x-amzn-ErrorType": `${exception}:${NAMESPACE}` };
  return json(status, carry === "header" ? {} : { error, error_description: description }, headers);
}

const ERRORS = {
  pending: [
    "AuthorizationPendingException",
    "authorization_pending",
    "Authorization is still pending",
  ],
  slow_down: ["SlowDownException", "slow_down", "Client is polling too quickly"],
  denied: ["AccessDeniedException", "access_denied", "Access denied"],
  expired: ["ExpiredTokenException", "expired_token", "Device code has expired"],
  invalid_grant: ["InvalidGrantException", "invalid_grant", "Invalid grant provided"],
} as const satisfies Record<string, Triple>;

/** What a valid poll gets, in order (the last repeats). */
type Step = keyof typeof ERRORS | "authorized" | "server_error" | Reply;

interface Client {
  secret: string;
  expiresAt: number;
}

interface AwsImitation extends Imitation {
  /** Every registration issued, in order. */
  registered: AwsSsoRegistration[];
  /** Device codes issued, with the client each belongs to. */
  codes: Map<string, string>;
  /** Access and refresh tokens issued, in order. */
  issued: { accessToken: string; refreshToken: string }[];
}

interface ImitationOptions {
  steps?: Step[];
  /** The device answer's interval. */
  interval?: number;
  /** The lifetime of each registration's secret, in seconds (AWS: 90 days). */
  secretLifetime?: number;
  /** Held before RegisterClient answers (to overlap concurrent starts). */
  registerGate?: Promise<void>;
  /** RegisterClient's answers, in order, instead of a registration. */
  registerReplies?: Reply[];
  clock?: ScaledClock;
}

/** The SSO-OIDC wire as research/providers.md §7 describes it. */
async function imitateAws(options: ImitationOptions = {}): Promise<AwsImitation> {
  const steps = options.steps ?? ["authorized"];
  const clients = new Map<string, Client>();
  const codes = new Map<string, string>();
  const used = new Set<string>();
  const liveRefresh = new Map<string, string>();
  const registered: AwsSsoRegistration[] = [];
  const issued: AwsImitation["issued"] = [];
  const polls = new Map<string, number>();
  const now = () => (options.clock ?? Date).now();

  const isJson = (request: ImitationRequest) =>
    /^application\/json\b/.test(request.headers["content-type"] ?? "") &&
    typeof request.json === "object" &&
    request.json !== null;
  const body = (request: ImitationRequest) => request.json as Record<string, unknown>;
  /** The client's credentials, or the 401 InvalidClientException (AW1). */
  const authenticate = (request: ImitationRequest): string | Reply => {
    const { clientId, clientSecret } = body(request);
    const client = typeof clientId === "string" ? clients.get(clientId) : undefined;
    if (!client || client.secret !== clientSecret || client.expiresAt * 1000 <= now()) {
      return awsError(401, ["InvalidClientException", "invalid_client", "Invalid client provided"]);
    }
    return clientId as string;
  };
  const badRequest = (what: string) =>
    awsError(400, ["InvalidRequestException", "invalid_request", what]);
  const issue = (): Reply => {
    const token = { accessToken: `aoa-${randomUUID()}`, refreshToken: `aor-${randomUUID()}` };
    issued.push(token);
    return json(200, {
      accessToken: token.accessToken,
      tokenType: "Bearer",
      expiresIn: 28800,
      refreshToken: token.refreshToken,
    });
  };

  const imitation = await startImitation(
    {
      "POST /client/register": async (request, index) => {
        await options.registerGate;
        if (options.registerReplies)
          return options.registerReplies[Math.min(index, options.registerReplies.length - 1)]!;
        if (!isJson(request)) return badRequest("Invalid request");
        const { clientName, clientType } = body(request);
        if (typeof clientName !== "string" || clientType !== "public")
          return badRequest("Invalid client metadata");
        const issuedAt = Math.floor(now() / 1000);
        const registration = {
          clientId: `client-${randomUUID()}`,
          clientSecret: `secret-${randomUUID()}`,
          clientIdIssuedAt: issuedAt,
          clientSecretExpiresAt: issuedAt + (options.secretLifetime ?? 90 * DAY_S),
        };
        clients.set(registration.clientId, {
          secret: registration.clientSecret,
          expiresAt: registration.clientSecretExpiresAt,
        });
        registered.push(registration);
        return json(200, registration);
      },
      "POST /device_authorization": (request) => {
        if (!isJson(request)) return badRequest("Invalid request");
        const client = authenticate(request);
        if (typeof client !== "string") return client;
        if (body(request).startUrl !== START_URL) return badRequest("Invalid start url");
        const deviceCode = `dc-${randomUUID()}`;
        codes.set(deviceCode, client);
        return json(200, {
          deviceCode,
          userCode: "LBCD-QFRT",
          verificationUri: `https://device.sso.${REGION}.amazonaws.com/`,
          verificationUriComplete: `https://device.sso.${REGION}.amazonaws.com/?user_code=LBCD-QFRT`,
          expiresIn: 600,
          interval: options.interval ?? 1,
        });
      },
      "POST /token": (request) => {
        if (!isJson(request)) return badRequest("Invalid request");
        const client = authenticate(request);
        if (typeof client !== "string") return client;
        const fields = body(request);
        if (fields.grantType === "refresh_token") {
          const owner =
            typeof fields.refreshToken === "string"
              ? liveRefresh.get(fields.refreshToken)
              : undefined;
          if (owner !== client) return awsError(400, ERRORS.invalid_grant);
          liveRefresh.delete(fields.refreshToken as string);
          const reply = issue();
          liveRefresh.set(issued.at(-1)!.refreshToken, client);
          return reply;
        }
        if (fields.grantType !== DEVICE_CODE_GRANT) {
          return awsError(400, [
            "UnsupportedGrantTypeException",
            "unsupported_grant_type",
            "Unsupported grant type",
          ]);
        }
        const deviceCode = fields.deviceCode as string;
        // A code polled by another client than the one that started it is no grant of that client.
        if (codes.get(deviceCode) !== client || used.has(deviceCode))
          return awsError(400, ERRORS.invalid_grant);
        const index = polls.get(deviceCode) ?? 0;
        polls.set(deviceCode, index + 1);
        const step = steps[Math.min(index, steps.length - 1)]!;
        if (typeof step === "object") return step;
        if (step === "server_error") {
          return awsError(500, [
            "InternalServerException",
            "server_error",
            "An unexpected error has occurred",
          ]);
        }
        if (step === "authorized") {
          used.add(deviceCode);
          const reply = issue();
          liveRefresh.set(issued.at(-1)!.refreshToken, client);
          return reply;
        }
        return awsError(400, ERRORS[step]);
      },
    },
    { now },
  );
  return Object.assign(imitation, { registered, codes, issued });
}

let open: Imitation[] = [];
afterEach(async () => {
  await Promise.all(open.map((imitation) => imitation.close()));
  open = [];
});

async function setUp(options: ImitationOptions = {}) {
  const imitation = await imitateAws(options);
  open.push(imitation);
  const provider = (extra: Partial<AwsSsoOptions> = {}) =>
    awsSso({ region: REGION, startUrl: START_URL, baseUrl: imitation.origin, ...extra });
  return { imitation, provider };
}

/** One poll of a flow started against an imitation whose polls answer `steps`. */
async function pollOnce(steps: Step[], extra: Partial<AwsSsoOptions> = {}): Promise<PollResult> {
  const { provider } = await setUp({ steps });
  const aws = provider(extra);
  return pollForToken(aws, await startDeviceAuthorization(aws));
}

const jsonOf = (request: ImitationRequest | undefined) => request?.json;

describe("awsSso(): the device flow against an imitation of SSO-OIDC's wire", () => {
  it("register → start → pending → slow_down → token, with AWS's exact JSON requests", async () => {
    const clock = scaledClock(50);
    const { imitation, provider } = await setUp({
      steps: ["pending", "slow_down", "authorized"],
      interval: 2,
      clock,
    });
    const aws = provider();

    const authorization = await startDeviceAuthorization(aws);
    const seen: string[] = [];
    const result = await waitForToken(aws, authorization, {
      clock,
      onPoll: (poll) => seen.push(poll.status),
    });

    const [registration] = imitation.registered;
    const deviceCode = [...imitation.codes.keys()][0];
    expect(authorization).toEqual({
      deviceCode,
      userCode: "LBCD-QFRT",
      verificationUri: "https://device.sso.eu-west-1.amazonaws.com/",
      verificationUriComplete: "https://device.sso.eu-west-1.amazonaws.com/?user_code=LBCD-QFRT",
      expiresIn: 600,
      interval: 2,
      expiresAt: expect.any(Number),
    });
    expect(seen).toEqual(["pending", "slow_down", "authorized"]);
    expect(result).toEqual({
      status: "authorized",
      token: {
        accessToken: imitation.issued[0]?.accessToken,
        tokenType: "Bearer",
        expiresIn: 28800,
        expiresAt: expect.any(Number),
        refreshToken: imitation.issued[0]?.refreshToken,
        raw: {
          accessToken: imitation.issued[0]?.accessToken,
          tokenType: "Bearer",
          expiresIn: 28800,
          refreshToken: imitation.issued[0]?.refreshToken,
        },
      },
    });

    // The requests, exactly: JSON with camelCase members, in this order (AW1, AW3, AW4).
    expect(imitation.requests.map((request) => request.path)).toEqual([
      "/client/register",
      "/device_authorization",
      "/token",
      "/token",
      "/token",
    ]);
    for (const request of imitation.requests) {
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers.accept).toBe("application/json");
      expect(request.headers.authorization).toBeUndefined();
      expect(request.query.size).toBe(0);
    }
    expect(jsonOf(imitation.to("POST /client/register")[0])).toEqual({
      clientName: "device-flow-sdk",
      clientType: "public",
    });
    expect(jsonOf(imitation.to("POST /device_authorization")[0])).toEqual({
      clientId: registration?.clientId,
      clientSecret: registration?.clientSecret,
      startUrl: START_URL,
    });
    const polls = imitation.to("POST /token");
    for (const poll of polls) {
      expect(poll.json).toEqual({
        clientId: registration?.clientId,
        clientSecret: registration?.clientSecret,
        grantType: DEVICE_CODE_GRANT,
        deviceCode,
      });
    }
    // RFC 8628 §3.5: the first poll waits one interval, slow_down adds 5 s from then on.
    const [start] = imitation.to("POST /device_authorization");
    const gaps = gapsBetween(polls, start!.at);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(2000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2000);
    expect(gaps[2]).toBeGreaterThanOrEqual(7000);
  });

  it("each gap between polls is at least the interval the server gave", async () => {
    const clock = scaledClock(50);
    const { imitation, provider } = await setUp({
      steps: ["pending", "pending", "pending", "authorized"],
      interval: 4,
      clock,
    });
    const aws = provider();
    const authorization = await startDeviceAuthorization(aws);

    expect((await waitForToken(aws, authorization, { clock })).status).toBe("authorized");

    const gaps = gapsBetween(
      imitation.to("POST /token"),
      imitation.to("POST /device_authorization")[0]!.at,
    );
    expect(gaps).toHaveLength(4);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(4000);
  });

  it("AccessDeniedException is denied, and polling stops", async () => {
    const clock = scaledClock(50);
    const { imitation, provider } = await setUp({ steps: ["pending", "denied"], clock });
    const aws = provider();

    const result = await waitForToken(aws, await startDeviceAuthorization(aws), { clock });

    expect(result).toEqual({ status: "denied", description: "Access denied" });
    expect(imitation.to("POST /token")).toHaveLength(2);
  });

  it("ExpiredTokenException is expired", async () => {
    expect(await pollOnce(["expired"])).toEqual({
      status: "expired",
      description: "Device code has expired",
    });
  });

  it("InvalidGrantException is invalid_code, and so is a code polled after it was used", async () => {
    expect(await pollOnce(["invalid_grant"])).toEqual({
      status: "invalid_code",
      description: "Invalid grant provided",
    });

    const { provider } = await setUp({ steps: ["authorized"] });
    const aws = provider();
    const authorization = await startDeviceAuthorization(aws);
    expect((await pollForToken(aws, authorization)).status).toBe("authorized");
    expect((await pollForToken(aws, authorization)).status).toBe("invalid_code");
  });

  it("maps an error that carries only the header, and one that carries only the body", async () => {
    const headerOnly = (step: keyof typeof ERRORS) => awsError(400, ERRORS[step], "header");
    const bodyOnly = (step: keyof typeof ERRORS) => awsError(400, ERRORS[step], "body");

    expect(await pollOnce([headerOnly("pending")])).toEqual({ status: "pending" });
    expect(await pollOnce([headerOnly("denied")])).toEqual({ status: "denied" });
    expect(await pollOnce([headerOnly("slow_down")])).toEqual({ status: "slow_down", interval: 6 });
    expect(await pollOnce([bodyOnly("pending")])).toEqual({ status: "pending" });
    expect(await pollOnce([bodyOnly("expired")])).toEqual({
      status: "expired",
      description: "Device code has expired",
    });
    expect(await pollOnce([bodyOnly("invalid_grant")])).toEqual({
      status: "invalid_code",
      description: "Invalid grant provided",
    });
  });

  it("the header decides when both halves name a row; a half the table does not know gives way", async () => {
    // Header and body disagree: the exception header is the protocol's own identifier.
    const disagree = json(
      400,
      { error: "access_denied" },
      { "x-amzn-ErrorType": `AuthorizationPendingException:${NAMESPACE}` },
    );
    expect(await pollOnce([disagree])).toEqual({ status: "pending" });
    // An exception the table has no row for gives way to a body it has one for.
    const unknownHeader = json(
      400,
      { error: "access_denied" },
      { "x-amzn-ErrorType": `SomeNewException:${NAMESPACE}` },
    );
    expect(await pollOnce([unknownHeader])).toEqual({ status: "denied" });
    // The rest-json `namespace#Name` form names the exception too.
    const hashed = json(
      400,
      {},
      { "x-amzn-ErrorType": "com.amazonaws.sso.oidc#ExpiredTokenException" },
    );
    expect(await pollOnce([hashed])).toEqual({ status: "expired" });
  });

  it("an exception no row knows stops polling, with the body's OAuth code", async () => {
    const result = await pollOnce([
      awsError(400, ["InvalidScopeException", "invalid_scope", "Invalid scope requested"]),
    ]);
    expect(result).toEqual({
      status: "error",
      error: "invalid_scope",
      description: "Invalid scope requested",
      httpStatus: 400,
      retryable: false,
    });
    const headerOnly = await pollOnce([
      awsError(400, ["UnauthorizedClientException", "", ""], "header"),
    ]);
    expect(headerOnly).toMatchObject({
      status: "error",
      error: "UnauthorizedClientException",
      retryable: false,
    });
  });

  it("InternalServerException (500) is a retryable error, and the flow goes on to the token", async () => {
    const result = await pollOnce(["server_error"]);
    expect(result).toEqual({
      status: "error",
      error: "server_error",
      description: "An unexpected error has occurred",
      httpStatus: 500,
      retryable: true,
    });

    const clock = scaledClock(50);
    const { provider } = await setUp({ steps: ["server_error", "authorized"], clock });
    const aws = provider();
    expect((await waitForToken(aws, await startDeviceAuthorization(aws), { clock })).status).toBe(
      "authorized",
    );
  });

  it("a caller's row overrides the table", async () => {
    const result = await pollOnce(["denied"], { errorCodes: { AccessDeniedException: "expired" } });
    expect(result.status).toBe("expired");
    expect(awsSsoErrorCodes.AccessDeniedException).toBe("denied");
  });
});

describe("awsSso(): the client registration", () => {
  it("registers once and reuses the client across flows while its secret lasts", async () => {
    const { imitation, provider } = await setUp();
    const told: AwsSsoRegistration[] = [];
    const aws = provider({ onRegistration: (registration) => void told.push(registration) });

    for (let flow = 0; flow < 2; flow++) {
      expect((await pollForToken(aws, await startDeviceAuthorization(aws))).status).toBe(
        "authorized",
      );
    }

    expect(imitation.to("POST /client/register")).toHaveLength(1);
    expect(told).toEqual(imitation.registered);
    const clientIds = imitation
      .to("POST /device_authorization")
      .map((request) => (request.json as { clientId: string }).clientId);
    expect(clientIds).toEqual([told[0]?.clientId, told[0]?.clientId]);
  });

  it("renews the registration when its secret expires, and polls each code with the client that started it", async () => {
    // A secret that lives 60 s is within the renewal margin at once: the next start registers again.
    const { imitation, provider } = await setUp({ secretLifetime: 60 });
    const told: AwsSsoRegistration[] = [];
    const aws = provider({ onRegistration: (registration) => void told.push(registration) });

    const first = await startDeviceAuthorization(aws);
    const second = await startDeviceAuthorization(aws);
    expect(imitation.to("POST /client/register")).toHaveLength(2);
    expect(told).toHaveLength(2);
    expect(told[0]?.clientId).not.toBe(told[1]?.clientId);

    // The first code belongs to the first client (the imitation refuses any other).
    expect((await pollForToken(aws, first)).status).toBe("authorized");
    expect((await pollForToken(aws, second)).status).toBe("authorized");
    const pollClients = imitation
      .to("POST /token")
      .map((request) => (request.json as { clientId: string }).clientId);
    expect(pollClients).toEqual([told[0]?.clientId, told[1]?.clientId]);

    // And the first token's refresh token is refreshed by the first client (RFC 6749 §6).
    const firstToken = imitation.issued[0]!.refreshToken;
    expect((await refreshToken(aws, firstToken)).status).toBe("authorized");
    expect((imitation.to("POST /token").at(-1)?.json as { clientId: string }).clientId).toBe(
      told[0]?.clientId,
    );
  });

  it("a saved registration skips RegisterClient; an expired one is renewed", async () => {
    const { imitation, provider } = await setUp();
    const registering = provider();
    await startDeviceAuthorization(registering);
    const saved = imitation.registered[0]!;

    const aws = provider({ registration: saved });
    expect((await pollForToken(aws, await startDeviceAuthorization(aws))).status).toBe(
      "authorized",
    );
    expect(imitation.to("POST /client/register")).toHaveLength(1);

    const expired = { ...saved, clientSecretExpiresAt: Math.floor(Date.now() / 1000) - 1 };
    const renewing = provider({ registration: expired });
    await startDeviceAuthorization(renewing);
    expect(imitation.to("POST /client/register")).toHaveLength(2);
    expect(
      (imitation.to("POST /device_authorization")[2]?.json as { clientId: string }).clientId,
    ).toBe(imitation.registered[1]?.clientId);
  });

  it("concurrent starts share one RegisterClient, and one caller's abort does not cancel it", async () => {
    let open = () => {};
    const registerGate = new Promise<void>((resolve) => (open = resolve));
    const { imitation, provider } = await setUp({ registerGate });
    const aws = provider();
    const aborting = new AbortController();

    const starts = [
      startDeviceAuthorization(aws),
      startDeviceAuthorization(aws),
      startDeviceAuthorization(aws),
    ];
    const aborted = startDeviceAuthorization(aws, { signal: aborting.signal });
    const reason = new Error("the user gave up");
    // Wait until the one registration is on the wire, then abort one waiter.
    for (let i = 0; i < 200 && imitation.to("POST /client/register").length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    aborting.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    open();
    const authorizations = await Promise.all(starts);

    expect(imitation.to("POST /client/register")).toHaveLength(1);
    expect(new Set(authorizations.map((a) => a.deviceCode)).size).toBe(3);
    const clientIds = imitation
      .to("POST /device_authorization")
      .map((request) => (request.json as { clientId: string }).clientId);
    expect(new Set(clientIds)).toEqual(new Set([imitation.registered[0]?.clientId]));
  });

  it("a refused registration is a typed error, and the next start tries again", async () => {
    const { imitation, provider } = await setUp({
      registerReplies: [
        awsError(400, [
          "InvalidClientMetadataException",
          "invalid_client_metadata",
          "Invalid client metadata",
        ]),
      ],
    });
    const aws = provider();

    const failure = await startDeviceAuthorization(aws).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({
      code: "invalid_client_metadata",
      httpStatus: 400,
      retryable: false,
    });
    await expect(startDeviceAuthorization(aws)).rejects.toBeInstanceOf(OAuthError);
    expect(imitation.to("POST /client/register")).toHaveLength(2);
    expect(imitation.to("POST /device_authorization")).toHaveLength(0);
  });

  it("a registration body without the camelCase credentials is invalid_response", async () => {
    const { imitation, provider } = await setUp({
      registerReplies: [json(200, { client_id: "x", client_secret: "y" })],
    });
    await expect(startDeviceAuthorization(provider())).rejects.toMatchObject({
      name: "ResponseError",
      code: "invalid_response",
    });
    expect(imitation.to("POST /device_authorization")).toHaveLength(0);
  });

  it("InvalidClientException at start says what to fix, and the next start registers a new client", async () => {
    const { imitation, provider } = await setUp();
    const stale: AwsSsoRegistration = {
      clientId: "forgotten",
      clientSecret: "nope",
      clientSecretExpiresAt: Math.floor(Date.now() / 1000) + DAY_S,
    };
    const aws = provider({ registration: stale });

    const failure = await startDeviceAuthorization(aws).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({ code: "invalid_client", httpStatus: 401, retryable: false });
    expect((failure as OAuthError).description).toMatch(
      /^Invalid client provided \(.*register a new client\)$/,
    );

    await startDeviceAuthorization(aws);
    expect(imitation.to("POST /client/register")).toHaveLength(1);
  });

  it("InvalidClientException at a poll stops with what to fix, and the next start registers again", async () => {
    const { imitation, provider } = await setUp({
      steps: [
        awsError(401, ["InvalidClientException", "invalid_client", "Invalid client provided"]),
      ],
    });
    const aws = provider();
    const result = await pollForToken(aws, await startDeviceAuthorization(aws));
    expect(result).toMatchObject({
      status: "error",
      error: "invalid_client",
      httpStatus: 401,
      retryable: false,
    });
    expect(result.status === "error" && result.description).toMatch(/register a new client/);

    await startDeviceAuthorization(aws);
    expect(imitation.to("POST /client/register")).toHaveLength(2);
  });

  it("a failing onRegistration does not cost the flow", async () => {
    const { provider } = await setUp();
    const aws = provider({
      onRegistration: () => {
        throw new Error("disk full");
      },
    });
    expect((await pollForToken(aws, await startDeviceAuthorization(aws))).status).toBe(
      "authorized",
    );
  });

  it("registers with the caller's client name and scopes", async () => {
    const { imitation, provider } = await setUp();
    await startDeviceAuthorization(
      provider({ clientName: "my-cli", scopes: ["sso:account:access"] }),
    );
    expect(jsonOf(imitation.to("POST /client/register")[0])).toEqual({
      clientName: "my-cli",
      clientType: "public",
      scopes: ["sso:account:access"],
    });
  });
});

describe("awsSso(): refresh", () => {
  it("CreateToken with grantType refresh_token, in another process that was given the saved registration", async () => {
    const { imitation, provider } = await setUp();
    let saved: AwsSsoRegistration | undefined;
    const first = provider({ onRegistration: (registration) => void (saved = registration) });
    const result = await pollForToken(first, await startDeviceAuthorization(first));
    if (result.status !== "authorized" || !result.token.refreshToken)
      throw new Error("no refresh token");

    const later = provider({ registration: saved });
    const refreshed = await refreshToken(later, result.token.refreshToken);

    expect(refreshed).toMatchObject({
      status: "authorized",
      token: { accessToken: imitation.issued[1]?.accessToken },
    });
    expect(imitation.to("POST /token").at(-1)?.json).toEqual({
      clientId: saved?.clientId,
      clientSecret: saved?.clientSecret,
      grantType: "refresh_token",
      refreshToken: result.token.refreshToken,
    });
    expect(imitation.to("POST /client/register")).toHaveLength(1);
  });

  it("a narrower scope goes as CreateToken's scope array; a refused refresh is an error", async () => {
    const { imitation, provider } = await setUp();
    const aws = provider();
    await startDeviceAuthorization(aws);
    const refused = await refreshToken(aws, "aor-unknown", { scope: "sso:account:access openid" });
    expect(refused).toMatchObject({
      status: "error",
      error: "invalid_grant",
      httpStatus: 400,
      retryable: false,
    });
    expect((imitation.to("POST /token")[0]?.json as { scope?: string[] }).scope).toEqual([
      "sso:account:access",
      "openid",
    ]);
  });

  it("without any registration, refresh and poll are a configuration error and send nothing", async () => {
    const { imitation, provider } = await setUp();
    const aws = provider();
    expect(await refreshToken(aws, "aor-x")).toMatchObject({
      status: "error",
      error: "invalid_option",
      retryable: false,
    });
    const resumed = {
      deviceCode: "dc",
      userCode: "U",
      verificationUri: "https://x.example/",
      expiresIn: 600,
      interval: 1,
      expiresAt: Date.now() + 600_000,
    };
    expect(await pollForToken(aws, resumed)).toMatchObject({
      status: "error",
      error: "invalid_option",
      retryable: false,
    });
    expect(imitation.requests).toHaveLength(0);
  });
});

describe("awsSso(): options", () => {
  it("the region names the default endpoint", async () => {
    const urls: string[] = [];
    const aws = awsSso({
      region: "ap-southeast-2",
      startUrl: START_URL,
      // The real host cannot be reached from a test: a fetch that records where it was sent.
      fetch: async (request) => {
        urls.push(request.url);
        return new Response("{}", { status: 503, headers: { "content-type": "application/json" } });
      },
    });
    await expect(startDeviceAuthorization(aws)).rejects.toMatchObject({
      code: "server_error",
      retryable: true,
    });
    expect(urls).toEqual(["https://oidc.ap-southeast-2.amazonaws.com/client/register"]);
  });

  it.each(["us-gov-west-1", "cn-north-1", "il-central-1", "ap-southeast-7"])(
    "accepts the region %s",
    (region) => {
      expect(() => awsSso({ region, startUrl: START_URL })).not.toThrow();
    },
  );

  it.each([
    "evil.example/x",
    "us-east-1.evil.example",
    "us-east-1@evil.example",
    "US-EAST-1",
    "",
    "us-east-1/",
    "us-east-1#",
  ])("refuses the region %j, so it cannot name another host", (region) => {
    expect(() => awsSso({ region, startUrl: START_URL })).toThrow(ConfigurationError);
    expect(() => awsSso({ region, startUrl: START_URL })).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
  });

  it("refuses a startUrl that is not an http(s) URL, and a scope at start", async () => {
    expect(() => awsSso({ region: REGION, startUrl: "my-org" })).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
    const { imitation, provider } = await setUp();
    await expect(startDeviceAuthorization(provider(), { scope: "openid" })).rejects.toMatchObject({
      name: "ConfigurationError",
      code: "invalid_option",
    });
    expect(imitation.requests).toHaveLength(0);
  });
});
