/**
 * A cross-process lock with an expiry, over proper-lockfile (a lock directory made with `mkdir`,
 * atomic on every file system, NFS included). proper-lockfile keeps a live holder's directory
 * fresh (`update`) and lets anyone take over one whose holder stopped refreshing it for `stale`
 * ms (a SIGKILLed process); this module adds waiting until the lock is free, abort while waiting,
 * and an expiry for a live holder too, as `TokenStore.lock` promises.
 */
import lockfile from "proper-lockfile";
import { DeviceFlowError } from "../errors.ts";

/** Options of {@link acquireLock}. */
export interface AcquireOptions {
  /** The lock's expiry: a dead holder's lock is taken over after this long (at least 2000 ms, proper-lockfile's floor). */
  staleMs: number;
  /** When set, the lock releases itself after this many ms even if its holder is alive. */
  expireMs?: number;
  /** Stops waiting: rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Stops waiting after this many ms: rejects with DeviceFlowError `store_busy` (retryable). */
  maxWaitMs?: number;
}

const FIRST_RETRY_MS = 20;
const LAST_RETRY_MS = 250;

/**
 * Takes the lock named `name` (its directory is `${name}.lock`; `name` itself need not exist),
 * waiting while another process or another caller in this one holds it. Resolves with an
 * idempotent release function that never rejects: a lock that was taken over or already expired
 * has nothing left to release.
 * @see proper-lockfile README (`stale`, `update`, `realpath`, `onCompromised`)
 */
export async function acquireLock(name: string, options: AcquireOptions): Promise<() => Promise<void>> {
  const { signal } = options;
  const deadline = options.maxWaitMs === undefined ? Infinity : Date.now() + options.maxWaitMs;
  let wait = FIRST_RETRY_MS;
  for (;;) {
    signal?.throwIfAborted();
    const release = await tryLock(name, options.staleMs);
    if (release) {
      if (signal?.aborted) {
        await release();
        throw signal.reason;
      }
      return withExpiry(release, options.expireMs);
    }
    if (Date.now() + wait > deadline) {
      throw new DeviceFlowError("store_busy", `the lock ${name}.lock stayed held for ${options.maxWaitMs} ms`, true);
    }
    // Jittered so two waiters do not knock in step.
    await delay(wait * (0.5 + Math.random()), signal);
    wait = Math.min(wait * 2, LAST_RETRY_MS);
  }
}

/** One attempt: the release function, or undefined when someone else holds a lock that is not stale. */
async function tryLock(name: string, staleMs: number): Promise<(() => Promise<void>) | undefined> {
  try {
    return await lockfile.lock(name, {
      stale: staleMs,
      // The holder refreshes the directory's mtime every stale/2 ms (the library's default).
      realpath: false,
      retries: 0,
      // The default throws from a timer, killing the process. A lock taken over from a holder that
      // was too slow only means its write will meet a changed version: compare-and-swap refuses it.
      onCompromised: () => {},
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ELOCKED") return undefined;
    throw new DeviceFlowError("store_unwritable", `cannot take the lock ${name}.lock: ${describe(error)}`);
  }
}

function withExpiry(release: () => Promise<void>, expireMs: number | undefined): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () =>
    (done ??= (async () => {
      clearTimeout(timer);
      // ERELEASED (expired or compromised) or a directory already gone: nothing to undo.
      await release().catch(() => {});
    })());
  const timer = expireMs === undefined ? undefined : setTimeout(() => void once(), expireMs);
  // The expiry must not keep a process alive that has nothing else to do.
  timer?.unref?.();
  return once;
}

/** Resolves after `ms`, or rejects with `signal.reason` when it aborts first. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** An fs error's code (EACCES, ENOSPC…), never its message's full path twice. */
export function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : String(error);
}
