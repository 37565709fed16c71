/**
 * Property: whatever a token endpoint answers (any status 200–599, any headers with garbage
 * Retry-After, any body), pollForToken resolves to exactly one union member of the right shape,
 * never throws, says `authorized` only for a valid token, and maps each status family as the
 * README documents. 10,000 generated answers per adapter, played back in memory.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pollForToken } from "../../src/poll.ts";
import type { PollResult } from "../../src/result.ts";
import { currentIntervalArb, replayFetch, tokenAnswerArb } from "../support/fuzz-answers.ts";
import {
  assertPollMatches,
  assertPollShape,
  expectPoll,
  isValidToken,
  received,
} from "../support/fuzz-oracles.ts";
import { ADAPTERS, handBuiltAuthorization, makeProvider } from "../support/fuzz-providers.ts";

const RUNS = 10_000;

/** Every member each dialect can produce; each must turn up, or the generators miss a branch. */
const REACHABLE: Record<string, PollResult["status"][]> = {
  rfc8628: ["authorized", "pending", "slow_down", "expired", "denied", "invalid_code", "error"],
  trakt: [
    "authorized",
    "pending",
    "slow_down",
    "expired",
    "denied",
    "invalid_code",
    "already_used",
    "error",
  ],
  transparenc: ["authorized", "pending", "slow_down", "expired", "denied", "invalid_code", "error"],
  fakts: ["authorized", "pending", "expired", "denied", "invalid_code", "error"],
};

describe.each(ADAPTERS)("%s: pollForToken against generated token-endpoint answers", (adapter) => {
  test(`${RUNS} answers: always a well-formed union member, mapped as documented`, async () => {
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

    const replay = replayFetch();
    const provider = makeProvider(adapter, { fetch: replay.fetch });

    await fc.assert(
      fc.asyncProperty(tokenAnswerArb(adapter), currentIntervalArb, async (answer, interval) => {
        replay.play(answer);
        // A rejection fails the property: pollForToken must never throw for a server's answer.
        const result = await pollForToken(provider, handBuiltAuthorization(interval));

        assertPollShape(result);
        if (result.status === "authorized") {
          // Checked on its own, against the spec's definition of a token: never authorized otherwise.
          expect(answer.status).toBe(200);
          expect(isValidToken(adapter, received(answer))).toBe(true);
        }
        assertPollMatches(adapter, result, expectPoll(adapter, answer), interval);

        bump(result.status);
        if (result.status === "error") bump(`error:${result.retryable ? "retryable" : "final"}`);
        if (answer.status >= 300 && answer.status < 400) bump("redirect");
        bump(`kind:${answer.kind}`);
      }),
      { numRuns: RUNS },
    );

    for (const status of REACHABLE[adapter] ?? [])
      expect(seen.get(status) ?? 0, status).toBeGreaterThanOrEqual(20);
    for (const key of [
      "error:retryable",
      "error:final",
      "redirect",
      "kind:deep-nesting",
      "kind:bytes",
      "kind:truncated-json",
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    }
    console.info(`${adapter}: ${RUNS} answers`, Object.fromEntries([...seen].sort()));
  });
});
