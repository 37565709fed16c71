/**
 * Property: whatever a token endpoint answers (any status 200–599, any headers with garbage
 * Retry-After, any body: JSON, form-urlencoded, text, bytes), pollForToken resolves to exactly
 * one union member and every law of the contract holds (test/support/fuzz-oracles.ts: RFC 8628
 * §3.5, RFC 6749 §5.1/§5.2 and the README, written independently of src/). 10,000 generated
 * answers per adapter, played back in memory.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pollForToken } from "../../src/poll.ts";
import { currentIntervalArb, replayFetch, tokenAnswerArb } from "../support/fuzz-answers.ts";
import { checkPollLaws, received } from "../support/fuzz-oracles.ts";
import {
  ADAPTERS,
  FUZZ_CLIENT_SECRET,
  FUZZ_DEVICE_CODE,
  handBuiltAuthorization,
  makeProvider,
} from "../support/fuzz-providers.ts";
import type { PollResult } from "../../src/result.ts";

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
  test(`${RUNS} answers: a union member, and every law of the contract holds`, async () => {
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    const replay = replayFetch();
    const provider = makeProvider(adapter, { fetch: replay.fetch });
    const secrets =
      adapter === "fakts" || adapter === "transparenc"
        ? [FUZZ_DEVICE_CODE]
        : [FUZZ_CLIENT_SECRET, FUZZ_DEVICE_CODE];

    await fc.assert(
      fc.asyncProperty(tokenAnswerArb(adapter), currentIntervalArb, async (answer, interval) => {
        replay.play(answer);
        const before = Date.now();
        // A rejection fails the property: pollForToken must never throw for a server's answer.
        const result = await pollForToken(provider, handBuiltAuthorization(interval));
        const after = Date.now();
        checkPollLaws({
          adapter,
          answer,
          body: received(answer),
          result,
          interval,
          window: { before, after },
          secrets,
        });

        bump(result.status);
        if (result.status === "error") bump(`error:${result.retryable ? "retryable" : "final"}`);
        if (result.status === "error" && result.error === "invalid_response")
          bump("invalid_response");
        if (answer.status >= 300 && answer.status < 400) bump("redirect");
        bump(`kind:${answer.kind}`);
        if (result.status === "authorized" && answer.kind === "lenient-token")
          bump("authorized:lenient");
        if (result.status === "authorized" && answer.kind === "form") bump("authorized:form");
      }),
      { numRuns: RUNS },
    );

    for (const status of REACHABLE[adapter] ?? [])
      expect(seen.get(status) ?? 0, status).toBeGreaterThanOrEqual(20);
    const needed = [
      "error:retryable",
      "error:final",
      "invalid_response",
      "redirect",
      "kind:deep-nesting",
      "kind:bytes",
      "kind:truncated-json",
      "kind:form",
    ];
    if (adapter !== "fakts") needed.push("authorized:lenient", "authorized:form");
    for (const key of needed) expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    console.info(`${adapter}: ${RUNS} answers`, Object.fromEntries([...seen].sort()));
  });
});
