/**
 * A {@link TokenStore} in one JSON file, for CLIs and desktop apps: many keys (profiles) in one
 * file, readable only by its owner, replaced atomically on every write, and safe for several
 * processes at once (a compare-and-swap under a short lock of the file, and a per-key lock with
 * an expiry for the refresh itself).
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { DeviceFlowError } from "../errors.ts";
import type { StoredValue, TokenStore } from "../session/store.ts";
import { acquireLock, describe } from "./file-lock.ts";

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /**
   * How long the short lock around one write, left behind by a process that died in the middle
   * of it, blocks other writers, in ms. Default 5000 (proper-lockfile's floor is 2000).
   */
  lockStale?: number;
}

/** The file's content. `seq` counts writes to the whole file, so a version is never reused. */
interface Document {
  v: 1;
  seq: number;
  entries: Map<string, StoredValue>;
}

const DEFAULT_LOCK_STALE_MS = 5_000;

/**
 * A token store in the JSON file at `path` (created with mode 0600, its folder with 0700 when
 * missing). Every write goes to a temporary file beside it (0600, fsync) that is renamed over it,
 * so no reader ever sees a partial file, even after a SIGKILL. `set` is a compare-and-swap under
 * a short cross-process lock (`${path}.lock`); `lock(key, ttlMs)` is a lock directory per key
 * beside the file, taken over `ttlMs` after its holder died (proper-lockfile). A file that cannot
 * be read or parsed rejects with DeviceFlowError `store_unreadable` and is never overwritten;
 * failures to write reject with `store_unwritable`.
 * @see RFC 6749 §6 (a rotated refresh token must be kept: one writer at a time, none lost)
 * @see RFC 6819 §5.1.6 (refresh tokens kept secret: owner-only file)
 */
export function fileStore(path: string, options: FileStoreOptions = {}): TokenStore {
  const file = resolve(path);
  const folder = dirname(file);
  const lockStale = Math.max(options.lockStale ?? DEFAULT_LOCK_STALE_MS, 2_000);

  /** Read-modify-write under the file's lock; `change` says whether there is anything to write. */
  async function update<T>(change: (document: Document) => { result: T; write: boolean }): Promise<T> {
    await ensureFolder(folder);
    // Bounded: a dead writer's lock goes stale after lockStale; a live one holds it for one write.
    const release = await acquireLock(file, { staleMs: lockStale, maxWaitMs: 3 * lockStale });
    try {
      const document = (await readDocument(file)) ?? { v: 1, seq: 0, entries: new Map() };
      const { result, write } = change(document);
      if (write) {
        await removeLeftovers(file);
        await writeAtomically(file, serialise(document));
      }
      return result;
    } finally {
      await release();
    }
  }

  return {
    async get(key) {
      const entry = (await readDocument(file))?.entries.get(key);
      return entry && { value: entry.value, version: entry.version };
    },
    set(key, value, expected) {
      return update((document) => {
        if (document.entries.get(key)?.version !== expected) return { result: undefined, write: false };
        document.seq += 1;
        const version = String(document.seq);
        document.entries.set(key, { value, version });
        return { result: version, write: true };
      });
    },
    delete(key) {
      return update((document) => ({ result: undefined, write: document.entries.delete(key) }));
    },
    async lock(key, ttlMs, signal) {
      signal?.throwIfAborted();
      await ensureFolder(folder);
      // The lock lives ttlMs: taken over after that when its holder died, released after that
      // when its holder hangs (the compare-and-swap then refuses the late writer).
      return acquireLock(`${file}.${lockName(key)}`, {
        staleMs: ttlMs,
        expireMs: ttlMs,
        ...(signal ? { signal } : {}),
      });
    },
  };
}

/**
 * A file-name-safe name for a key's lock: a readable prefix, a hash and the length. Two keys that
 * collided would only share a lock (wait for each other), never each other's data.
 */
function lockName(key: string): string {
  let hash = 0x811c9dc5;
  for (const char of key) {
    // FNV-1a over code points: short, and two keys with the same readable prefix still differ.
    hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  }
  const readable = key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
  return `key-${readable}-${hash.toString(16).padStart(8, "0")}-${key.length}`;
}

async function ensureFolder(folder: string): Promise<void> {
  try {
    // Only folders created here get 0700; an existing one keeps the owner's choice.
    await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DeviceFlowError("store_unwritable", `cannot create the folder ${folder}: ${describe(error)}`);
  }
}

/** The parsed file, undefined when it does not exist; anything else unreadable is an error. */
async function readDocument(file: string): Promise<Document | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw unreadable(file, describe(error));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unreadable(file, "it is not JSON");
  }
  const document = parsed as { v?: unknown; seq?: unknown; entries?: unknown };
  if (typeof parsed !== "object" || parsed === null || document.v !== 1) {
    throw unreadable(file, "it is not a version 1 token store file");
  }
  const { seq, entries } = document;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) throw unreadable(file, "its seq is not a counter");
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw unreadable(file, "its entries are not an object");
  const map = new Map<string, StoredValue>();
  for (const [key, entry] of Object.entries(entries)) {
    const { value, version } = (entry ?? {}) as { value?: unknown; version?: unknown };
    if (typeof value !== "string" || typeof version !== "string") throw unreadable(file, `its entry ${JSON.stringify(key)} is malformed`);
    map.set(key, { value, version });
  }
  return { v: 1, seq, entries: map };
}

function serialise(document: Document): string {
  // Object.fromEntries defines own properties, so a key named "__proto__" is data, not a prototype.
  return `${JSON.stringify({ v: document.v, seq: document.seq, entries: Object.fromEntries(document.entries) }, null, 2)}\n`;
}

function unreadable(file: string, why: string): DeviceFlowError {
  return new DeviceFlowError("store_unreadable", `the token store ${file} cannot be read (${why}); it was left as it is: fix or remove it`);
}

/** The temporary files {@link writeAtomically} makes: `${file}.<pid>.<8 hex>.tmp`. */
const temporaryName = (file: string) => `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
const isTemporaryOf = (file: string, name: string) =>
  name.startsWith(`${basename(file)}.`) && /^\.\d+\.[0-9a-f]{8}\.tmp$/.test(name.slice(basename(file).length));

/**
 * Removes temporary files a writer killed before its rename left (they hold tokens). Called under
 * the file's lock, where no other writer is between its write and its rename.
 */
async function removeLeftovers(file: string): Promise<void> {
  const names = await readdir(dirname(file)).catch(() => []);
  await Promise.all(
    names.filter((name) => isTemporaryOf(file, name)).map((name) => unlink(join(dirname(file), name)).catch(() => {})),
  );
}

/**
 * Writes `text` to a temporary file beside `file` (0600, created exclusively), flushes it to disk,
 * and renames it over `file`: a reader sees the old content or the new, never a part.
 * @see POSIX rename(2): the replacement is atomic
 */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = temporaryName(file);
  try {
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw new DeviceFlowError("store_unwritable", `cannot write ${basename(file)}: ${describe(error)}`);
  }
  // The rename itself survives a power cut only once the folder is flushed too (not on Windows).
  try {
    const folder = await open(dirname(file), "r");
    await folder.sync().finally(() => folder.close());
  } catch {
    // Best effort: the new content is already in place.
  }
}
