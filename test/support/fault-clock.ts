/**
 * Clocks for the hostile tests.
 *
 * - `virtualClock`: time jumps from timer to timer, so hours of polling run in milliseconds. Its
 *   timers follow Node's rule for odd delays (NaN, negative, below 1 or above 2^31-1 ms fire after
 *   1 ms), so a loop that hands a timer such a delay shows up as the tight loop it would be.
 * - `scaledClock`: real timers, real sockets, but every second lasts `1000 / scale` ms. Its timers
 *   never fire before their virtual due time, so "never sooner than the interval" holds exactly
 *   when measured with its `now()`.
 */
import type { Clock } from "../../src/clock.ts";

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface VirtualClock extends Clock {
  /** Every delay the code under test asked for, as asked. */
  readonly requested: number[];
}

export function virtualClock(
  options: { start?: number; random?: () => number } = {},
): VirtualClock {
  let now = options.start ?? Date.UTC(2030, 0, 1);
  let seq = 0;
  let scheduled = false;
  const queue: { at: number; seq: number; callback: () => void }[] = [];
  const requested: number[] = [];

  const run = () => {
    scheduled = false;
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = queue.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.callback();
    if (queue.length) schedule();
  };
  // setImmediate lets the code under test run its promises (an in-memory fetch) first.
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };

  return {
    requested,
    now: () => now,
    setTimeout(callback, ms) {
      requested.push(ms);
      const delay = ms >= 1 && ms <= MAX_TIMER_MS ? ms : 1;
      const timer = { at: now + delay, seq: seq++, callback };
      queue.push(timer);
      schedule();
      return timer;
    },
    clearTimeout(handle) {
      const index = queue.indexOf(handle as (typeof queue)[number]);
      if (index >= 0) queue.splice(index, 1);
    },
    random: options.random ?? (() => 0.5),
  };
}

export interface ScaledClock extends Clock {
  readonly scale: number;
  /** Virtual milliseconds elapsed since the clock was made. */
  elapsed(): number;
}

/** Real time sped up `scale` times; `now()` starts at the real Date.now(). */
export function scaledClock(scale: number, random: () => number = () => 0.5): ScaledClock {
  const epoch = Date.now();
  const start = performance.now();
  const now = () => epoch + (performance.now() - start) * scale;
  return {
    scale,
    now,
    elapsed: () => now() - epoch,
    setTimeout(callback, ms) {
      const due = now() + (Number.isFinite(ms) && ms > 0 ? ms : 0);
      const handle: { timer?: ReturnType<typeof setTimeout> } = {};
      const arm = () => {
        const wait = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil((due - now()) / scale)));
        handle.timer = setTimeout(() => (now() >= due ? callback() : arm()), wait);
      };
      arm();
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout((handle as { timer?: ReturnType<typeof setTimeout> }).timer);
    },
    random,
  };
}
