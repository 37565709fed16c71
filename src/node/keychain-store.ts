/**
 * A {@link TokenStore} in the OS credential store (macOS Keychain, Windows Credential Manager, the
 * Secret Service on Linux: gnome-keyring, KWallet, KeePassXC) through `@napi-rs/keyring`, an
 * optional dependency loaded on first use. It fails closed: when the binding, its binary, the
 * D-Bus session or an unlocked keyring is missing, every call rejects with `DeviceFlowError`
 * `keychain_unavailable` saying which, and nothing is ever written anywhere else.
 *
 * One keyring entry per key (service = `service`, account = key) holds JSON `{ version, value }`.
 * The keychain has no compare-and-swap and no lock, so both are lock directories in `lockDir`
 * (proper-lockfile, through ./file-lock.ts): they hold no secret, only the right to write. A
 * dead holder's lock is judged stale with the waiter's `ttlMs`: processes sharing a store should
 * use one lock timeout (sessions do: `lockTimeout`).
 *
 * Windows keeps at most 2560 bytes per credential (CRED_MAX_CREDENTIAL_BLOB_SIZE), which a token
 * set with a large ID token can exceed: that write fails with `keychain_unavailable`, never halfway.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeviceFlowError } from "../errors.ts";
import type { StoredValue, TokenStore } from "../session/store.ts";
import { acquireLock, describe } from "./file-lock.ts";

/** Options of {@link keychainStore}. */
export interface KeychainStoreOptions {
  /** The keychain's service name the entries are filed under, e.g. your app's name. */
  service: string;
  /** Where the lock directories go. Default: the OS temp dir / `device-flow-sdk-<service>`. */
  lockDir?: string;
}

/** A {@link TokenStore} in the OS keychain, with a check to run before a sign-in. */
export interface KeychainStore extends TokenStore {
  /**
   * Writes, reads back and deletes a probe entry: resolves when tokens can be saved, rejects with
   * `keychain_unavailable` otherwise. Call it before `signIn`, so a code the user approves is
   * never turned into a token that cannot be kept (device codes are single-use). Only a write
   * proves it: a locked Secret Service answers a read of an absent entry with "none".
   */
  check(): Promise<void>;
}

/** The part of `@napi-rs/keyring`'s API this store uses (its `AsyncEntry`). */
interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deleteCredential(): Promise<boolean>;
}
interface KeyringModule {
  AsyncEntry: new (
    service: string,
    account: string,
    options?: { linux?: { store?: "secret-service" | "keyutils" } },
  ) => KeyringEntry;
}

/** The keyring entry's secret. */
interface Secret {
  version: string;
  value: string;
}

// A write (read, compare, write) holds its lock for milliseconds; a writer that died mid-write
// blocks the next one for at most this long.
const WRITE_STALE_MS = 5_000;
const PROBE_ACCOUNT = "device-flow-sdk:probe";

let loaded: Promise<KeyringModule> | undefined;

/**
 * The OS credential store as a {@link TokenStore}. The factory touches nothing; the first call
 * loads the binding. On Linux the entries are pinned to the Secret Service: the binding's own
 * fallback (the kernel keyring, lost at reboot) is never taken silently.
 * @see https://github.com/Brooooooklyn/keyring-node (`AsyncEntry`, `EntryOptions.linux.store`)
 * @see https://specifications.freedesktop.org/secret-service/ (the Linux backend)
 */
export function keychainStore(options: KeychainStoreOptions): KeychainStore {
  const { service } = options;
  if (typeof service !== "string" || service === "") {
    throw new DeviceFlowError("invalid_options", "keychainStore needs a non-empty service name");
  }
  const lockDir =
    options.lockDir ?? join(tmpdir(), `device-flow-sdk-${encodeURIComponent(service)}`);

  async function entry(account: string): Promise<KeyringEntry> {
    const keyring = await load();
    return keychainCall(
      () => new keyring.AsyncEntry(service, account, { linux: { store: "secret-service" } }),
    );
  }

  async function read(key: string): Promise<Secret | undefined> {
    const secret = await keychainCall(async () => (await entry(key)).getPassword());
    return secret === null ? undefined : parseSecret(secret);
  }

  /** Runs `write` holding `key`'s write lock (not the lock `lock()` hands out, which set runs under). */
  async function underWriteLock<T>(key: string, write: () => Promise<T>): Promise<T> {
    // The keychain is checked first, so a machine without one gets keychain_unavailable, not a lock error.
    await entry(key);
    const release = await acquireLock(await lockPath(lockDir, key, "write"), {
      staleMs: WRITE_STALE_MS,
    });
    try {
      return await write();
    } finally {
      await release();
    }
  }

  return {
    async get(key): Promise<StoredValue | undefined> {
      return read(key);
    },

    async set(key, value, expected) {
      return underWriteLock(key, async () => {
        if ((await read(key))?.version !== expected) return undefined;
        // Random, so a key deleted and written again never repeats a version a stale writer holds.
        const version = randomUUID();
        const secret: Secret = { version, value };
        await keychainCall(async () => (await entry(key)).setPassword(JSON.stringify(secret)));
        return version;
      });
    },

    async delete(key) {
      await underWriteLock(key, () =>
        keychainCall(async () => (await entry(key)).deleteCredential()),
      );
    },

    async lock(key, ttlMs, signal) {
      signal?.throwIfAborted();
      await entry(key);
      return acquireLock(await lockPath(lockDir, key, "session"), {
        staleMs: ttlMs,
        expireMs: ttlMs,
        ...(signal ? { signal } : {}),
      });
    },

    async check() {
      const probe = await entry(PROBE_ACCOUNT);
      const marker = randomUUID();
      await keychainCall(() => probe.setPassword(marker));
      try {
        if ((await keychainCall(() => probe.getPassword())) !== marker) {
          throw new DeviceFlowError(
            "keychain_unavailable",
            "the OS credential store did not keep what was written to it",
          );
        }
      } finally {
        await keychainCall(() => probe.deleteCredential());
      }
    },
  };
}

/** Loads the binding once; a missing package or binary is `keychain_unavailable`, and is retried next call. */
function load(): Promise<KeyringModule> {
  loaded ??= import("@napi-rs/keyring").then(
    (module) => module as unknown as KeyringModule,
    (error: unknown) => {
      loaded = undefined;
      throw unavailable(error);
    },
  );
  return loaded;
}

/** The lock directory's base name: the key hashed, so any key is a safe, short file name that says nothing. */
async function lockPath(dir: string, key: string, kind: "write" | "session"): Promise<string> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DeviceFlowError(
      "store_unwritable",
      `cannot create the lock folder ${dir}: ${describe(error)}`,
    );
  }
  const name = createHash("sha256").update(key).digest("hex").slice(0, 32);
  return join(dir, `${name}.${kind}`);
}

/** Runs one keyring operation; whatever it throws becomes `keychain_unavailable`. */
async function keychainCall<T>(operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw error instanceof DeviceFlowError ? error : unavailable(error);
  }
}

/** An entry this store did not write (or a corrupted one) reads as none, as the session reads records. */
function parseSecret(text: string): Secret | undefined {
  try {
    const secret = JSON.parse(text) as Partial<Secret> | null;
    if (typeof secret?.version === "string" && typeof secret.value === "string")
      return { version: secret.version, value: secret.value };
  } catch {
    // Not JSON: not ours.
  }
  return undefined;
}

/**
 * Says what is missing, from the binding's message (its texts, measured on Debian 12 with
 * gnome-keyring 42, are matched below). The platform's own text is kept: it holds no secret.
 */
function unavailable(error: unknown): DeviceFlowError {
  const text = messages(error);
  const platform = `${process.platform}-${process.arch}`;
  const why = /Cannot find (module|package) '@napi-rs\/keyring'/i.test(text)
    ? "@napi-rs/keyring is not installed (it is an optional dependency: npm install @napi-rs/keyring)"
    : /native binding/i.test(text)
      ? `@napi-rs/keyring has no binary for this platform (${platform}): its prebuilt package for ${platform} is not installed`
      : /org\.freedesktop\.secrets|ServiceUnknown/i.test(text)
        ? "no Secret Service on the D-Bus session: start gnome-keyring, KWallet or KeePassXC (org.freedesktop.secrets)"
        : /DBUS_SESSION_BUS_ADDRESS|D-?Bus error/i.test(text)
          ? `no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is ${process.env.DBUS_SESSION_BUS_ADDRESS ? "set but unreachable" : "not set"}): the Secret Service needs one; run inside a desktop session or dbus-run-session`
          : /unlock prompt|is ?locked|locked object/i.test(text)
            ? "the keyring is locked and was not unlocked (the unlock prompt was dismissed or could not be shown): unlock it and try again"
            : /no result found/i.test(text)
              ? "the Secret Service has no default keyring to store in (no login collection): create or unlock one"
              : "the OS credential store refused the operation";
  const said = firstLine(error instanceof Error ? error.message : String(error));
  const failure = new DeviceFlowError(
    "keychain_unavailable",
    `OS keychain unavailable: ${why} (${said})`,
  );
  failure.cause = error;
  return failure;
}

/** The message and its causes', which is where the binding puts the platform's reason. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (
    let current = error, depth = 0;
    current !== undefined && current !== null && depth < 5;
    depth += 1
  ) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
