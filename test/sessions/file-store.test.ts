/**
 * fileStore against the TokenStore contract (src/session/store.ts), on real files: compare-and-swap,
 * owner-only modes, atomic replacement, locks with exclusion, expiry and abort, and a corrupt file
 * that is reported, never replaced.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSession, DeviceFlowError, rfc8628 } from "../../src/index.ts";
import { fileStore } from "../../src/node/index.ts";
import { startRefreshServer } from "../support/refresh-server.ts";

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "file-store-"));
  file = join(dir, "tokens.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The store's own files in the folder (temporary files and lock directories included). */
const listing = async () => (await readdir(dir)).sort();

describe("fileStore: compare-and-swap", () => {
  it("reads nothing from a missing file, and creates none by reading", async () => {
    const store = fileStore(file);
    expect(await store.get("trakt")).toBeUndefined();
    expect(await listing()).toEqual([]);
  });

  it("writes only over the version it was given", async () => {
    const store = fileStore(file);
    const first = await store.set("trakt", "one", undefined);
    expect(first).toEqual(expect.any(String));
    expect(await store.get("trakt")).toEqual({ value: "one", version: first });

    // Absent-only write when something is stored: refused.
    expect(await store.set("trakt", "two", undefined)).toBeUndefined();
    const second = await store.set("trakt", "two", first);
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    // The version read before the last write is stale now.
    expect(await store.set("trakt", "stale", first)).toBeUndefined();
    expect(await store.get("trakt")).toEqual({ value: "two", version: second });
  });

  it("keeps many keys in one file, each with its own version", async () => {
    const store = fileStore(file);
    const a = await store.set("a", "A", undefined);
    const b = await store.set("b", "B", undefined);
    await store.set("a", "A2", a);
    expect((await store.get("b"))?.version).toBe(b);
    expect((await store.get("a"))?.value).toBe("A2");
    // A second store over the same file (another process, say) sees the same.
    expect(await fileStore(file).get("b")).toEqual({ value: "B", version: b });
    const text = JSON.parse(await readFile(file, "utf8")) as { entries: Record<string, unknown> };
    expect(Object.keys(text.entries).sort()).toEqual(["a", "b"]);
  });

  it("lets exactly one of 20 concurrent writers with the same version win", async () => {
    const stores = Array.from({ length: 4 }, () => fileStore(file));
    const base = await stores[0]!.set("k", "base", undefined);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 4]!.set("k", `writer-${i}`, base)),
    );
    const winners = results.filter((version) => version !== undefined);
    expect(winners).toHaveLength(1);
    const winner = results.findIndex((version) => version !== undefined);
    expect(await stores[1]!.get("k")).toEqual({ value: `writer-${winner}`, version: winners[0] });
  });

  it("never reuses a version after delete and re-create", async () => {
    const store = fileStore(file);
    const old = await store.set("k", "old", undefined);
    await store.delete("k");
    const renewed = await store.set("k", "new", undefined);
    expect(renewed).not.toBe(old);
    // A writer that read before the delete cannot overwrite the new set.
    expect(await store.set("k", "late", old)).toBeUndefined();
    expect((await store.get("k"))?.value).toBe("new");
  });

  it("deletes one key and keeps the others; deleting a missing key is no error", async () => {
    const store = fileStore(file);
    await store.set("a", "A", undefined);
    const b = await store.set("b", "B", undefined);
    await store.delete("a");
    await store.delete("a");
    await store.delete("never");
    expect(await store.get("a")).toBeUndefined();
    expect(await store.get("b")).toEqual({ value: "B", version: b });
  });

  it("stores a key named __proto__ as data", async () => {
    const store = fileStore(file);
    const version = await store.set("__proto__", "p", undefined);
    expect(await fileStore(file).get("__proto__")).toEqual({ value: "p", version });
    expect(await store.get("constructor")).toBeUndefined();
  });
});

describe("fileStore: on disk", () => {
  it("creates the file 0600 and a missing folder 0700", async () => {
    const nested = join(dir, "config", "device-login", "tokens.json");
    await fileStore(nested).set("k", "v", undefined);
    expect((await stat(nested)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "config", "device-login"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "config"))).mode & 0o777).toBe(0o700);
  });

  it("replaces a file that was world-readable with an owner-only one", async () => {
    await writeFile(file, JSON.stringify({ v: 1, seq: 0, entries: {} }), { mode: 0o644 });
    await fileStore(file).set("k", "v", undefined);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("leaves no temporary file and no lock directory behind", async () => {
    const store = fileStore(file);
    let version: string | undefined;
    for (let i = 0; i < 10; i += 1) version = await store.set("k", `v${i}`, version);
    const release = await store.lock("k", 5_000);
    expect((await listing()).filter((name) => name.endsWith(".lock"))).toHaveLength(1);
    await release();
    await release(); // idempotent
    expect(await listing()).toEqual(["tokens.json"]);
  });

  it("removes a temporary file a killed writer left (it holds tokens) at the next write, and nothing else", async () => {
    const leftover = join(dir, "tokens.json.4242.0badcafe.tmp");
    await writeFile(leftover, '{"v":1,"seq":1,"entries":{"k":{"value":"secret', { mode: 0o600 });
    await writeFile(join(dir, "tokens.json.bak"), "mine");
    const store = fileStore(file);
    expect(await store.get("k")).toBeUndefined();
    await store.set("k", "v", undefined);
    expect(await listing()).toEqual(["tokens.json", "tokens.json.bak"]);
  });

  it("never shows a reader a partial file while a writer replaces it (300 writes of 256 KiB)", async () => {
    const store = fileStore(file);
    const big = (i: number) => `${i}:`.padEnd(256 * 1024, String(i % 10));
    let version = await store.set("k", big(0), undefined);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 1; i <= 300; i += 1) version = (await store.set("k", big(i), version)) ?? version;
      } finally {
        writing = false;
      }
    })();
    let reads = 0;
    const torn: string[] = [];
    // Raw reads through the thread pool, concurrent with the writes; bounded by the writer.
    while (writing && reads < 20_000) {
      const text = await readFile(file, "utf8");
      reads += 1;
      try {
        const value = (JSON.parse(text) as { entries: { k: { value: string } } }).entries.k.value;
        if (value.length !== 256 * 1024) torn.push(`length ${value.length}`);
      } catch {
        torn.push(`${text.length} bytes`);
      }
    }
    await writer;
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect((await store.get("k"))?.value).toBe(big(300));
  });

  it("control: the same reader does catch a plain writeFile (truncate, then write) in the act", async () => {
    const text = (i: number) => JSON.stringify({ v: 1, seq: i, entries: { k: { value: "x".repeat(256 * 1024), version: String(i) } } });
    await writeFile(file, text(0));
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 1; i <= 300; i += 1) await writeFile(file, text(i));
      } finally {
        writing = false;
      }
    })();
    let torn = 0;
    for (let reads = 0; writing && reads < 20_000; reads += 1) {
      try {
        JSON.parse(await readFile(file, "utf8"));
      } catch {
        torn += 1;
      }
    }
    await writer;
    // Measured here: about 230 of 300 reads torn. One is enough to show the check above can fail.
    expect(torn).toBeGreaterThan(0);
  });
});

describe("fileStore: locks", () => {
  it("excludes a second holder of the same key until release, not other keys", async () => {
    const store = fileStore(file);
    const release = await store.lock("k", 10_000);
    let second = false;
    const waiting = store.lock("k", 10_000).then((releaseSecond) => {
      second = true;
      return releaseSecond;
    });
    // Another key, and another store over the same file, are independent of k's lock.
    const other = await fileStore(file).lock("other", 10_000);
    await other();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second).toBe(false);
    await release();
    const releaseSecond = await waiting;
    expect(second).toBe(true);
    await releaseSecond();
  });

  it("expires a lock its live holder never releases after ttlMs", async () => {
    const store = fileStore(file);
    await store.lock("k", 2_000); // never released
    const started = Date.now();
    const release = await store.lock("k", 2_000);
    const waited = Date.now() - started;
    await release();
    expect(waited).toBeGreaterThanOrEqual(1_500);
    expect(waited).toBeLessThan(2_000 + 5_000);
  });

  it("takes over a lock directory whose holder died (no one refreshes it) after ttlMs", async () => {
    const store = fileStore(file);
    const release = await store.lock("k", 3_000);
    const [lockDir] = (await listing()).filter((name) => name.endsWith(".lock"));
    await release();
    // What a SIGKILLed holder leaves: the directory, fresh, and nobody updating it.
    await mkdir(join(dir, lockDir!));
    const started = Date.now();
    const again = await store.lock("k", 3_000);
    const waited = Date.now() - started;
    await again();
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThan(3_000 + 5_000);
  });

  it("stops waiting when the signal aborts, with its reason, and takes nothing", async () => {
    const store = fileStore(file);
    const release = await store.lock("k", 10_000);
    const controller = new AbortController();
    const reason = new Error("gave up");
    setTimeout(() => controller.abort(reason), 200);
    await expect(store.lock("k", 10_000, controller.signal)).rejects.toBe(reason);
    await expect(store.lock("k", 10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    await release();
    // The lock is free: the aborted waiters did not take it.
    const started = Date.now();
    const next = await store.lock("k", 10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    await next();
  });
});

describe("fileStore: an unreadable file", () => {
  it.each([
    ["not JSON", "{ this is not json"],
    ["empty", ""],
    ["another format", JSON.stringify({ v: 2, tokens: [] })],
    ["a malformed entry", JSON.stringify({ v: 1, seq: 1, entries: { k: { value: 1, version: "1" } } })],
  ])("%s: store_unreadable on get, set and delete, and the file is left as it was", async (_name, content) => {
    await writeFile(file, content, { mode: 0o600 });
    const store = fileStore(file);
    for (const attempt of [() => store.get("k"), () => store.set("k", "v", undefined), () => store.delete("k")]) {
      const error = await attempt().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DeviceFlowError);
      expect((error as DeviceFlowError).code).toBe("store_unreadable");
      expect((error as DeviceFlowError).message).toContain(file);
    }
    expect(await readFile(file, "utf8")).toBe(content);
  });

  it("a folder where the file should be: store_unreadable", async () => {
    await mkdir(file);
    await expect(fileStore(file).get("k")).rejects.toMatchObject({ code: "store_unreadable" });
  });
});

describe("fileStore under createSession", () => {
  it("two sessions over one file (as two processes would be) refresh once after expiry", async () => {
    const server = await startRefreshServer({ accessTtlSeconds: 2 });
    try {
      const provider = rfc8628({
        deviceAuthorizationEndpoint: server.deviceEndpoint,
        tokenEndpoint: server.tokenEndpoint,
        clientId: "tv",
      });
      const first = createSession(provider, { store: fileStore(file), key: "p", refreshSkew: 0 });
      const second = createSession(provider, { store: fileStore(file), key: "p", refreshSkew: 0 });
      expect((await first.signIn()).status).toBe("authorized");
      const signedIn = await second.getAccessToken();
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const tokens = await Promise.all([first.getAccessToken(), second.getAccessToken(), second.getAccessToken()]);
      expect(server.refreshRequests()).toBe(1);
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).not.toBe(signedIn);
      expect(server.accessTokenValid(tokens[0]!)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
