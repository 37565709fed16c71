/**
 * `redisStore`: a {@link TokenStore} in Redis, for fleets of workers that share one token set.
 * Every operation is one Lua script run by `EVAL`, so the compare-and-swap and the lock's checks
 * happen inside Redis, atomically, and the client needs one method. Each script touches one key,
 * so it also runs on Redis Cluster. Imports nothing from Node: any runtime with a Redis client works.
 */
import type { StoredValue, TokenStore } from "../session/store.ts";

export type { StoredValue, TokenStore } from "../session/store.ts";

/**
 * The one method the store calls: node-redis v5 and v6 clients (`createClient()`,
 * `createCluster()`) fit as they are. Other clients fit through a one-line adapter, e.g. ioredis:
 * `{ eval: (script, { keys, arguments: args }) => redis.eval(script, keys.length, ...keys, ...args) }`.
 * Replies are read as Redis sends them in RESP2 and RESP3: strings (or bytes), null and arrays.
 */
export interface RedisEvalClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Put in front of every key this store writes. Default `"device-flow:"`. */
  prefix?: string;
}

const DEFAULT_PREFIX = "device-flow:";
/** First and longest pause between two attempts to take a held lock, in milliseconds. */
const FIRST_RETRY_MS = 10;
const LONGEST_RETRY_MS = 250;

// The value and its version live in one hash, so they are read and written together.
const GET = `return redis.call('HMGET', KEYS[1], 'value', 'version')`;

// ARGV: value, expected version, '1' when an expected version is given, the new version.
// The new version carries a random part from the caller, so a key deleted and written again
// never repeats a version an old reader still holds (no ABA).
const SET = `
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[3] == '1' then
  if current ~= ARGV[2] then return false end
elseif current then
  return false
end
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'version', ARGV[4])
return ARGV[4]`;

const DELETE = `redis.call('DEL', KEYS[1]) return 1`;

// SET NX PX: taken only when nobody holds it, and it expires by itself after ARGV[2] ms.
const LOCK = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0`;

// Deletes the lock only while it is still ours: a holder whose lock expired (and was taken by
// another) must not release the other's.
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A {@link TokenStore} over a Redis client: `get`/`set` read and write a hash
 * `<prefix>value:<key>` (fields `value`, `version`), `set` is a compare-and-swap inside Redis, and
 * `lock` is `SET <prefix>lock:<key> <random token> NX PX ttlMs`, retried with a growing pause until
 * it is taken or the signal aborts, and released only by the holder of that token.
 * @see https://redis.io/docs/latest/develop/use/patterns/distributed-locks/ (single-instance lock)
 * @see RFC 6749 §6 (a rotated refresh token must be spent by one holder and saved)
 */
export function redisStore(client: RedisEvalClient, options: RedisStoreOptions = {}): TokenStore {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const valueKey = (key: string) => `${prefix}value:${key}`;
  const lockKey = (key: string) => `${prefix}lock:${key}`;
  const run = (script: string, key: string, args: string[] = []) => client.eval(script, { keys: [key], arguments: args });

  return {
    async get(key) {
      const reply = await run(GET, valueKey(key));
      const [value, version] = Array.isArray(reply) ? reply.map(text) : [];
      return value !== undefined && version !== undefined ? ({ value, version } satisfies StoredValue) : undefined;
    },

    async set(key, value, expected) {
      const next = `${Date.now().toString(36)}-${crypto.randomUUID()}`;
      const reply = await run(SET, valueKey(key), [value, expected ?? "", expected === undefined ? "0" : "1", next]);
      return text(reply);
    },

    async delete(key) {
      await run(DELETE, valueKey(key));
    },

    async lock(key, ttlMs, signal) {
      signal?.throwIfAborted();
      const name = lockKey(key);
      const token = crypto.randomUUID();
      // PX takes a positive whole number of milliseconds.
      const ttl = String(Math.max(1, Math.ceil(ttlMs)));
      const release = async () => {
        await run(UNLOCK, name, [token]);
      };
      for (let pause = FIRST_RETRY_MS; ; pause = Math.min(pause * 2, LONGEST_RETRY_MS)) {
        const taken = Number(await run(LOCK, name, [token, ttl])) === 1;
        if (signal?.aborted) {
          // Aborted while the SET was on its way: do not keep a lock nobody will release.
          if (taken) await release();
          throw signal.reason;
        }
        if (taken) return release;
        // Jitter, so waiters in many processes do not retry in lockstep.
        await delay(pause / 2 + Math.random() * (pause / 2), signal);
      }
    },
  };
}

/** A reply string (node-redis gives strings, or bytes under a type mapping); anything else is none. */
function text(reply: unknown): string | undefined {
  if (typeof reply === "string") return reply;
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
  return undefined;
}

/** A timer that rejects with the signal's reason and clears itself on abort. */
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
