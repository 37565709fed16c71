/**
 * What the wait looks like. On a terminal: one line redrawn in place every second with the
 * state and a countdown to expiry. Otherwise: a line when the state changes, nothing per poll.
 * Fed by waitForToken's `onPoll`; the core itself never prints.
 */
import type { DeviceAuthorization, PollResult } from "../index.ts";
import { sanitize } from "./sanitize.ts";
import type { Terminal } from "./terminal.ts";

export interface Progress {
  /** For waitForToken's `onPoll`. */
  update(result: PollResult): void;
  /** Stops the ticker and clears the live line. Safe to call twice. */
  stop(): void;
}

type State =
  { kind: "waiting" } | { kind: "slow"; interval: number } | { kind: "retrying"; reason: string };

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function startProgress(
  term: Terminal,
  authorization: DeviceAuthorization,
  now: () => number = Date.now,
): Progress {
  let state: State = { kind: "waiting" };
  let frame = 0;
  let drawn = 0; // characters on the live line, to blank it out with spaces (no escape needed)

  const describe = (): string => {
    switch (state.kind) {
      case "waiting":
        return "Waiting for approval";
      case "slow":
        return `Server asked to slow down: polling every ${state.interval} s`;
      case "retrying":
        return `Temporary problem (${state.reason}), retrying`;
    }
  };

  const draw = () => {
    const left = countdown(authorization.expiresAt - now());
    const spinner = term.color ? `${SPINNER[frame++ % SPINNER.length]} ` : "";
    let text = `${spinner}${describe()} · code expires in ${left}`;
    const max = term.columns - 1; // a wrapped line could not be redrawn in place
    if ([...text].length > max) text = `${[...text].slice(0, max - 1).join("")}…`;
    const width = [...text].length;
    term.write(`\r${term.dim(text)}${" ".repeat(Math.max(drawn - width, 0))}`);
    drawn = width;
  };

  let ticker: ReturnType<typeof setInterval> | undefined;
  if (term.interactive) {
    draw();
    ticker = setInterval(draw, 1000);
  } else {
    term.line(
      `Waiting for approval (the code expires in ${countdown(authorization.expiresAt - now())})...`,
    );
  }

  return {
    update(result) {
      const next = stateAfter(result, state);
      const changed = JSON.stringify(next) !== JSON.stringify(state);
      state = next;
      if (term.interactive) draw();
      else if (changed) term.line(`${describe()}.`);
    },
    stop() {
      if (ticker === undefined) return;
      clearInterval(ticker);
      ticker = undefined;
      term.write(`\r${" ".repeat(drawn)}\r`);
    },
  };
}

function stateAfter(result: PollResult, previous: State): State {
  switch (result.status) {
    case "pending":
      // A server that slowed us down keeps that pace (RFC 8628 §3.5): still worth showing.
      return previous.kind === "slow" ? previous : { kind: "waiting" };
    case "slow_down":
      return { kind: "slow", interval: result.interval };
    case "error":
      // A retryable error is retried (RFC 8628 §3.5 backoff); any other ends the wait.
      if (!result.retryable) return previous;
      return {
        kind: "retrying",
        reason: sanitize(
          result.httpStatus ? `${result.error}, HTTP ${result.httpStatus}` : result.error,
          80,
        ),
      };
    default:
      return previous;
  }
}

/** `m:ss`, or `h:mm:ss` from an hour up; never negative. */
export function countdown(ms: number): string {
  const total = Math.max(Math.ceil(ms / 1000), 0);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}
