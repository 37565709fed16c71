/**
 * Interop: `rfc8628()` against an independent RFC 8628 server, Authlib (Debian bookworm's
 * python3-authlib 1.2), over loopback. Issue 11 point 6: Authlib files the device code under the
 * body's `client_id` (`DeviceAuthorizationEndpoint.create_endpoint_response` →
 * `save_device_credential(request.client_id, …)`) and refuses a poll whose authenticated client
 * differs (`unauthorized_client`), so a Basic client must send `client_id` in the body as well
 * (RFC 6749 §3.2.1 allows it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OAuthError,
  pollForToken,
  refreshToken,
  rfc8628,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type PollResult,
  type Provider,
  type TerminalResult,
} from "../../src/index.ts";
import { startAuthlib, type AuthlibServer, type LoggedRequest } from "./authlib-server.ts";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** Authlib's token generators: 42 and 48 characters of [A-Za-z0-9] (`generate_token`). */
const ACCESS_TOKEN = /^[A-Za-z0-9]{42}$/;
const REFRESH_TOKEN = /^[A-Za-z0-9]{48}$/;
/** Every wait on the server is bounded: a flow never takes longer than this. */
const FLOW_TIMEOUT_MS = 20_000;

let server: AuthlibServer;

beforeAll(async () => {
  server = await startAuthlib(1);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

type Client = { clientId: string; clientSecret?: string; clientAuth?: "client_secret_basic" | "client_secret_post" | "none" };

function provider(client: Client): Provider {
  return rfc8628({
    deviceAuthorizationEndpoint: `${server.origin}/device_authorization`,
    tokenEndpoint: `${server.origin}/token`,
    ...client,
  });
}

/** The requests the server logged while `run` ran. */
async function logged<T>(run: () => Promise<T>): Promise<{ value: T; requests: LoggedRequest[] }> {
  const before = (await server.log()).length;
  const value = await run();
  return { value, requests: (await server.log()).slice(before) };
}

/**
 * The whole flow as a person would see it: start, one poll while the user has not acted
 * (pending), then the loop, with the user approving after the loop's first (pending) poll.
 */
async function signIn(client: Client): Promise<{ authorization: DeviceAuthorization; polls: PollResult[]; result: TerminalResult }> {
  const device = provider(client);
  const authorization = await startDeviceAuthorization(device, { scope: "profile offline_access" });
  const first = await pollForToken(device, authorization);
  expect(first, server.stderr()).toEqual({ status: "pending" });

  const polls: PollResult[] = [first];
  let approval: Promise<void> | undefined;
  const result = await waitForToken(device, authorization, {
    signal: AbortSignal.timeout(FLOW_TIMEOUT_MS),
    onPoll: (poll) => {
      polls.push(poll);
      if (poll.status === "pending") approval ??= server.user("approve", authorization.userCode);
    },
  });
  await approval;
  return { authorization, polls, result };
}

function expectAuthlibToken(result: TerminalResult, started: number): void {
  expect(result.status, JSON.stringify(result)).toBe("authorized");
  if (result.status !== "authorized") return;
  const { token } = result;
  expect(token.accessToken).toMatch(ACCESS_TOKEN);
  expect(token.tokenType).toBe("Bearer");
  // BearerTokenGenerator.DEFAULT_EXPIRES_IN: the device grant has no entry of its own.
  expect(token.expiresIn).toBe(3600);
  expect(token.expiresAt).toBeGreaterThanOrEqual(started + 3600_000);
  expect(token.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
  expect(token.refreshToken).toMatch(REFRESH_TOKEN);
  expect(token.scope).toBe("profile offline_access");
  expect(token.idToken).toBeUndefined();
  expect(Object.keys(token.raw).sort()).toEqual(["access_token", "expires_in", "refresh_token", "scope", "token_type"]);
}

describe(`Authlib's RFC 8628 server`, () => {
  it("is the Authlib Debian ships", () => {
    expect(server.version).toMatch(/^1\.\d+\.\d+/);
  });

  it("issues a device authorization the SDK reads whole (RFC 8628 §3.2)", async () => {
    const authorization = await startDeviceAuthorization(provider({ clientId: "tv-public" }), { scope: "profile" });
    expect(authorization.deviceCode).toMatch(/^[A-Za-z0-9]{42}$/);
    expect(authorization.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(authorization.verificationUri).toBe(`${server.origin}/device`);
    expect(authorization.verificationUriComplete).toBe(`${server.origin}/device?user_code=${authorization.userCode}`);
    expect(authorization.expiresIn).toBe(600);
    expect(authorization.interval).toBe(1);
  });

  it("client_secret_basic: start → pending → approve → authorized, client_id in every body", async () => {
    const started = Date.now();
    const { value, requests } = await logged(() => signIn({ clientId: "tv-confidential", clientSecret: "tv-secret-123" }));
    const statuses = value.polls.map((p) => p.status);
    // Pending until the approval lands (the first poll of the loop, barring a very slow machine).
    expect(statuses.slice(0, 2)).toEqual(["pending", "pending"]);
    expect(statuses.slice(2, -1).every((s) => s === "pending")).toBe(true);
    expect(statuses.at(-1)).toBe("authorized");
    expectAuthlibToken(value.result, started);
    // Authlib authenticated every request through the Basic header, and found client_id in each body.
    expect(requests.map((r) => r.endpoint)).toEqual(["device_authorization", ...statuses.map(() => "token")]);
    for (const request of requests) {
      expect(request).toMatchObject({
        auth_method: "client_secret_basic",
        basic: true,
        client_id: "tv-confidential",
        body_client_id: "tv-confidential",
      });
    }
    expect(requests.slice(1).every((r) => r.grant_type === DEVICE_CODE_GRANT)).toBe(true);
  });

  it("client_secret_post: the secret in the body, no Authorization header", async () => {
    const started = Date.now();
    const { value, requests } = await logged(() =>
      signIn({ clientId: "tv-confidential", clientSecret: "tv-secret-123", clientAuth: "client_secret_post" }),
    );
    expectAuthlibToken(value.result, started);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(request).toMatchObject({ auth_method: "client_secret_post", basic: false, body_client_id: "tv-confidential" });
    }
  });

  it("a public client: client_id alone (auth method none)", async () => {
    const started = Date.now();
    const { value, requests } = await logged(() => signIn({ clientId: "tv-public" }));
    expectAuthlibToken(value.result, started);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(request).toMatchObject({ auth_method: "none", basic: false, body_client_id: "tv-public" });
    }
  });

  it("the user declines → denied (access_denied), and the loop stops", async () => {
    const device = provider({ clientId: "tv-confidential", clientSecret: "tv-secret-123" });
    const authorization = await startDeviceAuthorization(device);
    await server.user("deny", authorization.userCode);
    const polls: PollResult[] = [];
    const result = await waitForToken(device, authorization, {
      signal: AbortSignal.timeout(FLOW_TIMEOUT_MS),
      onPoll: (poll) => polls.push(poll),
    });
    expect(result).toMatchObject({ status: "denied" });
    expect(polls).toHaveLength(1);
  });

  it("polling faster than the interval → slow_down, interval + 5 s (RFC 8628 §3.5)", async () => {
    // A server of its own with a 5 s interval, so "too fast" has seconds of slack on a busy machine.
    const slow = await startAuthlib(5);
    try {
      const device = rfc8628({
        deviceAuthorizationEndpoint: `${slow.origin}/device_authorization`,
        tokenEndpoint: `${slow.origin}/token`,
        clientId: "tv-public",
      });
      const authorization = await startDeviceAuthorization(device);
      expect(authorization.interval).toBe(5);
      expect(await pollForToken(device, authorization)).toEqual({ status: "pending" });
      // At once: Authlib's should_slow_down hook says slow_down, with no interval of its own.
      expect(await pollForToken(device, authorization)).toEqual({ status: "slow_down", interval: 10 });
    } finally {
      await slow.stop();
    }
  });

  it("a device code past its lifetime → expired (expired_token)", async () => {
    const device = provider({ clientId: "tv-public" });
    const authorization = await startDeviceAuthorization(device);
    await server.user("expire", authorization.userCode);
    expect(await pollForToken(device, authorization)).toMatchObject({ status: "expired" });
  });

  it("refreshToken (RFC 6749 §6) with Basic: a new token set; the old refresh token is then refused", async () => {
    const client = { clientId: "tv-confidential", clientSecret: "tv-secret-123" };
    const { result } = await signIn(client);
    if (result.status !== "authorized" || !result.token.refreshToken) throw new Error(JSON.stringify(result));
    const used = result.token.refreshToken;

    const started = Date.now();
    const { value: refreshed, requests } = await logged(() => refreshToken(provider(client), used));
    expect(refreshed.status, JSON.stringify(refreshed)).toBe("authorized");
    if (refreshed.status !== "authorized") return;
    expect(refreshed.token.accessToken).toMatch(ACCESS_TOKEN);
    expect(refreshed.token.accessToken).not.toBe(result.token.accessToken);
    // Authlib rotates (INCLUDE_NEW_REFRESH_TOKEN) and keeps the original scope and lifetime.
    expect(refreshed.token.refreshToken).toMatch(REFRESH_TOKEN);
    expect(refreshed.token.refreshToken).not.toBe(used);
    expect(refreshed.token.scope).toBe("profile offline_access");
    expect(refreshed.token.expiresIn).toBe(3600);
    expect(refreshed.token.expiresAt).toBeGreaterThanOrEqual(started + 3600_000);
    expect(requests).toEqual([
      {
        endpoint: "token",
        grant_type: "refresh_token",
        auth_method: "client_secret_basic",
        basic: true,
        client_id: "tv-confidential",
        body_client_id: "tv-confidential",
      },
    ]);

    const reused = await refreshToken(provider(client), used);
    expect(reused).toMatchObject({ status: "error", error: "invalid_grant", httpStatus: 400, retryable: false });
  });

  it("refreshToken for a public client (auth method none)", async () => {
    const { result } = await signIn({ clientId: "tv-public" });
    if (result.status !== "authorized" || !result.token.refreshToken) throw new Error(JSON.stringify(result));
    const refreshed = await refreshToken(provider({ clientId: "tv-public" }), result.token.refreshToken);
    expect(refreshed).toMatchObject({ status: "authorized", token: { tokenType: "Bearer", scope: "profile offline_access" } });
  });

  it("a wrong secret with Basic is refused at the start: invalid_client, HTTP 401", async () => {
    const device = provider({ clientId: "tv-confidential", clientSecret: "not-the-secret" });
    const failure = await startDeviceAuthorization(device).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({ code: "invalid_client", httpStatus: 401, retryable: false });
  });

  it("a secret with reserved characters signs in with client_secret_post", async () => {
    const started = Date.now();
    const { result } = await signIn({ clientId: "tv-reserved", clientSecret: "p+ss/w:rd=", clientAuth: "client_secret_post" });
    expectAuthlibToken(result, started);
  });

  it("Authlib 1.2 does not form-decode Basic credentials (RFC 6749 §2.3.1): such a secret is refused with Basic", async () => {
    // The SDK sends Basic base64("tv-reserved:p%2Bss%2Fw%3Ard%3D") as §2.3.1 says; Authlib 1.2's
    // extract_basic_authorization compares the still-encoded secret. client_secret_post (above)
    // is the way round. Should a later Authlib decode, this test says so.
    const device = provider({ clientId: "tv-reserved", clientSecret: "p+ss/w:rd=" });
    const failure = await startDeviceAuthorization(device).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "invalid_client", httpStatus: 401 });
  });
});
