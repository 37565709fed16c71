/**
 * Where a session keeps its tokens: one small interface any database can implement. Values are
 * opaque strings (the session's JSON), versions are opaque strings (a counter, an ETag, a hash).
 * Two operations make concurrent writers safe: a compare-and-swap write, and a lock with an
 * expiry, so a holder that dies (SIGKILL mid-refresh) blocks nobody for longer than the expiry.
 */

/** A stored value and the version it was written as. */
export interface StoredValue {
  value: string;
  version: string;
}

/** A store for sessions: memory, a file, the OS keychain, Redis, or your own. */
export interface TokenStore {
  /** The value under `key`, or undefined when there is none. */
  get(key: string): Promise<StoredValue | undefined>;
  /**
   * Writes `value` under `key` only if the stored version is still `expected` (undefined: only if
   * nothing is stored). Resolves to the new version, or undefined when another writer got there
   * first (nothing is written then).
   */
  set(key: string, value: string, expected: string | undefined): Promise<string | undefined>;
  /** Removes `key`; nothing happens when it is absent. */
  delete(key: string): Promise<void>;
  /**
   * Takes `key`'s lock, held at most `ttlMs` (then it expires by itself), waiting while another
   * holder has it. Resolves with the function that releases it; rejects with `signal.reason` when
   * the signal aborts while waiting.
   */
  lock(key: string, ttlMs: number, signal?: AbortSignal): Promise<() => Promise<void>>;
}
