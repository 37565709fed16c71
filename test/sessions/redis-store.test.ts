/**
 * redisStore against a real redis-server (Debian's, started here on a loopback port): the
 * TokenStore contract — compare-and-swap, lock exclusion, expiry, abort — checked on what Redis
 * really holds, and a session over it against a loopback token server with single-use refresh tokens.
 */
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSession, rfc8628, type TokenStore } from "../../src/index.ts";
import { redisStore } from "../../src/redis/index.ts";
import { startRefreshServer, type RefreshServer } from "../support/refresh-server.ts";
import { startRedisServer, type RedisServer } from "./redis-setup.ts";

type Client = ReturnType<typeof createClient>;

let server: RedisServer;
const closers: Array<() => Promise<void>> = [];
let raw: Client;
let prefixes = 0;

beforeAll(async () => {
  server = await startRedisServer();
  raw = await connect();
});

afterAll(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await server?.stop();
});

async function connect(): Promise<Client> {
  return open(createClient({ url: server.url }));
}

async function open<C extends { on(event: "error", listener: () => void): unknown; connect(): Promise<unknown>; close(): Promise<void> }>(client: C): Promise<C> {
  client.on("error", () => {});
  await client.connect();
  closers.push(() => client.close());
  return client;
}

/** A store with a prefix of its own, so tests never see each other's keys. */
function fresh(client: Client = raw): { store: TokenStore; prefix: string } {
  const prefix = `t${++prefixes}:`;
  return { store: redisStore(client, { prefix }), prefix };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("redisStore: values and compare-and-swap", () => {
  it("reads nothing for an absent key, and a written value with its version", async () => {
    const { store, prefix } = fresh();
    expect(await store.get("alice")).toBeUndefined();
    const version = await store.set("alice", "{\"v\":1}", undefined);
    expect(version).toEqual(expect.any(String));
    expect(await store.get("alice")).toEqual({ value: "{\"v\":1}", version });
    // One hash under the prefix holds both, so they are read and written together.
    expect(await raw.hGetAll(`${prefix}value:alice`)).toEqual({ value: "{\"v\":1}", version });
  });

  it("writes only over the version it was given", async () => {
    const { store } = fresh();
    const first = await store.set("k", "one", undefined);
    expect(await store.set("k", "again", undefined)).toBeUndefined();
    expect(await store.set("k", "stale", "not-a-version")).toBeUndefined();
    const second = await store.set("k", "two", first);
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    expect(await store.set("k", "late", first)).toBeUndefined();
    expect(await store.get("k")).toEqual({ value: "two", version: second });
  });

  it("refuses an expected version when nothing is stored", async () => {
    const { store } = fresh();
    expect(await store.set("k", "x", "1")).toBeUndefined();
    expect(await store.set("k", "x", "")).toBeUndefined();
    expect(await store.get("k")).toBeUndefined();
  });

  it("never repeats a version after a delete (a reader of the old one cannot write)", async () => {
    const { store } = fresh();
    const seen = new Set<string>();
    let old: string | undefined;
    for (let round = 0; round < 5; round += 1) {
      const version = await store.set("k", `round ${round}`, undefined);
      expect(version).toBeDefined();
      seen.add(version!);
      old = version;
      await store.delete("k");
    }
    expect(seen.size).toBe(5);
    await store.set("k", "new", undefined);
    expect(await store.set("k", "from an old reader", old)).toBeUndefined();
    expect((await store.get("k"))?.value).toBe("new");
  });

  it("lets exactly one of many concurrent writers over one version win, across connections", async () => {
    const connections = await Promise.all([connect(), connect(), connect()]);
    const prefix = `t${++prefixes}:`;
    const stores = connections.map((client) => redisStore(client, { prefix }));
    const base = await stores[0]!.set("k", "base", undefined);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => stores[i % stores.length]!.set("k", `writer ${i}`, base)),
    );
    const winners = results.flatMap((version, i) => (version === undefined ? [] : [{ version, i }]));
    expect(winners).toHaveLength(1);
    expect(await stores[1]!.get("k")).toEqual({ value: `writer ${winners[0]!.i}`, version: winners[0]!.version });
  });

  it("keeps any string intact, and deletes (absent keys too)", async () => {
    const { store } = fresh();
    const value = JSON.stringify({ token: "ü—🔑", quote: "'\"\\", big: "x".repeat(100_000) });
    await store.set("user:42 with spaces", value, undefined);
    expect((await store.get("user:42 with spaces"))?.value).toBe(value);
    await store.delete("user:42 with spaces");
    await store.delete("never-written");
    expect(await store.get("user:42 with spaces")).toBeUndefined();
  });

  it("keeps prefixes apart, and a key named like a lock apart from that lock", async () => {
    const a = fresh();
    const b = fresh();
    await a.store.set("k", "in a", undefined);
    expect(await b.store.get("k")).toBeUndefined();
    const release = await a.store.lock("k", 5_000);
    await a.store.set("lock:k", "a value", undefined);
    expect((await a.store.get("lock:k"))?.value).toBe("a value");
    await release();
    expect(await raw.keys(`${a.prefix}*`)).toEqual(expect.arrayContaining([`${a.prefix}value:k`, `${a.prefix}value:lock:k`]));
  });

  it("reads the same under RESP3", async () => {
    const prefix = `t${++prefixes}:`;
    const resp3 = redisStore(await open(createClient({ url: server.url, RESP: 3 })), { prefix });
    const resp2 = redisStore(raw, { prefix });
    const version = await resp3.set("k", "v", undefined);
    expect(await resp2.get("k")).toEqual({ value: "v", version });
    expect(await resp3.get("k")).toEqual({ value: "v", version });
    expect(await resp3.set("k", "w", "wrong")).toBeUndefined();
    const release = await resp3.lock("k", 5_000);
    await release();
  });
});

describe("redisStore: the lock", () => {
  const releases: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(releases.splice(0).map((release) => release()));
  });

  it("is SET NX PX in Redis, and is gone once released", async () => {
    const { store, prefix } = fresh();
    const release = await store.lock("k", 4_000);
    const ttl = await raw.pTTL(`${prefix}lock:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4_000);
    await release();
    expect(await raw.exists(`${prefix}lock:k`)).toBe(0);
    await release(); // releasing twice is harmless
  });

  it("keeps a second taker waiting until the holder releases", async () => {
    const { store } = fresh();
    const other = redisStore(await connect(), { prefix: `t${prefixes}:` });
    const release = await store.lock("k", 10_000);
    let taken = false;
    const second = other.lock("k", 10_000).then((r) => {
      taken = true;
      return r;
    });
    await sleep(300);
    expect(taken).toBe(false);
    await release();
    releases.push(await second);
    expect(taken).toBe(true);
  });

  it("excludes: 20 read-modify-write increments under the lock, from 4 connections, lose none", async () => {
    const prefix = `t${++prefixes}:`;
    const stores = await Promise.all([0, 1, 2, 3].map(async () => redisStore(await connect(), { prefix })));
    await stores[0]!.set("counter", "0", undefined);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const store = stores[i % stores.length]!;
        const release = await store.lock("counter", 10_000);
        try {
          inside += 1;
          most = Math.max(most, inside);
          const current = await store.get("counter");
          await sleep(2);
          // Two holders at once would both write over one version: one of them would fail here.
          expect(await store.set("counter", String(Number(current!.value) + 1), current!.version)).toBeDefined();
          inside -= 1;
        } finally {
          await release();
        }
      }),
    );
    expect(most).toBe(1);
    expect((await stores[0]!.get("counter"))?.value).toBe("20");
  });

  it("expires by itself: a holder that never releases blocks the next for about its ttl", async () => {
    const { store, prefix } = fresh();
    await store.lock("k", 400); // never released, like a process killed mid-refresh
    const started = Date.now();
    releases.push(await store.lock("k", 10_000));
    // Redis expired it; the second taker got it only after that (not a speed assertion: a floor).
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await raw.pTTL(`${prefix}lock:k`)).toBeGreaterThan(400);
  });

  it("a holder whose lock expired cannot release the next holder's", async () => {
    const { store, prefix } = fresh();
    const late = await store.lock("k", 200);
    await sleep(300);
    releases.push(await store.lock("k", 10_000));
    const holder = await raw.get(`${prefix}lock:k`);
    await late();
    expect(await raw.get(`${prefix}lock:k`)).toBe(holder);
    let taken = false;
    const third = store.lock("k", 10_000).then((r) => ((taken = true), r));
    await sleep(200);
    expect(taken).toBe(false);
    await releases.pop()!();
    releases.push(await third);
  });

  it("stops waiting when the signal aborts, with its reason, and takes nothing", async () => {
    const { store, prefix } = fresh();
    const release = await store.lock("k", 10_000);
    const holder = await raw.get(`${prefix}lock:k`);
    const controller = new AbortController();
    const waiting = store.lock("k", 10_000, controller.signal);
    setTimeout(() => controller.abort(new Error("gave up")), 100);
    await expect(waiting).rejects.toThrow("gave up");
    expect(await raw.get(`${prefix}lock:k`)).toBe(holder);
    await release();
    // Nothing was left behind by the one that gave up: the next taker gets it at once.
    releases.push(await store.lock("k", 10_000));
  });

  it("rejects at once with an aborted signal, without touching Redis", async () => {
    const { store, prefix } = fresh();
    const reason = new Error("already");
    await expect(store.lock("k", 1_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await raw.exists(`${prefix}lock:k`)).toBe(0);
  });

  it("keeps locks of different keys apart", async () => {
    const { store } = fresh();
    releases.push(await store.lock("a", 10_000));
    releases.push(await store.lock("b", 10_000));
  });
});

describe("createSession over redisStore (one process)", () => {
  let tokens: RefreshServer;
  beforeAll(async () => {
    tokens = await startRefreshServer({ accessTtlSeconds: 2 });
  });
  afterAll(async () => {
    await tokens?.close();
  });

  it("50 concurrent callers over 5 connections after expiry: 1 refresh, one token, rotated and saved", async () => {
    const prefix = `t${++prefixes}:`;
    const provider = rfc8628({ deviceAuthorizationEndpoint: tokens.deviceEndpoint, tokenEndpoint: tokens.tokenEndpoint, clientId: "tv" });
    const sessions = await Promise.all(
      [0, 1, 2, 3, 4].map(async () => createSession(provider, { store: redisStore(await connect(), { prefix }), key: "alice", refreshSkew: 0 })),
    );
    const signedIn = await sessions[0]!.signIn();
    expect(signedIn.status).toBe("authorized");
    const before = tokens.refreshRequests();
    const first = await sessions[0]!.getToken();
    await sleep(Math.max(0, first!.expiresAt! - Date.now()) + 50);

    const got = await Promise.all(Array.from({ length: 50 }, (_, i) => sessions[i % 5]!.getAccessToken()));
    expect(tokens.refreshRequests() - before).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect(got[0]).not.toBe(first!.accessToken);
    expect(tokens.accessTokenValid(got[0]!)).toBe(true);
    const saved = await sessions[3]!.getToken();
    expect(saved?.accessToken).toBe(got[0]);
    expect(saved?.refreshToken).not.toBe(first!.refreshToken);

    // The next expiry is refreshed with the rotated refresh token: one more request, accepted.
    await sleep(Math.max(0, saved!.expiresAt! - Date.now()) + 50);
    const again = await Promise.all(Array.from({ length: 10 }, (_, i) => sessions[i % 5]!.getAccessToken()));
    expect(tokens.refreshRequests() - before).toBe(2);
    expect(new Set(again).size).toBe(1);
    expect(tokens.accessTokenValid(again[0]!)).toBe(true);
  });
});
