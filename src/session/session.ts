/**
 * A session keeps one user signed in: it signs in (RFC 8628), saves the token set, hands out a
 * valid access token, refreshes it before it expires (RFC 6749 §6) one refresh at a time — in this
 * process and, through the store's lock, across processes — and signs out (RFC 7009). It talks to
 * the provider only through the flow functions, and to the store only through its interface.
 */
import { untilAborted } from "../abort.ts";
import { DeviceFlowError } from "../errors.ts";
import type { Provider, StartOptions } from "../provider.ts";
import { refreshToken } from "../refresh.ts";
import { tokenSet, type DeviceAuthorization, type PollError, type PollResult, type TerminalResult, type TokenSet } from "../result.ts";
import { revokeToken } from "../revoke.ts";
import { startDeviceAuthorization } from "../start.ts";
import { waitForToken } from "../wait.ts";
import type { StoredValue, TokenStore } from "./store.ts";

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Where the token set lives (memoryStore(), fileStore(), keychainStore(), redisStore(), …). */
  store: TokenStore;
  /** The token set's name in the store, e.g. a profile or a user id. */
  key: string;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  refreshSkew?: number;
  /**
   * Called with every new token set (after sign-in and after each refresh) once it is saved and
   * before any caller gets it: persist it elsewhere, or log that it changed. What it throws is
   * ignored.
   */
  onTokens?: (token: TokenSet) => void | Promise<void>;
  /** Longest time one refresh may hold the store's lock, in milliseconds. Default 30 000. */
  lockTimeout?: number;
  /** Epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Options of {@link Session.signIn}. */
export interface SignInOptions extends StartOptions {
  /** Called with each code to show the user (again with a fresh one after a restart). */
  onVerification?: (authorization: DeviceAuthorization) => void | Promise<void>;
  /** Called after every poll, as `waitForToken`'s `onPoll`. */
  onPoll?: (result: PollResult) => void;
  /** Start over with a fresh code when one expires: `true` (without end) or a number of restarts. */
  restartOnExpiry?: boolean | number;
}

/** What {@link Session.signOut} did. */
export interface SignOutResult {
  /** True when the provider revoked the tokens (RFC 7009); false when it could not or has no endpoint. */
  revoked: boolean;
  /** Why revocation did not happen, when it did not. The tokens are deleted from the store either way. */
  error?: PollError | DeviceFlowError;
}

/** One signed-in user of one provider, kept in a store under one key. */
export interface Session {
  /** Starts a device flow and waits for it; on `authorized` the token set is saved before it resolves. */
  signIn(options?: SignInOptions): Promise<TerminalResult>;
  /**
   * A valid access token: the stored one, or a refreshed one when it expires within `refreshSkew`.
   * Concurrent callers share one refresh. Rejects with `DeviceFlowError` `sign_in_required` when
   * there is no token or the refresh token was refused (`invalid_grant`), with another
   * `DeviceFlowError` when refreshing failed otherwise (`retryable` says whether to try later), or
   * with `signal.reason`.
   */
  getAccessToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** The stored token set, or undefined. */
  getToken(): Promise<TokenSet | undefined>;
  /** Revokes where the provider can, then deletes the token set, even when revocation failed. */
  signOut(options?: { signal?: AbortSignal }): Promise<SignOutResult>;
}

/** What the store holds: versioned, so a later format can read an older one. */
interface Record {
  v: 1;
  provider: string;
  token: TokenSet;
}

const DEFAULT_SKEW_S = 60;
const DEFAULT_LOCK_MS = 30_000;

/**
 * A session over a provider and a store.
 * @see RFC 8628 (sign-in), RFC 6749 §6 (refresh, keeping a rotated refresh token), RFC 7009 (sign-out)
 */
export function createSession(provider: Provider, options: SessionOptions): Session {
  const { store, key } = options;
  const skewMs = (options.refreshSkew ?? DEFAULT_SKEW_S) * 1000;
  const lockMs = options.lockTimeout ?? DEFAULT_LOCK_MS;
  const now = options.now ?? Date.now;
  // The last token set this process read or wrote: a valid one is served with no store I/O.
  let cached: TokenSet | undefined;
  let refreshing: Promise<string> | undefined;

  const fresh = (token: TokenSet) => token.expiresAt === undefined || token.expiresAt - skewMs > now();

  async function read(): Promise<{ entry: StoredValue; token: TokenSet } | undefined> {
    const entry = await store.get(key);
    const token = entry && parse(entry.value);
    return entry && token ? { entry, token } : undefined;
  }

  /** Saves under the lock; the compare-and-swap catches a writer whose lock had expired. */
  async function save(token: TokenSet, expected: string | undefined): Promise<void> {
    const value = JSON.stringify({ v: 1, provider: provider.name, token } satisfies Record);
    if ((await store.set(key, value, expected)) === undefined) {
      throw new DeviceFlowError("store_conflict", "another writer changed the stored token set first", true);
    }
    cached = token;
    await notify(options.onTokens, token);
  }

  async function refreshOnce(): Promise<string> {
    const stored = await read();
    if (!stored) throw signInRequired("no token set is stored");
    if (fresh(stored.token)) return use(stored.token);
    if (!stored.token.refreshToken) throw signInRequired("the access token expired and there is no refresh token");
    const release = await store.lock(key, lockMs);
    try {
      // Another process may have refreshed while this one waited for the lock.
      const current = await read();
      if (!current) throw signInRequired("the token set was removed");
      if (fresh(current.token)) return use(current.token);
      const used = current.token.refreshToken;
      if (!used) throw signInRequired("the access token expired and there is no refresh token");
      const result = await refreshToken(provider, used);
      if (result.status === "authorized") {
        // The new set keeps the old refresh token when none was issued (refreshToken() does), so
        // a rotated one is saved and an unrotated one is never lost.
        await save(result.token, current.entry.version);
        return result.token.accessToken;
      }
      if (result.error === "invalid_grant") {
        // RFC 6749 §5.2: the refresh token is invalid, expired or revoked. Forget it, so the next
        // call asks for a sign-in instead of spending another request on a dead token.
        await store.delete(key);
        cached = undefined;
        throw signInRequired(`the refresh token was refused${result.description ? `: ${result.description}` : ""}`);
      }
      throw new DeviceFlowError(result.error, `refresh failed: ${result.description ?? result.error}`, result.retryable, result.httpStatus);
    } finally {
      await release();
    }
  }

  function use(token: TokenSet): string {
    cached = token;
    return token.accessToken;
  }

  return {
    async signIn(signInOptions = {}) {
      const { onVerification, onPoll, restartOnExpiry, signal, scope } = signInOptions;
      let restarts = restartOnExpiry === true ? Infinity : Math.max(Number(restartOnExpiry) || 0, 0);
      for (;;) {
        const authorization = await startDeviceAuthorization(provider, { ...(scope === undefined ? {} : { scope }), ...(signal ? { signal } : {}) });
        await notify(onVerification, authorization);
        const result = await waitForToken(provider, authorization, { ...(signal ? { signal } : {}), ...(onPoll ? { onPoll } : {}) });
        if (result.status === "expired" && restarts > 0) {
          restarts -= 1;
          continue;
        }
        if (result.status === "authorized") {
          const release = await store.lock(key, lockMs, signal);
          try {
            await save(result.token, (await store.get(key))?.version);
          } finally {
            await release();
          }
        }
        return result;
      }
    },

    getAccessToken({ signal } = {}) {
      signal?.throwIfAborted();
      if (cached && fresh(cached)) return Promise.resolve(cached.accessToken);
      if (!refreshing) {
        const started = refreshOnce().finally(() => {
          if (refreshing === started) refreshing = undefined;
        });
        refreshing = started;
        // Handled here too, so a refresh every waiter gave up on is no unhandled rejection.
        started.catch(() => {});
      }
      return untilAborted(refreshing, signal);
    },

    async getToken() {
      return (await read())?.token;
    },

    async signOut({ signal } = {}) {
      const stored = await read();
      let outcome: SignOutResult = { revoked: false };
      if (stored && provider.revokeToken) {
        try {
          // RFC 7009 §2.1: revoking the refresh token may revoke its access tokens too; both are sent.
          const { refreshToken: refresh, accessToken } = stored.token;
          const first = refresh
            ? await revokeToken(provider, refresh, { tokenTypeHint: "refresh_token", ...(signal ? { signal } : {}) })
            : { status: "revoked" as const };
          const second = await revokeToken(provider, accessToken, { tokenTypeHint: "access_token", ...(signal ? { signal } : {}) });
          const failed = [first, second].find((result) => result.status === "error");
          outcome = failed?.status === "error" ? { revoked: false, error: failed } : { revoked: true };
        } catch (error) {
          if (signal?.aborted) {
            await store.delete(key);
            cached = undefined;
            throw error;
          }
          outcome = { revoked: false, error: error instanceof DeviceFlowError ? error : new DeviceFlowError("internal_error", String(error)) };
        }
      } else if (stored) {
        outcome = { revoked: false, error: new DeviceFlowError("revocation_unsupported", `${provider.name} has no token revocation endpoint`) };
      }
      await store.delete(key);
      cached = undefined;
      return outcome;
    },
  };
}

function signInRequired(why: string): DeviceFlowError {
  return new DeviceFlowError("sign_in_required", `sign in again: ${why}`);
}

/** A stored record back to a TokenSet (redacted on inspect again); anything unreadable is none. */
function parse(value: string): TokenSet | undefined {
  try {
    const record = JSON.parse(value) as Partial<Record>;
    const token = record.token;
    if (record.v !== 1 || !token || typeof token.accessToken !== "string" || token.accessToken === "") return undefined;
    return tokenSet(token);
  } catch {
    return undefined;
  }
}

/** Calls a hook; what it throws or rejects with is ignored, so a UI bug cannot lose a token. */
async function notify<T>(hook: ((value: T) => void | Promise<void>) | undefined, value: T): Promise<void> {
  try {
    await hook?.(value);
  } catch {
    // Deliberately ignored: see SessionOptions.onTokens and SignInOptions.onVerification.
  }
}
