/**
 * Property: whatever Twitch's endpoints answer (any status 200–599, any headers, Twitch's own
 * `{status, message}` bodies with any code, tokens with odd fields, garbage), pollForToken resolves
 * to one union member that keeps every issued token and maps Twitch's documented messages as
 * research/providers.md §8 says (TW3, TW4); startDeviceAuthorization resolves to a valid
 * authorization or rejects with a DeviceFlowError. 10,000 generated answers each, played back
 * in memory through an injected fetch.
 */
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import { vDeviceAuthorizationResponse } from "../../generated/twitch/valibot.gen.ts";
import { DeviceFlowError } from "../../src/errors.ts";
import { pollForToken } from "../../src/poll.ts";
import { twitch } from "../../src/providers/twitch.ts";
import type { DeviceAuthorization, PollResult } from "../../src/result.ts";
import { startDeviceAuthorization } from "../../src/start.ts";
import { currentIntervalArb, jsonText, replayFetch } from "../support/fuzz-answers.ts";
import { received } from "../support/fuzz-oracles.ts";
import {
  answerArb,
  assertMapping,
  assertPollContract,
  assertStartContract,
  authorizationBody,
  authorizationFor,
  codeArb,
  fieldOf,
  garbageBody,
  hostileText,
  isWellFormedAuthorization,
  mostly200,
  receivedJson,
  tokenEndpointBody,
  wrongType,
} from "./fuzz-dialects.ts";

const RUNS = 10_000;

/** Twitch's documented messages (TW3, TW4; `access_denied` assumed), written out independently. */
const DOCUMENTED: Readonly<Record<string, PollResult["status"]>> = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  "invalid device code": "expired",
  access_denied: "denied",
};

/** `{"status":400,"message":…}`, sometimes with the reason phrase in `error`, or without `message`. */
const twitchError = fc.record(
  {
    status: fc.oneof(fc.constantFrom(400, 401, 403, 429, 500), wrongType),
    message: codeArb([...Object.keys(DOCUMENTED), "missing client id", "invalid client"]),
    error: fc.oneof(fc.constantFrom("Bad Request", "Unauthorized"), hostileText, wrongType),
  },
  { requiredKeys: ["status"] },
);

/** Twitch's code: `message` when it is a string, else `error` (a reason phrase, never a table row). */
function codeOf(body: unknown): string | undefined {
  const message = fieldOf(body, "message");
  if (typeof message === "string") return message;
  const error = fieldOf(body, "error");
  return typeof error === "string" ? error : undefined;
}

describe("twitch: generated answers", () => {
  test(`pollForToken: ${RUNS} answers, each a well-formed union member mapped as documented`, async () => {
    const replay = replayFetch();
    const provider = twitch({ clientId: "fuzz-twitch", fetch: replay.fetch });
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(
        answerArb(tokenEndpointBody(twitchError)),
        currentIntervalArb,
        async (answer, interval) => {
          replay.play(answer);
          // A rejection fails the property: a poll never throws for what a server sends.
          const result = await pollForToken(provider, authorizationFor(interval));
          assertPollContract(result, answer, interval);
          assertMapping(result, answer, codeOf(receivedJson(answer)), DOCUMENTED);
          bump(result.status);
          if (result.status === "error") bump(`error:${result.retryable ? "retryable" : "final"}`);
        },
      ),
      { numRuns: RUNS },
    );

    for (const key of [
      "authorized",
      "pending",
      "slow_down",
      "expired",
      "denied",
      "error",
      "error:retryable",
      "error:final",
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    }
  });

  test(`startDeviceAuthorization: ${RUNS} answers, a valid authorization or a DeviceFlowError`, async () => {
    const replay = replayFetch();
    const provider = twitch({ clientId: "fuzz-twitch", fetch: replay.fetch });
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    const body = fc.oneof(
      {
        arbitrary: authorizationBody.map((value) => ({
          text: jsonText(value),
          kind: "authorization",
        })),
        weight: 6,
      },
      {
        arbitrary: twitchError.map((value) => ({ text: jsonText(value), kind: "twitch-error" })),
        weight: 2,
      },
      { arbitrary: garbageBody, weight: 2 },
    );

    await fc.assert(
      fc.asyncProperty(answerArb(body, mostly200), async (answer) => {
        replay.play(answer);
        const outcome: { value?: DeviceAuthorization; error?: unknown } = {};
        const before = Date.now();
        try {
          outcome.value = await startDeviceAuthorization(provider, { scope: "user:read:email" });
        } catch (error) {
          outcome.error = error;
        }
        assertStartContract(outcome, answer, (error) => error instanceof DeviceFlowError, {
          before,
          after: Date.now(),
        });
        // The spec is the source of truth: an authorization comes only from a body it accepts
        // (the validator `npm run generate` makes from it), however the adapter reads it.
        if (outcome.value) {
          const issues = v.safeParse(vDeviceAuthorizationResponse, received(answer)).issues;
          expect(issues, `the spec refuses it: ${issues?.[0]?.message}`).toBeUndefined();
        }
        bump(outcome.value ? "authorization" : `error:${(outcome.error as Error).name}`);
        if (isWellFormedAuthorization(answer)) bump("well-formed");
      }),
      { numRuns: RUNS },
    );

    for (const key of ["authorization", "well-formed", "error:ResponseError", "error:OAuthError"]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(100);
    }
  });
});
