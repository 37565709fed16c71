/**
 * Real processes sharing one fileStore file against a loopback server whose refresh tokens are
 * single-use and whose access tokens live 2 s (test/support/refresh-server.ts):
 * - two processes asking at the same moment after expiry spend the refresh token once;
 * - a process SIGKILLed in the middle of a refresh leaves a readable file and a lock that blocks
 *   the next process no longer than the lock's expiry.
 * Each test logs the requests the server saw, for the issue note.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSession, rfc8628, type TokenSet } from "../../src/index.ts";
import { fileStore } from "../../src/node/index.ts";
import { startRefreshServer, type RefreshServer } from "../support/refresh-server.ts";
import { ROOT } from "../support/run-cli.ts";

const CHILD = "test/sessions/child-get-token.ts";
const KEY = "profile";

interface Child {
  process: ChildProcess;
  /** Resolves once the child has loaded and waits for `go`. */
  ready: Promise<void>;
  /** Sends `go`; resolves with the JSON line it prints (at most `ms` later). */
  ask(ms?: number): Promise<{ token?: string; error?: string }>;
  exited: Promise<void>;
}

let dir: string;
let file: string;
let server: RefreshServer;
const children: Child[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cross-process-"));
  file = join(dir, "tokens.json");
  server = await startRefreshServer({ accessTtlSeconds: 2 });
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill("SIGKILL");
    await child.exited;
  }
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts `node --import tsx child-get-token.ts` (killed after 45 s at the latest). */
function startChild(lockTimeout: number): Child {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      STORE_FILE: file,
      KEY,
      DEVICE_ENDPOINT: server.deviceEndpoint,
      TOKEN_ENDPOINT: server.tokenEndpoint,
      LOCK_TIMEOUT: String(lockTimeout),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), 45_000);
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  void exited.then(() => clearTimeout(limit));
  let stderr = "";
  let stdout = "";
  const wake = new Set<() => void>();
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const listener of wake) listener();
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const listener of wake) listener();
  });
  const until = <T>(found: () => T | undefined, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value !== undefined) finish(() => resolve(value));
        else if (child.exitCode !== null || child.signalCode !== null)
          finish(() => reject(new Error(`child ended before ${what}: ${stderr}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${ms} ms: ${stderr}`))), ms);
      const finish = (then: () => void) => {
        clearTimeout(timer);
        wake.delete(check);
        then();
      };
      wake.add(check);
      void exited.then(check);
      check();
    });
  let answered = 0;
  const record: Child = {
    process: child,
    exited,
    ready: until(() => (stderr.includes("ready\n") ? true : undefined), 30_000, "ready").then(() => {}),
    ask(ms = 30_000) {
      const index = answered++;
      child.stdin?.write("go\n");
      return until(
        () => {
          const line = stdout.split("\n")[index];
          return line !== undefined && stdout.split("\n").length > index + 1 ? (JSON.parse(line) as { token?: string; error?: string }) : undefined;
        },
        ms,
        `answer ${index + 1}`,
      );
    },
  };
  children.push(record);
  return record;
}

const provider = () =>
  rfc8628({ deviceAuthorizationEndpoint: server.deviceEndpoint, tokenEndpoint: server.tokenEndpoint, clientId: "cross-process-test" });

/** Signs in through a session in this process, so the file holds a real token set. */
async function signIn(): Promise<TokenSet> {
  const session = createSession(provider(), { store: fileStore(file), key: KEY, refreshSkew: 0 });
  expect((await session.signIn()).status).toBe("authorized");
  const token = await session.getToken();
  if (!token?.expiresAt) throw new Error("the server sent no expires_in");
  return token;
}

/** Waits (bounded) until the access token stored in the file has expired. */
async function untilExpired(): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const expiresAt = (await createSession(provider(), { store: fileStore(file), key: KEY }).getToken())?.expiresAt;
    if (expiresAt === undefined || expiresAt < Date.now() - 50) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(expiresAt - Date.now() + 100, 500)));
  }
  throw new Error("the stored token never expired");
}

const lockDirectories = async () => (await readdir(dir)).filter((name) => name.endsWith(".lock"));

/** The file parses, and the session's record under KEY (if any). */
async function storedRecord(): Promise<{ token: { accessToken: string } } | undefined> {
  const document = JSON.parse(await readFile(file, "utf8")) as { entries: Record<string, { value: string }> };
  const entry = document.entries[KEY];
  return entry && (JSON.parse(entry.value) as { token: { accessToken: string } });
}

describe("two processes over one fileStore file", () => {
  it("both asking at the same moment after expiry, three times: one refresh each time, one token for both", async () => {
    const signedIn = await signIn();
    const [a, b] = [startChild(30_000), startChild(30_000)];
    await Promise.all([a!.ready, b!.ready]);
    const seen: string[] = [signedIn.accessToken];
    for (let round = 1; round <= 3; round += 1) {
      await untilExpired();
      // Both get `go` in the same tick: their refreshes race for the file's key lock.
      const [first, second] = await Promise.all([a!.ask(), b!.ask()]);
      expect(first?.error).toBeUndefined();
      expect(first?.token).toBeDefined();
      expect(second?.token).toBe(first?.token);
      expect(seen).not.toContain(first?.token);
      expect(server.accessTokenValid(first!.token!)).toBe(true);
      // Exactly one refresh per expiry, each with the refresh token the previous one rotated in.
      expect(server.refreshRequests()).toBe(round);
      expect((await storedRecord())?.token.accessToken).toBe(first?.token);
      seen.push(first!.token!);
    }
    expect(await lockDirectories()).toEqual([]);
    console.info(`two processes, 3 expiries: ${server.refreshRequests()} refresh requests reached the server (1 per expiry)`);
  });
});

describe("a process SIGKILLed in the middle of a refresh", () => {
  const TTL = 5_000;

  it("leaves a readable file and a lock that blocks the next process no longer than its expiry", async () => {
    const signedIn = await signIn();
    await untilExpired();
    const victim = startChild(TTL);
    await victim.ready;
    // The server keeps the request unanswered (and unprocessed) until its client is gone.
    const arrived = server.holdNextRefresh();
    void victim.ask().catch(() => {});
    await arrived;
    victim.process.kill("SIGKILL");
    await victim.exited;
    const killedAt = Date.now();

    // What it left: the file as it was (it parses, the old set in it) and its lock directory.
    expect((await storedRecord())?.token.accessToken).toBe(signedIn.accessToken);
    expect(await lockDirectories()).toHaveLength(1);

    const next = startChild(TTL);
    await next.ready;
    const answer = await next.ask(TTL + 10_000);
    const blockedFor = Date.now() - killedAt;
    expect(answer.error).toBeUndefined();
    expect(server.accessTokenValid(answer.token!)).toBe(true);
    // Taken over once the dead holder stopped refreshing it for TTL (it refreshed every TTL/2).
    expect(blockedFor).toBeGreaterThanOrEqual(TTL / 2 - 500);
    expect(blockedFor).toBeLessThan(TTL + 5_000);
    expect((await storedRecord())?.token.accessToken).toBe(answer.token);
    expect(server.refreshRequests()).toBe(2);
    console.info(
      `SIGKILL before the server processed the refresh: ${server.refreshRequests()} refresh requests (1 held and dropped, 1 granted); the next process had its token ${blockedFor} ms after the kill (lock ttl ${TTL} ms)`,
    );
  });

  it("after the server spent the refresh token: the next process is told to sign in again, with one request and no loop", async () => {
    await signIn();
    await untilExpired();
    const victim = startChild(TTL);
    await victim.ready;
    // The token is spent and a new set issued, but the answer never reaches the client.
    const arrived = server.holdNextRefresh({ rotate: true });
    void victim.ask().catch(() => {});
    await arrived;
    victim.process.kill("SIGKILL");
    await victim.exited;
    const killedAt = Date.now();

    const next = startChild(TTL);
    await next.ready;
    const answer = await next.ask(TTL + 10_000);
    const blockedFor = Date.now() - killedAt;
    expect(answer).toEqual({ error: "sign_in_required" });
    expect(blockedFor).toBeLessThan(TTL + 5_000);
    // The dead token was tried once, then forgotten: asking again sends nothing.
    expect(server.refreshRequests()).toBe(2);
    expect(await next.ask()).toEqual({ error: "sign_in_required" });
    expect(server.refreshRequests()).toBe(2);
    expect(await storedRecord()).toBeUndefined();
    console.info(
      `SIGKILL after the server rotated the refresh token: ${server.refreshRequests()} refresh requests (1 spent, answer lost; 1 refused invalid_grant → sign_in_required) in ${blockedFor} ms after the kill`,
    );
  });
});
