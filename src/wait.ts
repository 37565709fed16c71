/**
 * The polling loop. It knows RFC 8628's timing rules and no provider: it only sees PollResults.
 */
import { pollingInterval } from "./authorization.ts";
import { sleep, systemClock, type Clock } from "./clock.ts";
import { ConfigurationError } from "./errors.ts";
import type { CallOptions } from "./http/transport.ts";
import { pollForToken } from "./poll.ts";
import type { Provider } from "./provider.ts";
import type { DeviceAuthorization, PollResult, TerminalResult } from "./result.ts";

/** Options of {@link waitForToken}: progress, cancellation, time source and backoff cap. */
export interface WaitOptions extends CallOptions {
  /**
   * Called after every poll with its result, for progress UIs. An exception it throws (or a
   * promise it rejects) is ignored, so a UI bug cannot lose a token.
   */
  onPoll?: (result: PollResult) => void;
  /** Time source and timers; the system's by default. */
  clock?: Clock;
  /** Longest wait after repeated retryable errors, in seconds (never below the interval). Default 60. */
  maxBackoff?: number;
}

// One shared default, so a flow started without options allocates none (it is never written).
const NO_OPTIONS: WaitOptions = {};

/**
 * Polls until the flow ends: resolves to `authorized`, `expired`, `denied`, `invalid_code`,
 * `already_used`, or an `error` that is not retryable. Rejects with `signal.reason` on abort,
 * leaving no timer or request behind. Never sends a request after `expiresAt`.
 * @see RFC 8628 §3.3, §3.5
 * @throws ConfigurationError (`invalid_option`) for an authorization without a finite `expiresAt`.
 */
export async function waitForToken(
  provider: Provider,
  authorization: DeviceAuthorization,
  options?: WaitOptions,
): Promise<TerminalResult> {
  // A waiting flow keeps this function's whole register file (8 bytes a register), thousands of
  // flows at once: so no default parameter (it copies every parameter), and what is only needed
  // between two waits is worked out in the helpers below rather than held here.
  options ??= NO_OPTIONS;
  // The deadline is what ends the loop; a hand-built authorization without one would poll forever.
  if (!Number.isFinite(authorization.expiresAt)) {
    throw new ConfigurationError(
      "invalid_option",
      "authorization.expiresAt must be a finite time in epoch milliseconds",
    );
  }
  // RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default" (a resumed or
  // hand-built authorization may lack a sane one too).
  let interval = pollingInterval(authorization.interval);
  let failures = 0;
  let retryAfter = 0;

  for (;;) {
    const delay = nextDelay(interval, failures, retryAfter, options);
    // RFC 8628 §3.2 expires_in: past it the codes are dead, so no request is sent after it.
    if (!(delay < msLeft(authorization, options))) {
      await pause(Math.max(msLeft(authorization, options), 0), options);
      return { status: "expired" };
    }
    await pause(delay, options);

    const result = await pollForToken(provider, { ...authorization, interval }, options);
    notify(options.onPoll, result);
    retryAfter = 0;
    switch (result.status) {
      case "pending":
        failures = 0;
        break;
      case "slow_down":
        // RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all
        // subsequent requests" (pollForToken computed it, with the server's own value if larger).
        // A custom provider's smaller or missing figure cannot undo the +5 s.
        failures = 0;
        interval = Math.max(interval + 5, pollingInterval(result.interval));
        break;
      case "error":
        // RFC 8628 §3.5: any error code other than pending/slow_down means "stop polling";
        // only transport-level trouble (5xx, 429, network) is worth another try.
        if (!result.retryable) return result;
        failures += 1;
        // A custom provider's NaN must not poison the delay (a 1 ms timer): it counts as none.
        retryAfter = Math.max(result.retryAfter ?? 0, 0) || 0;
        break;
      default:
        return result;
    }
  }
}

/**
 * RFC 8628 §3.5: the client waits `interval` seconds between requests; the first poll waits too.
 * §3.5 on connection timeouts: "clients MUST unilaterally reduce their polling frequency" —
 * doubling with jitter, never below the interval, back to it after a good answer; never shorter
 * than the server's Retry-After. Whole milliseconds, as timers count them: the deadline check
 * must see the real wait.
 */
function nextDelay(interval: number, failures: number, retryAfter: number, options: WaitOptions): number {
  const base = interval * 1000;
  // NaN would turn every backoff into a 1 ms timer, a tight loop: it counts as unset.
  const maxBackoff = (Number.isNaN(options.maxBackoff) ? 60 : (options.maxBackoff ?? 60)) * 1000;
  const delay = failures === 0 ? base : backoff(base, failures, maxBackoff, (options.clock ?? systemClock).random());
  return Math.ceil(Math.max(delay, retryAfter * 1000));
}

/** Milliseconds until the codes expire. */
const msLeft = (authorization: DeviceAuthorization, options: WaitOptions) =>
  authorization.expiresAt - (options.clock ?? systemClock).now();

const pause = (ms: number, options: WaitOptions) => sleep(ms, options.clock ?? systemClock, options.signal);

/** interval · 2^failures, capped, with "equal jitter" that never goes below the interval. */
function backoff(base: number, failures: number, cap: number, random: number): number {
  const ceiling = Math.min(base * 2 ** failures, Math.max(cap, base));
  return Math.max(base, ceiling / 2 + (ceiling / 2) * random);
}

function notify(onPoll: WaitOptions["onPoll"], result: PollResult): void {
  try {
    // An async callback's rejection would otherwise be unhandled, which ends a Node process.
    const returned: unknown = onPoll?.(result);
    if (returned instanceof Promise) returned.catch(() => {});
  } catch {
    // Deliberately ignored: see WaitOptions.onPoll.
  }
}
