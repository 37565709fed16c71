/** A {@link TokenStore} in memory: for tests, for one process, or as a model for your own. */
import { untilAborted } from "../abort.ts";
import type { StoredValue, TokenStore } from "./store.ts";

/**
 * Keeps values in a `Map`; versions count writes; the lock is a queue with an expiry, so a holder
 * that never releases blocks the next one for at most `ttlMs`.
 * @see RFC 6749 §6 (a refresh token may be single-use: only one holder refreshes at a time)
 */
export function memoryStore(): TokenStore {
  const values = new Map<string, StoredValue>();
  const locks = new Map<string, Promise<void>>();
  let writes = 0;

  return {
    async get(key) {
      return values.get(key);
    },
    async set(key, value, expected) {
      if (values.get(key)?.version !== expected) return undefined;
      const version = String(++writes);
      values.set(key, { value, version });
      return version;
    },
    async delete(key) {
      values.delete(key);
    },
    async lock(key, ttlMs, signal) {
      signal?.throwIfAborted();
      const previous = locks.get(key) ?? Promise.resolve();
      let released = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let release!: () => void;
      const turn = new Promise<void>((resolve) => {
        release = () => {
          released = true;
          clearTimeout(timer);
          resolve();
        };
      });
      // The turn starts when the previous holder is done; it ends at release or at its expiry.
      const chained = previous.then(() => {
        if (!released) timer = setTimeout(release, ttlMs);
        return turn;
      });
      locks.set(key, chained);
      try {
        await untilAborted(previous, signal);
      } catch (error) {
        release();
        throw error;
      }
      return async () => {
        release();
        if (locks.get(key) === chained) locks.delete(key);
      };
    },
  };
}
