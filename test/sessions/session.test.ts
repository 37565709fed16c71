/**
 * createSession in one process, against a real loopback token server whose refresh tokens are
 * single-use (RFC 6749 §6 allows rotation; Trakt and GitHub Apps do it) and whose access tokens
 * live 2 s: what the server sees is what the session did.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createSession,
  DeviceFlowError,
  memoryStore,
  rfc8628,
  type DeviceAuthorization,
  type Provider,
  type TokenSet,
} from "../../src/index.ts";

interface Server {
  origin: string;
  provider: (extra?: { revocation?: boolean }) => Provider;
  refreshes: string[];
  revocations: string[];
  deviceRequests: number;
  /** Mints a refresh token the server will accept once. */
  seed(): string;
  /** What the next device code does when polled: "pending" until approved, or expired. */
  approve(): void;
  expireNext: number;
  failRevocation: boolean;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(accessTtl = 2): Promise<Server> {
  const live = new Set<string>();
  let minted = 0;
  const mint = () => `rt-${++minted}`;
  let approved = false;
  const send = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server: Server = {
    origin: "",
    refreshes: [],
    revocations: [],
    deviceRequests: 0,
    expireNext: 0,
    failRevocation: false,
    seed() {
      const token = mint();
      live.add(token);
      return token;
    },
    approve() {
      approved = true;
    },
    provider: () => provider,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
  const token = () => {
    const refresh = server.seed();
    return { access_token: `at-${refresh}`, token_type: "Bearer", expires_in: accessTtl, refresh_token: refresh };
  };
  const http = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    if (req.url === "/device") {
      server.deviceRequests += 1;
      const expired = server.expireNext > 0;
      if (expired) server.expireNext -= 1;
      return send(res, 200, {
        device_code: `${expired ? "expiring" : "dc"}-${server.deviceRequests}`,
        user_code: `CODE-${server.deviceRequests}`,
        verification_uri: `${server.origin}/activate`,
        expires_in: expired ? 1 : 60,
        interval: 1,
      });
    }
    if (req.url === "/revoke") {
      server.revocations.push(form.get("token") ?? "");
      return server.failRevocation ? send(res, 503, { error: "temporarily_unavailable" }) : send(res, 200, {});
    }
    if (form.get("grant_type") === "refresh_token") {
      const used = form.get("refresh_token") ?? "";
      server.refreshes.push(used);
      // Single-use: the first exchange spends it; a second is refused (RFC 6749 §5.2 invalid_grant).
      if (!live.delete(used)) return send(res, 400, { error: "invalid_grant", error_description: "refresh token already used" });
      // Slow enough that concurrent callers really overlap.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return send(res, 200, token());
    }
    if (form.get("device_code")?.startsWith("expiring")) return send(res, 400, { error: "expired_token" });
    return approved ? send(res, 200, token()) : send(res, 400, { error: "authorization_pending" });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  server.origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const base = {
    deviceAuthorizationEndpoint: `${server.origin}/device`,
    tokenEndpoint: `${server.origin}/token`,
    clientId: "tv-app",
  };
  const plain = rfc8628(base);
  // Revocation through the Provider interface's optional method, as an adapter with an RFC 7009
  // endpoint provides it.
  const provider: Provider = {
    ...plain,
    name: plain.name,
    requestDeviceAuthorization: plain.requestDeviceAuthorization.bind(plain),
    requestToken: plain.requestToken.bind(plain),
    refreshToken: plain.refreshToken.bind(plain),
    async revokeToken(token) {
      const response = await fetch(`${server.origin}/revoke`, { method: "POST", body: new URLSearchParams({ token }) });
      return response.ok
        ? { status: "revoked" }
        : { status: "error", error: "temporarily_unavailable", httpStatus: response.status, retryable: true };
    },
  };
  servers.push(server);
  return server;
}

/** A stored token set that expired a minute ago, holding a refresh token the server accepts once. */
function expiredToken(server: Server): TokenSet {
  const refresh = server.seed();
  return {
    accessToken: "at-old",
    tokenType: "Bearer",
    expiresIn: 3600,
    expiresAt: Date.now() - 60_000,
    refreshToken: refresh,
    raw: {},
  };
}

async function seeded(server: Server, token: TokenSet, options: { onTokens?: (t: TokenSet) => void } = {}) {
  const store = memoryStore();
  await store.set("alice", JSON.stringify({ v: 1, provider: "rfc8628", token }), undefined);
  return { store, session: createSession(server.provider(), { store, key: "alice", ...options }) };
}

describe("getAccessToken", () => {
  it("50 concurrent callers after expiry: exactly 1 refresh, all get the same new token", async () => {
    const server = await startServer();
    const seen: TokenSet[] = [];
    const { session, store } = await seeded(server, expiredToken(server), { onTokens: (t) => void seen.push(t) });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => session.getAccessToken()));
    expect(server.refreshes).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^at-rt-/);
    // Saved, and onTokens told, before any caller got it.
    expect(seen.map((t) => t.accessToken)).toEqual([tokens[0]]);
    expect(JSON.parse((await store.get("alice"))!.value).token.accessToken).toBe(tokens[0]);
  });

  it("the next expiry is refreshed with the rotated refresh token", async () => {
    const server = await startServer(2);
    const { session } = await seeded(server, expiredToken(server));
    const first = await session.getAccessToken();
    // A 2 s lifetime is inside the 60 s default skew: the new token is due again at once.
    const second = await session.getAccessToken();
    expect(server.refreshes).toHaveLength(2);
    // The second refresh spent the token the first one issued: the rotation was saved.
    expect(server.refreshes[1]).toBe(`rt-${Number(server.refreshes[0]!.slice(3)) + 1}`);
    expect(second).not.toBe(first);
  });

  it("a fresh token is served from memory without a request", async () => {
    const server = await startServer(3600);
    const { session } = await seeded(server, { ...expiredToken(server), expiresAt: Date.now() + 3_600_000 });
    expect(await session.getAccessToken()).toBe("at-old");
    expect(await session.getAccessToken()).toBe("at-old");
    expect(server.refreshes).toHaveLength(0);
  });

  it("invalid_grant → sign_in_required after one request, and no request after that", async () => {
    const server = await startServer();
    const token = expiredToken(server);
    const { session } = await seeded(server, { ...token, refreshToken: "rt-never-issued" });
    const first = await session.getAccessToken().catch((error: unknown) => error);
    expect(first).toBeInstanceOf(DeviceFlowError);
    expect(first).toMatchObject({ code: "sign_in_required", retryable: false });
    const again = await session.getAccessToken().catch((error: unknown) => error);
    expect(again).toMatchObject({ code: "sign_in_required" });
    expect(server.refreshes).toEqual(["rt-never-issued"]);
    expect(await session.getToken()).toBeUndefined();
  });

  it("no token at all → sign_in_required, no request", async () => {
    const server = await startServer();
    const session = createSession(server.provider(), { store: memoryStore(), key: "nobody" });
    await expect(session.getAccessToken()).rejects.toMatchObject({ code: "sign_in_required" });
    expect(server.refreshes).toHaveLength(0);
  });

  it("an expired token without a refresh token → sign_in_required, no request", async () => {
    const server = await startServer();
    const { refreshToken: _, ...token } = expiredToken(server);
    const { session } = await seeded(server, token);
    await expect(session.getAccessToken()).rejects.toMatchObject({ code: "sign_in_required" });
    expect(server.refreshes).toHaveLength(0);
  });

  it("a caller's abort ends its own wait, not the shared refresh", async () => {
    const server = await startServer();
    const { session } = await seeded(server, expiredToken(server));
    const controller = new AbortController();
    const aborted = session.getAccessToken({ signal: controller.signal });
    const patient = session.getAccessToken();
    controller.abort(new Error("user gave up"));
    await expect(aborted).rejects.toThrow("user gave up");
    expect(await patient).toMatch(/^at-rt-/);
    expect(server.refreshes).toHaveLength(1);
  });
});

describe("signIn", () => {
  it("saves the token set before it resolves, and getAccessToken serves it", async () => {
    const server = await startServer(3600);
    const store = memoryStore();
    const session = createSession(server.provider(), { store, key: "bob" });
    const shown: DeviceAuthorization[] = [];
    const signingIn = session.signIn({ onVerification: (a) => void shown.push(a) });
    setTimeout(() => server.approve(), 300);
    const result = await signingIn;
    expect(result.status).toBe("authorized");
    expect(await store.get("bob")).toBeDefined();
    expect(await session.getAccessToken()).toBe(result.status === "authorized" ? result.token.accessToken : "");
    expect(shown).toHaveLength(1);
  });

  it("restartOnExpiry shows a second code, then authorizes", async () => {
    const server = await startServer(3600);
    server.expireNext = 1;
    const session = createSession(server.provider(), { store: memoryStore(), key: "carol" });
    const shown: string[] = [];
    const signingIn = session.signIn({ restartOnExpiry: 1, onVerification: (a) => void shown.push(a.userCode) });
    setTimeout(() => server.approve(), 1500);
    const result = await signingIn;
    expect(shown).toEqual(["CODE-1", "CODE-2"]);
    expect(result.status).toBe("authorized");
  });

  it("without restartOnExpiry an expired code ends the sign-in", async () => {
    const server = await startServer(3600);
    server.expireNext = 1;
    const session = createSession(server.provider(), { store: memoryStore(), key: "dave" });
    expect((await session.signIn()).status).toBe("expired");
    expect(server.deviceRequests).toBe(1);
  });
});

describe("signOut", () => {
  it("revokes the refresh and the access token, then deletes", async () => {
    const server = await startServer(3600);
    const token = { ...expiredToken(server), expiresAt: Date.now() + 3_600_000 };
    const { session, store } = await seeded(server, token);
    expect(await session.signOut()).toEqual({ revoked: true });
    expect(server.revocations).toEqual([token.refreshToken, token.accessToken]);
    expect(await store.get("alice")).toBeUndefined();
  });

  it("deletes even when revocation fails, and says so", async () => {
    const server = await startServer(3600);
    server.failRevocation = true;
    const { session, store } = await seeded(server, expiredToken(server));
    const outcome = await session.signOut();
    expect(outcome.revoked).toBe(false);
    expect(outcome.error).toMatchObject({ error: "temporarily_unavailable" });
    expect(await store.get("alice")).toBeUndefined();
    await expect(session.getAccessToken()).rejects.toMatchObject({ code: "sign_in_required" });
  });

  it("a provider without revocation: deletes and says revocation_unsupported", async () => {
    const server = await startServer(3600);
    const store = memoryStore();
    const plain = rfc8628({ deviceAuthorizationEndpoint: `${server.origin}/device`, tokenEndpoint: `${server.origin}/token`, clientId: "c" });
    await store.set("k", JSON.stringify({ v: 1, provider: "rfc8628", token: expiredToken(server) }), undefined);
    const outcome = await createSession(plain, { store, key: "k" }).signOut();
    expect(outcome).toMatchObject({ revoked: false, error: { code: "revocation_unsupported" } });
    expect(await store.get("k")).toBeUndefined();
  });
});

describe("memoryStore", () => {
  it("compare-and-swap refuses a stale version", async () => {
    const store = memoryStore();
    const v1 = await store.set("k", "a", undefined);
    expect(v1).toBeDefined();
    expect(await store.set("k", "b", undefined)).toBeUndefined();
    const v2 = await store.set("k", "b", v1);
    expect(await store.set("k", "c", v1)).toBeUndefined();
    expect(await store.get("k")).toEqual({ value: "b", version: v2 });
  });

  it("a lock holder that never releases blocks the next one only until its expiry", async () => {
    const store = memoryStore();
    await store.lock("k", 200);
    const started = Date.now();
    const release = await store.lock("k", 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await release();
  });

  it("waiting for a lock ends with the signal's reason", async () => {
    const store = memoryStore();
    const release = await store.lock("k", 10_000);
    const controller = new AbortController();
    const waiting = store.lock("k", 10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await release();
    // The lock is free again for the next holder.
    await (await store.lock("k", 10_000))();
  });
});
