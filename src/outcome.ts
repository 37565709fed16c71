/**
 * Builds the union member an adapter's table names. The one rule that needs arithmetic lives
 * here, so every provider applies it the same way.
 */
import { pollingInterval } from "./authorization.ts";
import { MAX_SERVER_WAIT_S, numberField, retryAfter, serverText, type Answer } from "./http/answer.ts";
import type { PollResult } from "./result.ts";

/** The non-token members of {@link PollResult} an adapter's table can name. */
export type Outcome = "pending" | "slow_down" | "expired" | "denied" | "invalid_code" | "already_used";

/** `askedSeconds`: a wait the server stated in its own way (DRF's "available in N seconds"). */
export function outcome(
  name: Outcome,
  interval: number,
  answer: Answer,
  description?: string,
  askedSeconds = 0,
): PollResult {
  if (name === "pending") return { status: "pending" };
  if (name === "slow_down") {
    // RFC 8628 §3.5 slow_down: "the interval MUST be increased by 5 seconds for this and all
    // subsequent requests"; a server that also says how long (a non-standard `interval`, or
    // `Retry-After`) gets the largest, capped at a day so it stays a finite timer.
    const asked = Math.max(numberField(answer.body, "interval") ?? 0, retryAfter(answer.headers) ?? 0, askedSeconds);
    return { status: "slow_down", interval: Math.max(pollingInterval(interval) + 5, Math.min(asked, MAX_SERVER_WAIT_S)) };
  }
  return description === undefined ? { status: name } : { status: name, description: serverText(answer, description) };
}
