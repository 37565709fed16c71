/**
 * amazon() against a loopback imitation of Login with Amazon's code-based linking, built from
 * research/providers.md §9: the code pair needs `response_type=device_code`, `client_id` and
 * `scope` (LW1; AVS adds a JSON `scope_data`, LW4) and answers with a 30 s interval (LW1); the
 * token request says `grant_type=device_code` and needs the `user_code` (LW2); errors are RFC 6749
 * bodies, `invalid_code_pair` once the pair expired or was used (LW2, LW5), read from HTTP 400 (LW5).
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  OAuthError,
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type PollResult,
} from "../../src/index.ts";
import { amazon, amazonErrorCodes, type AmazonOptions } from "../../src/providers/amazon.ts";
import { scaledClock, type ScaledClock } from "../support/fault-clock.ts";
import { gapsOf, startWire, type Wire, type WireReply, type WireRequest } from "./loopback-wire.ts";

const CLIENT_ID = "amzn1.application-oa2-client.5e0256cabe";
const SCOPE = "profile";

type Step = "pending" | "slow_down" | "authorized" | "expired" | WireReply;

const oauthError = (error: string, description?: string, status = 400): WireReply => ({
  status,
  body: description === undefined ? { error } : { error, error_description: description },
});

interface Imitation {
  wire: Wire;
  deviceCode: string;
  userCode: string;
  issued: { accessToken: string; refreshToken: string }[];
}

/** Login with Amazon's wire as the research describes it. */
async function imitateAmazon(clock: ScaledClock | undefined, steps: Step[]): Promise<Imitation> {
  const deviceCode = `74tq5miHKB-${randomUUID()}`;
  const userCode = "94238";
  const issued: Imitation["issued"] = [];
  const refreshTokens = new Set<string>();
  let polls = 0;
  let used = false;
  const issue = (): WireReply => {
    const token = { accessToken: `Atza|${randomUUID()}`, refreshToken: `Atzr|${randomUUID()}` };
    issued.push(token);
    refreshTokens.add(token.refreshToken);
    return {
      status: 200,
      body: {
        access_token: token.accessToken,
        refresh_token: token.refreshToken,
        token_type: "bearer",
        expires_in: 3600,
      },
    };
  };

  const handle = (request: WireRequest): WireReply => {
    if (
      request.method !== "POST" ||
      request.headers["content-type"] !== "application/x-www-form-urlencoded"
    ) {
      return oauthError(
        "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded",
      );
    }
    const { form } = request;
    if (request.path === "/auth/o2/create/codepair") {
      if (form.response_type !== "device_code")
        return oauthError("invalid_request", "response_type must be device_code");
      if (form.client_id !== CLIENT_ID)
        return oauthError("unauthorized_client", "The client is not authorized.");
      if (!form.scope) return oauthError("invalid_request", "scope is required");
      if (form.scope_data !== undefined) {
        try {
          JSON.parse(form.scope_data);
        } catch {
          return oauthError("invalid_request", "scope_data is not JSON");
        }
      }
      return {
        status: 200,
        body: {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: "https://amazon.com/code",
          expires_in: 600,
          interval: 30,
        },
      };
    }
    if (request.path !== "/auth/o2/token") return { status: 404 };
    if (form.grant_type === "refresh_token") {
      if (form.client_id !== CLIENT_ID)
        return oauthError("invalid_client", "Client authentication failed.");
      if (!form.refresh_token || !refreshTokens.has(form.refresh_token)) {
        return oauthError("invalid_grant", "The refresh token is invalid.");
      }
      return issue();
    }
    // LW2: "Must be device_code" — the RFC's URN is refused.
    if (form.grant_type !== "device_code")
      return oauthError("unsupported_grant_type", "The grant type is not supported.");
    if (!form.user_code) return oauthError("invalid_request", "user_code is required");
    if (form.device_code !== deviceCode || form.user_code !== userCode) {
      return oauthError("invalid_grant", "The device code does not match the user code.");
    }
    if (used) return oauthError("invalid_code_pair", "The code pair has already been used.");
    const step = steps[Math.min(polls++, steps.length - 1)] as Step;
    if (typeof step === "object") return step;
    switch (step) {
      case "pending":
        return oauthError("authorization_pending", "The user has not yet entered the code.");
      case "slow_down":
        return oauthError("slow_down", "The device is polling too quickly.");
      case "expired":
        return oauthError("invalid_code_pair", "The code pair has expired.");
      case "authorized":
        used = true;
        return issue();
    }
  };
  const wire = await startWire(handle, clock ? () => clock.now() : undefined);
  return { wire, deviceCode, userCode, issued };
}

let open: Wire[] = [];
afterEach(async () => {
  await Promise.all(open.map((wire) => wire.close()));
  open = [];
});

async function setUp(steps: Step[], clock?: ScaledClock) {
  const imitation = await imitateAmazon(clock, steps);
  open.push(imitation.wire);
  const provider = (extra: Partial<AmazonOptions> = {}) =>
    amazon({ clientId: CLIENT_ID, baseUrl: imitation.wire.origin, ...extra });
  return { ...imitation, provider };
}

async function pollOnce(steps: Step[], extra: Partial<AmazonOptions> = {}): Promise<PollResult> {
  const { provider } = await setUp(steps);
  const amazon = provider(extra);
  return pollForToken(amazon, await startDeviceAuthorization(amazon, { scope: SCOPE }));
}

describe("amazon(): code-based linking against an imitation of Login with Amazon's wire", () => {
  it("start → pending → slow_down → token, at Amazon's 30 s interval", async () => {
    const clock = scaledClock(100);
    const { wire, provider, deviceCode, userCode, issued } = await setUp(
      ["pending", "slow_down", "authorized"],
      clock,
    );
    const amazon = provider();

    const authorization = await startDeviceAuthorization(amazon, { scope: SCOPE });
    const startedAt = clock.now();
    const seen: string[] = [];
    const result = await waitForToken(amazon, authorization, {
      clock,
      onPoll: (poll) => seen.push(poll.status),
    });

    expect(authorization).toEqual({
      deviceCode,
      userCode,
      verificationUri: "https://amazon.com/code",
      expiresIn: 600,
      interval: 30,
      expiresAt: expect.any(Number),
    });
    expect(seen).toEqual(["pending", "slow_down", "authorized"]);
    expect(result).toEqual({
      status: "authorized",
      token: {
        accessToken: issued[0]?.accessToken,
        tokenType: "Bearer",
        expiresIn: 3600,
        expiresAt: expect.any(Number),
        refreshToken: issued[0]?.refreshToken,
        raw: expect.objectContaining({ token_type: "bearer" }),
      },
    });

    // LW1: response_type=device_code, client_id, scope; nothing else without scopeData.
    const [start] = wire.to("/auth/o2/create/codepair");
    expect(start?.keys.sort()).toEqual(["client_id", "response_type", "scope"]);
    expect(start?.form).toEqual({
      response_type: "device_code",
      client_id: CLIENT_ID,
      scope: SCOPE,
    });
    expect(start?.headers.accept).toBe("application/json");
    // LW2: grant_type=device_code (no URN), the device code and the user code.
    const polls = wire.to("/auth/o2/token");
    expect(polls).toHaveLength(3);
    for (const poll of polls) {
      expect(poll.keys.sort()).toEqual(["client_id", "device_code", "grant_type", "user_code"]);
      expect(poll.form).toEqual({
        grant_type: "device_code",
        device_code: deviceCode,
        user_code: userCode,
        client_id: CLIENT_ID,
      });
    }
    // The server's 30 s, then 35 s after slow_down (RFC 8628 §3.5), never less.
    const gaps = gapsOf(polls, startedAt);
    expect(gaps[0]).toBeGreaterThanOrEqual(30);
    expect(gaps[1]).toBeGreaterThanOrEqual(30);
    expect(gaps[2]).toBeGreaterThanOrEqual(35);
  });

  it("AVS: scopeData is sent as the JSON scope_data (LW4)", async () => {
    const { wire, provider } = await setUp(["pending"]);
    const scopeData = {
      "alexa:all": {
        productID: "my_device",
        productInstanceAttributes: { deviceSerialNumber: "12345" },
      },
    };

    await startDeviceAuthorization(provider({ scopeData }), { scope: "alexa:all" });
    await startDeviceAuthorization(provider({ scopeData: '{"alexa:all":{"productID":"raw"}}' }), {
      scope: "alexa:all",
    });

    const [asObject, asString] = wire.to("/auth/o2/create/codepair");
    expect(JSON.parse(asObject?.form.scope_data ?? "")).toEqual(scopeData);
    expect(asObject?.form.scope).toBe("alexa:all");
    expect(asString?.form.scope_data).toBe('{"alexa:all":{"productID":"raw"}}');
  });

  it("invalid_code_pair is expired, and polling stops", async () => {
    const clock = scaledClock(100);
    const { wire, provider } = await setUp(["pending", "expired"], clock);
    const amazon = provider();

    const result = await waitForToken(
      amazon,
      await startDeviceAuthorization(amazon, { scope: SCOPE }),
      { clock },
    );

    expect(result).toEqual({ status: "expired", description: "The code pair has expired." });
    expect(wire.to("/auth/o2/token")).toHaveLength(2);
  });

  it("a declined request is denied", async () => {
    const result = await pollOnce([oauthError("access_denied", "The user denied the request.")]);
    expect(result).toEqual({ status: "denied", description: "The user denied the request." });
  });

  it("a used pair is invalid_code_pair too: expired, start again", async () => {
    const { provider } = await setUp(["authorized"]);
    const amazon = provider();
    const authorization = await startDeviceAuthorization(amazon, { scope: SCOPE });

    expect((await pollForToken(amazon, authorization)).status).toBe("authorized");
    expect((await pollForToken(amazon, authorization)).status).toBe("expired");
  });

  it("a saved authorization resumes with a new provider: the user code travels with it", async () => {
    const { wire, provider, userCode } = await setUp(["pending", "authorized"]);
    const saved = JSON.stringify(await startDeviceAuthorization(provider(), { scope: SCOPE }));

    const resumed = JSON.parse(saved) as DeviceAuthorization;
    expect((await pollForToken(provider(), resumed)).status).toBe("pending");
    expect((await pollForToken(provider(), resumed)).status).toBe("authorized");
    for (const poll of wire.to("/auth/o2/token")) expect(poll.form.user_code).toBe(userCode);
  });
});

describe("amazon(): Login with Amazon's own answers", () => {
  /** The documented rows, written out independently of the adapter's table. */
  const OUTCOMES = {
    authorization_pending: "pending",
    slow_down: "slow_down",
    invalid_code_pair: "expired",
    expired_token: "expired",
    access_denied: "denied",
    invalid_grant: "invalid_code",
  } as const;

  it("the table maps every documented code, and says what to fix for the configuration errors", () => {
    expect(amazonErrorCodes).toEqual({
      ...OUTCOMES,
      invalid_client: { fix: expect.stringContaining("clientId") },
      unauthorized_client: { fix: expect.stringContaining("code-based linking") },
    });
  });

  for (const [code, status] of Object.entries(OUTCOMES)) {
    it(`HTTP 400 ${code} → ${status}`, async () => {
      const result = await pollOnce([oauthError(code)]);
      expect(result).toEqual(status === "slow_down" ? { status, interval: 35 } : { status });
    });
  }

  for (const code of ["invalid_client", "unauthorized_client"] as const) {
    it(`${code} stops polling and says what to fix`, async () => {
      const result = await pollOnce([oauthError(code, "Refused.")]);
      expect(result).toEqual({
        status: "error",
        error: code,
        description: `Refused. (${amazonErrorCodes[code].fix})`,
        httpStatus: 400,
        retryable: false,
      });
    });
  }

  it("unsupported_grant_type and invalid_request stop polling", async () => {
    for (const code of ["unsupported_grant_type", "invalid_request"]) {
      expect(await pollOnce([oauthError(code)])).toEqual({
        status: "error",
        error: code,
        httpStatus: 400,
        retryable: false,
      });
    }
  });

  it("a 5xx is retryable; a caller's errorCodes row overrides a shipped one", async () => {
    expect(await pollOnce([oauthError("server_error", undefined, 503)])).toMatchObject({
      status: "error",
      retryable: true,
      httpStatus: 503,
    });
    expect(
      await pollOnce([oauthError("invalid_grant")], { errorCodes: { invalid_grant: "expired" } }),
    ).toEqual({ status: "expired" });
  });

  it("a code pair without response_type or scope is refused as Amazon does: an OAuthError", async () => {
    const { provider } = await setUp(["pending"]);
    const start = startDeviceAuthorization(provider());
    await expect(start).rejects.toBeInstanceOf(OAuthError);
    await expect(start).rejects.toMatchObject({
      code: "invalid_request",
      description: "scope is required",
      httpStatus: 400,
    });
  });

  it("an unknown client at start is unauthorized_client", async () => {
    const { provider } = await setUp(["pending"]);
    await expect(
      startDeviceAuthorization(provider({ clientId: "amzn1.other" }), { scope: SCOPE }),
    ).rejects.toMatchObject({
      name: "OAuthError",
      code: "unauthorized_client",
      retryable: false,
    });
  });

  it("refresh sends grant_type=refresh_token with the client id; a refused one is an error", async () => {
    const { wire, provider, issued } = await setUp(["authorized"]);
    const amazon = provider();
    await pollForToken(amazon, await startDeviceAuthorization(amazon, { scope: SCOPE }));
    const used = issued[0]?.refreshToken as string;

    const refreshed = await refreshToken(amazon, used);
    const refused = await refreshToken(amazon, "Atzr|unknown");

    expect(refreshed).toMatchObject({
      status: "authorized",
      token: { accessToken: issued[1]?.accessToken },
    });
    expect(refused).toEqual({
      status: "error",
      error: "invalid_grant",
      description: "The refresh token is invalid.",
      httpStatus: 400,
      retryable: false,
    });
    const [first] = wire
      .to("/auth/o2/token")
      .filter((request) => request.form.grant_type === "refresh_token");
    expect(first?.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: used,
      client_id: CLIENT_ID,
    });
  });
});
