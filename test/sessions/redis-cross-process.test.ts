/**
 * Two real Node processes sharing one real redis-server, against a loopback token server whose
 * refresh tokens are single-use (RFC 6749 §6 rotation) and whose access tokens live 2 s: when both
 * ask for a token after expiry at the same moment, exactly one refresh reaches the server and both
 * get the same token. And a process SIGKILLed mid-refresh blocks the next one only until its lock
 * expires, leaving a readable store.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSession, rfc8628 } from "../../src/index.ts";
import { redisStore } from "../../src/redis/index.ts";
import { startRefreshServer, type RefreshServer } from "../support/refresh-server.ts";
import { startRedisServer, type RedisServer } from "./redis-setup.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = "test/sessions/redis-child.ts";
const LINE_MS = 20_000;

type Line = { ready?: number; token?: string; error?: string };

interface Worker {
  child: ChildProcess;
  /** The next JSON line the worker prints; rejects after LINE_MS or when it exits first. */
  next(): Promise<Line>;
  send(line: string): void;
}

let redis: RedisServer;
let tokens: RefreshServer;
let raw: ReturnType<typeof createClient>;
const workers: Worker[] = [];
let prefixes = 0;

beforeAll(async () => {
  [redis, tokens] = await Promise.all([startRedisServer(), startRefreshServer({ accessTtlSeconds: 2 })]);
  raw = createClient({ url: redis.url });
  raw.on("error", () => {});
  await raw.connect();
});

afterEach(() => {
  for (const worker of workers.splice(0)) worker.child.kill("SIGKILL");
});

afterAll(async () => {
  await raw?.close();
  await tokens?.close();
  await redis?.stop();
});

function startWorker(prefix: string, lockTimeout: number): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      REDIS_URL: redis.url,
      PREFIX: prefix,
      DEVICE_ENDPOINT: tokens.deviceEndpoint,
      TOKEN_ENDPOINT: tokens.tokenEndpoint,
      LOCK_TIMEOUT: String(lockTimeout),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const lines: Line[] = [];
  const waiters: Array<{ resolve: (line: Line) => void; reject: (error: Error) => void }> = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text) as Line;
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(line);
    else lines.push(line);
  });
  child.on("exit", (code, signal) => {
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`worker exited (${code ?? signal}):\n${stderr}`));
  });
  const worker: Worker = {
    child,
    send: (line) => child.stdin?.write(`${line}\n`),
    next: () => {
      const ready = lines.shift();
      if (ready) return Promise.resolve(ready);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`worker has exited:\n${stderr}`));
      return new Promise<Line>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer from the worker within ${LINE_MS} ms:\n${stderr}`)), LINE_MS);
        waiters.push({
          resolve: (line) => (clearTimeout(timer), resolve(line)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
      });
    },
  };
  workers.push(worker);
  return worker;
}

/** Signs in once from this process (the token server approves at once) and returns the stored set. */
async function signIn(prefix: string) {
  const provider = rfc8628({ deviceAuthorizationEndpoint: tokens.deviceEndpoint, tokenEndpoint: tokens.tokenEndpoint, clientId: "worker" });
  const session = createSession(provider, { store: redisStore(raw, { prefix }), key: "shared" });
  expect((await session.signIn()).status).toBe("authorized");
  return session;
}

const untilExpired = async (expiresAt: number | undefined) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, (expiresAt ?? Date.now()) - Date.now()) + 100));

describe("two processes sharing one redis-server", () => {
  it("both ask after expiry at the same moment: 1 refresh request per expiry, the same token for both", async () => {
    const prefix = `x${++prefixes}:`;
    const session = await signIn(prefix);
    const workersNow = [startWorker(prefix, 10_000), startWorker(prefix, 10_000)];
    for (const worker of workersNow) expect((await worker.next()).ready).toEqual(expect.any(Number));

    const figures: number[] = [];
    let previous = await session.getToken();
    // Three expiries in a row, so each refresh spends the refresh token the previous one rotated in.
    for (let round = 0; round < 3; round += 1) {
      await untilExpired(previous?.expiresAt);
      const before = tokens.refreshRequests();
      for (const worker of workersNow) worker.send("go");
      const answers = await Promise.all(workersNow.map((worker) => worker.next()));
      figures.push(tokens.refreshRequests() - before);

      expect(answers[0]?.error).toBeUndefined();
      expect(answers[0]?.token).toEqual(expect.any(String));
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[0]?.token).not.toBe(previous?.accessToken);
      expect(tokens.accessTokenValid(answers[0]!.token!)).toBe(true);
      const stored = await session.getToken();
      expect(stored?.accessToken).toBe(answers[0]?.token);
      expect(stored?.refreshToken).not.toBe(previous?.refreshToken);
      previous = stored;
    }
    // The figure the issue asks for: refresh requests the server saw per expiry.
    console.log(`redis cross-process: refresh requests per expiry ${JSON.stringify(figures)}`);
    expect(figures).toEqual([1, 1, 1]);
  });

  it("a process SIGKILLed mid-refresh leaves a readable store and a lock that only lasts until it expires", async () => {
    const prefix = `x${++prefixes}:`;
    const lockTimeout = 3_000;
    const session = await signIn(prefix);
    const stale = await session.getToken();
    const doomed = startWorker(prefix, lockTimeout);
    const survivor = startWorker(prefix, lockTimeout);
    for (const worker of [doomed, survivor]) expect((await worker.next()).ready).toEqual(expect.any(Number));
    await untilExpired(stale?.expiresAt);

    const before = tokens.refreshRequests();
    // The server holds the doomed worker's refresh unanswered (its refresh token stays valid).
    const arrived = tokens.holdNextRefresh();
    doomed.send("go");
    await arrived;
    const exited = new Promise((resolve) => doomed.child.once("exit", resolve));
    doomed.child.kill("SIGKILL");
    await exited;

    // Its lock is still in Redis, with an expiry; the store is still the old, readable set.
    const lockTtl = await raw.pTTL(`${prefix}lock:shared`);
    expect(lockTtl).toBeGreaterThan(0);
    expect(lockTtl).toBeLessThanOrEqual(lockTimeout);
    expect((await session.getToken())?.accessToken).toBe(stale?.accessToken);

    survivor.send("go");
    const answer = await survivor.next();
    expect(answer.error).toBeUndefined();
    expect(tokens.accessTokenValid(answer.token!)).toBe(true);
    expect(tokens.refreshRequests() - before).toBe(2);
    expect((await session.getToken())?.accessToken).toBe(answer.token);
    expect(await raw.exists(`${prefix}lock:shared`)).toBe(0);
    console.log(`redis SIGKILL mid-refresh: refresh requests ${tokens.refreshRequests() - before} (1 held and killed, 1 granted)`);
  });
});
