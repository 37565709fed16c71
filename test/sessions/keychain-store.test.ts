/**
 * keychainStore against a real OS credential store: gnome-keyring's Secret Service in a private
 * D-Bus session, with each store in its own Node process (keychain-child.ts), two of them sharing
 * the keyring. Then the ways it must fail closed: no D-Bus session, a bus with no Secret Service,
 * a locked keyring, no binary for the platform — each a typed `keychain_unavailable`, and no
 * secret written in plaintext anywhere on disk.
 *
 * Needs Debian's dbus, gnome-keyring and libsecret-1-0 (`.ci/run` installs them).
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession } from "../../src/session/session.ts";
import { keychainStore } from "../../src/node/keychain-store.ts";
import { rfc8628 } from "../../src/providers/rfc8628.ts";
import {
  RemoteError,
  startKeyring,
  type KeychainChild,
  type KeyringEnvironment,
  type RemoteKeychainStore,
} from "./keychain-harness.ts";

const SETUP_MS = 60_000;

function newRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "keychain-test-"));
  mkdirSync(join(root, "home"));
  mkdirSync(join(root, "tmp"));
  return root;
}

/** Every regular file under `dir` whose bytes contain `text`. */
function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text, "utf8");
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file).includes(needle));
}

/** Everything under `dir` (files and folders), relative. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

async function rejection(promise: Promise<unknown>): Promise<RemoteError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RemoteError);
  return error as RemoteError;
}

/** Settles within `ms`? (Used only to show a wait is still waiting, never to time anything.) */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

describe("keychainStore on gnome-keyring's Secret Service, two processes sharing it", () => {
  let root: string;
  let environment: KeyringEnvironment;
  let a: KeychainChild;
  let b: KeychainChild;
  /** Killed by a test. */
  let k: KeychainChild;
  let lockDir: string;
  const service = `device-flow-sdk-test-${randomUUID()}`;
  const markers: string[] = [];
  const marked = (label: string) => {
    const marker = `${label}-${randomUUID()}`;
    markers.push(marker);
    return marker;
  };

  beforeAll(async () => {
    root = newRoot();
    lockDir = join(root, "locks");
    environment = await startKeyring({ environment: "unlocked", names: ["a", "b", "k"], root });
    [a, b, k] = environment.children as [KeychainChild, KeychainChild, KeychainChild];
  }, SETUP_MS);

  afterAll(async () => {
    await environment?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  }, SETUP_MS);

  const storeA = () => a.store(service, lockDir);
  const storeB = () => b.store(service, lockDir);

  it("check() passes: a probe entry is written, read back and deleted", async () => {
    await expect(storeA().check()).resolves.toBeUndefined();
  });

  it("get, compare-and-swap set and delete, seen the same from the other process", async () => {
    const key = `cas-${randomUUID()}`;
    const first = marked("first");
    expect(await storeA().get(key)).toBeUndefined();

    const v1 = await storeA().set(key, first, undefined);
    expect(typeof v1).toBe("string");
    expect(await storeB().get(key)).toEqual({ value: first, version: v1 });

    // Only if absent: refused now, and nothing changes.
    expect(await storeB().set(key, marked("late"), undefined)).toBeUndefined();
    // A version that is not the stored one: refused.
    expect(await storeB().set(key, marked("stale"), "not-the-version")).toBeUndefined();
    expect(await storeA().get(key)).toEqual({ value: first, version: v1 });

    const second = marked("second");
    const v2 = await storeB().set(key, second, v1);
    expect(v2).toBeTypeOf("string");
    expect(v2).not.toBe(v1);
    expect(await storeA().get(key)).toEqual({ value: second, version: v2 });
    // The old version is spent.
    expect(await storeA().set(key, marked("again"), v1)).toBeUndefined();

    await storeA().delete(key);
    expect(await storeB().get(key)).toBeUndefined();
    await expect(storeB().delete(key)).resolves.toBeUndefined();
    // Written again after a delete: a new version, so v2 (held by a slow writer) is refused.
    const v3 = await storeB().set(key, marked("reborn"), undefined);
    expect(v3).not.toBe(v2);
    expect(await storeA().set(key, marked("slow"), v2)).toBeUndefined();
    await storeA().delete(key);
  });

  it("keys and services are separate entries; odd keys and large, non-ASCII values survive", async () => {
    const key = `user@example.com/профиль:${randomUUID()} ✓`;
    const other = `${key}-other`;
    const value = `${marked("big")} ключ 🔑 ${"x".repeat(16_000)}`;
    const version = await storeA().set(key, value, undefined);
    expect(await storeB().get(key)).toEqual({ value, version });
    expect(await storeB().get(other)).toBeUndefined();
    expect(await b.store(`${service}-elsewhere`, lockDir).get(key)).toBeUndefined();
    await storeA().delete(key);
  });

  it("concurrent writers in two processes with the same expected version: exactly one wins", async () => {
    for (let round = 0; round < 3; round += 1) {
      const key = `race-${round}-${randomUUID()}`;
      const base = await storeA().set(key, marked("base"), undefined);
      const attempts = [
        ...Array.from({ length: 5 }, (_, i) => ({ store: storeA(), value: marked(`a${i}`) })),
        ...Array.from({ length: 5 }, (_, i) => ({ store: storeB(), value: marked(`b${i}`) })),
      ];
      const versions = await Promise.all(
        attempts.map(({ store, value }) => store.set(key, value, base)),
      );
      const winners = versions.flatMap((version, i) =>
        version === undefined ? [] : [{ version, value: attempts[i]!.value }],
      );
      expect(winners).toHaveLength(1);
      expect(await storeB().get(key)).toEqual(winners[0]);
      await storeA().delete(key);
    }
  });

  it("lock: the other process waits until the holder releases, and an aborted wait rejects", async () => {
    const key = `lock-${randomUUID()}`;
    const release = await storeA().lock(key, 20_000);
    const aborted = await rejection(storeB().lockAborting(key, 20_000, 300));
    expect(aborted.name).toMatch(/AbortError|TimeoutError/);

    const waiting = storeB().lock(key, 20_000);
    expect(await settledWithin(waiting, 500)).toBe(false);
    await release();
    const releaseB = await waiting;
    await releaseB();
    // Free again: taken at once by the first process.
    await (
      await storeA().lock(key, 20_000)
    )();
  });

  it("lock: a live holder that never releases loses it after ttlMs", async () => {
    const key = `expiry-${randomUUID()}`;
    await storeA().lock(key, 2_500); // never released
    const releaseB = await storeB().lock(key, 20_000);
    await releaseB();
  });

  it("lock: a holder SIGKILLed while holding it blocks the other process at most ttlMs; the entry stays readable", async () => {
    const key = `killed-${randomUUID()}`;
    const value = marked("before-kill");
    const storeK = k.store(service, lockDir);
    const version = await storeK.set(key, value, undefined);
    await storeK.lock(key, 3_000);
    const blocked = await rejection(storeB().lockAborting(key, 20_000, 300));
    expect(blocked.name).toMatch(/AbortError|TimeoutError/);
    process.kill(k.pid, "SIGKILL");
    // Its lock directory stays behind, no longer refreshed: stale after 3 s, then taken over.
    // Staleness is judged with the waiter's ttlMs (proper-lockfile's `stale`), so both use the same,
    // as sessions sharing a store do (one lockTimeout).
    const release = await storeB().lock(key, 3_000);
    await release();
    expect(await storeB().get(key)).toEqual({ value, version });
    await storeB().delete(key);
  });

  it("the session lock and the write lock are separate: set works while lock(key) is held", async () => {
    const key = `nested-${randomUUID()}`;
    const release = await storeA().lock(key, 20_000);
    const version = await storeA().set(key, marked("under-lock"), undefined);
    expect(version).toBeTypeOf("string");
    await storeA().delete(key);
    await release();
  });

  it("createSession over it: sign in in one process, read in the other, one refresh for both, rotated token kept, sign out", async () => {
    const server = await tokenServer();
    try {
      const provider = rfc8628({
        deviceAuthorizationEndpoint: `${server.origin}/device`,
        tokenEndpoint: `${server.origin}/token`,
        clientId: "kc-test",
      });
      const key = `session-${randomUUID()}`;
      const now = () => Date.now() + server.shiftMs;
      const inA = createSession(provider, { store: storeA(), key, now, lockTimeout: 20_000 });

      const result = await inA.signIn();
      expect(result.status).toBe("authorized");
      expect(await inA.getAccessToken()).toBe(server.issued[0]!.access);

      // Another process reads it from the keychain; no request is sent for a fresh token.
      const inB = createSession(provider, { store: storeB(), key, now, lockTimeout: 20_000 });
      expect((await inB.getToken())?.refreshToken).toBe(server.issued[0]!.refresh);
      expect(await inB.getAccessToken()).toBe(server.issued[0]!.access);
      expect(server.refreshes).toBe(0);

      // Two hours later, fresh sessions in both processes ask at once: one refresh reaches the server.
      server.shiftMs += 2 * 3600_000;
      const x = createSession(provider, { store: storeA(), key, now, lockTimeout: 20_000 });
      const y = createSession(provider, { store: storeB(), key, now, lockTimeout: 20_000 });
      const [tx, ty] = await Promise.all([x.getAccessToken(), y.getAccessToken()]);
      expect(server.refreshes).toBe(1);
      expect(tx).toBe(server.issued[1]!.access);
      expect(ty).toBe(tx);
      // The rotated refresh token is what the keychain holds, and the next refresh spends it.
      expect((await inB.getToken())?.refreshToken).toBe(server.issued[1]!.refresh);
      server.shiftMs += 2 * 3600_000;
      expect(await y.getAccessToken()).toBe(server.issued[2]!.access);
      expect(server.refreshes).toBe(2);
      expect(server.refused).toBe(0);

      const out = await inA.signOut();
      expect(out.revoked).toBe(false);
      expect(await storeB().get(key)).toBeUndefined();
      for (const token of server.issued) markers.push(token.access, token.refresh);
    } finally {
      await server.close();
    }
  });

  it("nothing it was given is on disk in plaintext: the keyring file is encrypted, the lock folder holds no value", async () => {
    const key = `disk-${randomUUID()}`;
    await storeA().set(key, marked("kept"), undefined);
    expect(existsSync(join(root, "home", ".local", "share", "keyrings", "login.keyring"))).toBe(
      true,
    );
    expect(existsSync(lockDir)).toBe(true);
    // Lock folders only: hashed names, no key and no value in them.
    for (const name of tree(lockDir)) expect(name).toMatch(/^[0-9a-f]{32}\.(write|session)\.lock$/);
    expect(markers.length).toBeGreaterThan(20);
    for (const marker of markers) expect(filesContaining(root, marker)).toEqual([]);
    await storeA().delete(key);
  });
});

describe("keychainStore fails closed", () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** Runs every operation in `environment` and returns their errors, then what is on disk. */
  async function everyOperation(
    environment: "no-bus" | "bare-bus",
    extraEnv: Record<string, string> = {},
  ) {
    const root = newRoot();
    roots.push(root);
    const keyring = await startKeyring({ environment, names: ["c"], root, extraEnv });
    try {
      const store = keyring.children[0]!.store("device-flow-sdk-test");
      const value = `secret-${randomUUID()}`;
      const errors = [
        await rejection(store.set("profile", value, undefined)),
        await rejection(store.get("profile")),
        await rejection(store.delete("profile")),
        await rejection(store.lock("profile", 5_000)),
        await rejection(store.check()),
      ];
      return { errors, root, value };
    } finally {
      await keyring.close();
    }
  }

  function expectNothingWritten(root: string, value: string) {
    expect(tree(join(root, "home"))).toEqual([]);
    // The default lock folder (TMPDIR/device-flow-sdk-<service>) was never made.
    expect(tree(join(root, "tmp")).filter((name) => name.startsWith("device-flow-sdk"))).toEqual(
      [],
    );
    expect(filesContaining(root, value)).toEqual([]);
  }

  it(
    "without a D-Bus session: keychain_unavailable naming D-Bus, nothing written",
    async () => {
      const { errors, root, value } = await everyOperation("no-bus");
      for (const error of errors) {
        expect(error.code).toBe("keychain_unavailable");
        expect(error.message).toMatch(
          /no D-Bus session bus \(DBUS_SESSION_BUS_ADDRESS is not set\)/,
        );
      }
      expectNothingWritten(root, value);
    },
    SETUP_MS,
  );

  it(
    "on a D-Bus session with no Secret Service: keychain_unavailable naming it, nothing written",
    async () => {
      const { errors, root, value } = await everyOperation("bare-bus");
      for (const error of errors) {
        expect(error.code).toBe("keychain_unavailable");
        expect(error.message).toMatch(/no Secret Service on the D-Bus session/);
      }
      expectNothingWritten(root, value);
    },
    SETUP_MS,
  );

  it(
    "without a binary for the platform: keychain_unavailable naming the platform, nothing written",
    async () => {
      // The binding's own override, pointed at nothing: it loads no binary, as on a platform without one.
      const { errors, root, value } = await everyOperation("no-bus", {
        NAPI_RS_NATIVE_LIBRARY_PATH: "/nonexistent/keyring.node",
      });
      for (const error of errors) {
        expect(error.code).toBe("keychain_unavailable");
        expect(error.message).toContain(
          `@napi-rs/keyring has no binary for this platform (${process.platform}-${process.arch})`,
        );
      }
      expectNothingWritten(root, value);
    },
    SETUP_MS,
  );

  it(
    "with a locked keyring: an entry is not read, nothing is written, check() says it is locked",
    async () => {
      const root = newRoot();
      roots.push(root);
      const service = "device-flow-sdk-test";
      const lockDir = join(root, "locks");
      const kept = `kept-${randomUUID()}`;
      // First an unlocked session writes an entry into the login keyring (a file under HOME)…
      const unlocked = await startKeyring({ environment: "unlocked", names: ["w"], root });
      let version: string | undefined;
      try {
        version = await unlocked.children[0]!.store(service, lockDir).set(
          "profile",
          kept,
          undefined,
        );
        expect(version).toBeTypeOf("string");
      } finally {
        await unlocked.close();
      }
      // …then a new session starts the daemon without unlocking it.
      const locked = await startKeyring({ environment: "locked", names: ["r"], root });
      const attempt = `attempt-${randomUUID()}`;
      try {
        const store = locked.children[0]!.store(service, lockDir);
        const errors = [
          await rejection(store.get("profile")),
          await rejection(store.set("profile", attempt, version)),
          await rejection(store.check()),
        ];
        for (const error of errors) {
          expect(error.code).toBe("keychain_unavailable");
          expect(error.message).toMatch(/the keyring is locked/);
        }
      } finally {
        await locked.close();
      }
      expect(filesContaining(root, kept)).toEqual([]);
      expect(filesContaining(root, attempt)).toEqual([]);
      // Unlocked again, the entry is as it was: the refused write changed nothing.
      const again = await startKeyring({ environment: "unlocked", names: ["v"], root });
      try {
        expect(await again.children[0]!.store(service, lockDir).get("profile")).toEqual({
          value: kept,
          version,
        });
      } finally {
        await again.close();
      }
    },
    SETUP_MS * 2,
  );

  it("refuses an empty service name before touching anything", () => {
    expect(() => keychainStore({ service: "" })).toThrow(
      expect.objectContaining({ code: "invalid_options" }),
    );
  });
});

interface Issued {
  access: string;
  refresh: string;
}

/**
 * An RFC 8628 server on 127.0.0.1 whose refresh tokens are single-use (RFC 6749 §6 allows
 * rotation; a reused one gets invalid_grant). It lives on the test's clock: `expires_in` is one
 * hour past the test's shifted now, so a shifted session sees exactly what a real hour would do.
 */
async function tokenServer(): Promise<{
  origin: string;
  issued: Issued[];
  refreshes: number;
  refused: number;
  shiftMs: number;
  close(): Promise<void>;
}> {
  const state = { issued: [] as Issued[], refreshes: 0, refused: 0, shiftMs: 0 };
  const issue = () => {
    const token = { access: `at-${randomUUID()}`, refresh: `rt-${randomUUID()}` };
    state.issued.push(token);
    const expiresIn = 3600 + Math.round(state.shiftMs / 1000);
    return {
      access_token: token.access,
      refresh_token: token.refresh,
      token_type: "Bearer",
      expires_in: expiresIn,
    };
  };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const send = (status: number, body: unknown) => {
      response.writeHead(status, {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
      });
      response.end(JSON.stringify(body));
    };
    if (request.url === "/device") {
      return send(200, {
        device_code: "dc-1",
        user_code: "ABCD-EFGH",
        verification_uri: `${origin}/activate`,
        expires_in: 60,
        interval: 1,
      });
    }
    if (
      request.url === "/token" &&
      form.get("grant_type") === "urn:ietf:params:oauth:grant-type:device_code"
    ) {
      return send(200, issue());
    }
    if (request.url === "/token" && form.get("grant_type") === "refresh_token") {
      const current = state.issued.at(-1);
      if (!current || form.get("refresh_token") !== current.refresh) {
        state.refused += 1;
        return send(400, { error: "invalid_grant" });
      }
      state.refreshes += 1;
      return send(200, issue());
    }
    send(400, { error: "invalid_request" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    origin,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
