/** Time, injectable so the polling schedule can be tested without waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; returns a handle for {@link clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer made by {@link setTimeout}. */
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1), for backoff jitter. */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

/** Node, browsers and Deno fire a timer longer than this at once: longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `ms`, or rejects with `signal.reason` as soon as it aborts, leaving no timer behind. */
export function sleep(delay: number, clock: Clock, signal?: AbortSignal): Promise<void> {
  // Timers count whole milliseconds and drop the fraction, which would wake a jittered wait (or
  // the one to the deadline) a hair early: round up instead.
  const ms = Math.ceil(delay);
  // The common case, kept to one timer and one closure: thousands of flows may be waiting.
  if (!signal && ms <= MAX_TIMER_MS) return new Promise((resolve) => void clock.setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let left = ms;
    let handle: unknown;
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const arm = () => {
      const step = Math.min(left, MAX_TIMER_MS);
      left -= step;
      handle = clock.setTimeout(() => {
        if (left > 0) return arm();
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, step);
    };
    arm();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
