/**
 * Builds a real OS credential store environment for a test and runs keychain-child.ts processes
 * inside it: a private D-Bus session (`dbus-run-session`) with gnome-keyring's Secret Service,
 * unlocked or locked, a bus with no Secret Service at all, or no bus. HOME and TMPDIR point into
 * the test's own folder, so the keyring file, the lock folder and everything else the processes
 * write can be searched afterwards; nothing of the machine's own session leaks in (PATH only).
 *
 * Measured on Debian 12 (gnome-keyring 42.1, dbus 1.14): `gnome-keyring-daemon --unlock` must be
 * given a non-empty password. With an empty one it has no login collection (creating one asks a
 * prompter, which cannot run without a display) and every write fails with "no result found".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StoredValue } from "../../src/session/store.ts";
import type { KeychainStore } from "../../src/node/keychain-store.ts";
import type { Call, Reply } from "./keychain-child.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = "test/sessions/keychain-child.ts";

/** Where the children run: which credential store they find. */
export type Environment =
  /** D-Bus session + gnome-keyring, its login keyring created or unlocked with a password. */
  | "unlocked"
  /** D-Bus session + gnome-keyring started without unlocking: an existing keyring stays locked. */
  | "locked"
  /** D-Bus session whose bus knows no service: nothing provides org.freedesktop.secrets. */
  | "bare-bus"
  /** No D-Bus session at all (DBUS_SESSION_BUS_ADDRESS unset). */
  | "no-bus";

export const KEYRING_PASSWORD = "keyring-test-password";

/** One child process: its pid, and stores in it. */
export interface KeychainChild {
  name: string;
  pid: number;
  /** The child's `keychainStore({ service, lockDir })`, called over loopback HTTP. */
  store(service: string, lockDir?: string): RemoteKeychainStore;
}

/** A child's store. Its `lock` ignores a signal given here; `lockAborting` aborts the wait in the child. */
export interface RemoteKeychainStore extends KeychainStore {
  name: string;
  /** `lock(key, ttlMs, AbortSignal.timeout(abortAfterMs))`, the signal made in the child. */
  lockAborting(key: string, ttlMs: number, abortAfterMs: number): Promise<() => Promise<void>>;
}

/** A call that failed in the child, rethrown here with the child's error name and code. */
export class RemoteError extends Error {
  constructor(
    override readonly name: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface KeyringEnvironment {
  children: KeychainChild[];
  /** Exits every child still alive and waits for the session (bus, keyring daemon) to end. */
  close(): Promise<void>;
}

/**
 * Starts `names.length` children in one environment under `root` (HOME = root/home, TMPDIR =
 * root/tmp, created by the caller). `extraEnv` is added to the children's environment.
 */
export async function startKeyring(options: {
  environment: Environment;
  names: string[];
  root: string;
  extraEnv?: Record<string, string>;
}): Promise<KeyringEnvironment> {
  const { environment, names, root } = options;
  const children = `for n in $CHILD_NAMES; do "$NODE_BIN" --import tsx ${CHILD} "$n" & done; wait`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: join(root, "home"),
    TMPDIR: join(root, "tmp"),
    NODE_BIN: process.execPath,
    CHILD_NAMES: names.join(" "),
    KEYRING_PASSWORD,
    ...options.extraEnv,
  };
  let command: string;
  let args: string[];
  switch (environment) {
    case "unlocked":
    case "locked": {
      const daemon =
        environment === "unlocked"
          ? `printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97`
          : `gnome-keyring-daemon --start --components=secrets >/dev/null || exit 97`;
      [command, args] = ["dbus-run-session", ["--", "sh", "-c", `${daemon}; ${children}`]];
      break;
    }
    case "bare-bus": {
      const config = join(root, "bare-bus.conf");
      writeFileSync(config, BARE_BUS_CONFIG);
      [command, args] = [
        "dbus-run-session",
        [`--config-file=${config}`, "--", "sh", "-c", children],
      ];
      break;
    }
    case "no-bus":
      [command, args] = ["sh", ["-c", children]];
      break;
  }

  // Its own process group, so a test that fails half-way can still end the whole tree it started.
  const session = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  session.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const ended = new Promise<void>((resolve) => session.once("close", () => resolve()));

  const ready = await readyLines(session, names, () => stderr).catch(async (error: unknown) => {
    killGroup(session);
    await ended;
    throw error;
  });
  const alive = new Set(names);

  const list = ready.map(({ name, port, pid }): KeychainChild => {
    const origin = `http://127.0.0.1:${port}`;
    return { name, pid, store: (service, lockDir) => remoteStore(origin, name, service, lockDir) };
  });

  return {
    children: list,
    async close() {
      await Promise.all(
        list.map(async (child) => {
          if (!alive.has(child.name)) return;
          alive.delete(child.name);
          await post(`http://127.0.0.1:${ready.find((r) => r.name === child.name)?.port}`, {
            op: "exit",
          }).catch(() => {});
        }),
      );
      const timer = setTimeout(() => killGroup(session), 10_000);
      await ended;
      clearTimeout(timer);
    },
  };
}

/** Waits (at most 30 s) until every child printed its ready line. */
function readyLines(
  session: ChildProcess,
  names: string[],
  stderr: () => string,
): Promise<{ name: string; port: number; pid: number }[]> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, { name: string; port: number; pid: number }>();
    let buffer = "";
    const timer = setTimeout(
      () => fail(new Error(`children not ready after 30 s; stderr:\n${stderr()}`)),
      30_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    session.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const parsed = JSON.parse(line) as { ready: string; port: number; pid: number };
        found.set(parsed.ready, { name: parsed.ready, port: parsed.port, pid: parsed.pid });
      }
      if (found.size === names.length) {
        clearTimeout(timer);
        resolve(names.map((name) => found.get(name)!));
      }
    });
    session.once("close", (code) =>
      fail(
        new Error(
          `the session ended (exit ${code}) before its children were ready; stderr:\n${stderr()}`,
        ),
      ),
    );
  });
}

function killGroup(session: ChildProcess): void {
  if (session.pid === undefined || session.exitCode !== null) return;
  try {
    process.kill(-session.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function post(origin: string, call: Call): Promise<unknown> {
  const response = await fetch(origin, { method: "POST", body: JSON.stringify(call) });
  const reply = (await response.json()) as Reply;
  if (!reply.ok) throw new RemoteError(reply.error.name, reply.error.code, reply.error.message);
  return reply.result;
}

function remoteStore(
  origin: string,
  name: string,
  service: string,
  lockDir: string | undefined,
): RemoteKeychainStore {
  const base = { service, ...(lockDir ? { lockDir } : {}) };
  const call = (rest: Omit<Call, "service" | "lockDir">) => post(origin, { ...base, ...rest });
  const lock = async (rest: Omit<Call, "service" | "lockDir">) => {
    const handle = (await call(rest)) as string;
    return async () => {
      await call({ op: "release", handle });
    };
  };
  return {
    name,
    async get(key) {
      return ((await call({ op: "get", key })) as StoredValue | null) ?? undefined;
    },
    async set(key, value, expected) {
      return (
        ((await call({ op: "set", key, value, expected: expected ?? null })) as string | null) ??
        undefined
      );
    },
    async delete(key) {
      await call({ op: "delete", key });
    },
    lock(key, ttlMs) {
      return lock({ op: "lock", key, ttlMs });
    },
    lockAborting(key, ttlMs, abortAfterMs) {
      return lock({ op: "lock", key, ttlMs, abortAfterMs });
    },
    async check() {
      await call({ op: "check" });
    },
  };
}

/** A session bus that knows no service file, so nothing can be activated on it. */
const BARE_BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
