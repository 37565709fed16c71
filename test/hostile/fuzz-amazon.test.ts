/**
 * Property: whatever Login with Amazon's endpoints answer (any status 200–599, any headers,
 * RFC 6749 `{error}` bodies with Amazon's codes or any other, tokens with odd fields, garbage),
 * pollForToken resolves to one union member that keeps every issued token and maps the documented
 * codes as research/providers.md §9 says (LW2, LW5); startDeviceAuthorization resolves to a valid
 * authorization or rejects with a DeviceFlowError. 10,000 generated answers each, played back in
 * memory through an injected fetch.
 */
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, test } from "vitest";
import { vDeviceAuthorizationResponse } from "../../generated/amazon/valibot.gen.ts";
import { DeviceFlowError } from "../../src/errors.ts";
import { pollForToken } from "../../src/poll.ts";
import { amazon } from "../../src/providers/amazon.ts";
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

/** Login with Amazon's documented codes (LW2, LW5) and the RFC's, written out independently. */
const DOCUMENTED: Readonly<Record<string, PollResult["status"]>> = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  invalid_code_pair: "expired",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
  // Configuration errors: stop, and say what to fix.
  invalid_client: "error",
  unauthorized_client: "error",
};
const STOPS = ["invalid_request", "unsupported_grant_type", "invalid_scope"];

const amazonError = fc.record(
  {
    error: codeArb([...Object.keys(DOCUMENTED), ...STOPS]),
    error_description: fc.oneof(hostileText, wrongType),
  },
  { requiredKeys: ["error"] },
);

const codeOf = (body: unknown) => {
  const error = fieldOf(body, "error");
  return typeof error === "string" ? error : undefined;
};

describe("amazon: generated answers", () => {
  test(`pollForToken: ${RUNS} answers, each a well-formed union member mapped as documented`, async () => {
    const replay = replayFetch();
    const provider = amazon({ clientId: "amzn1.application-oa2-client.fuzz", fetch: replay.fetch });
    const seen = new Map<string, number>();
    const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

    await fc.assert(
      fc.asyncProperty(
        answerArb(tokenEndpointBody(amazonError)),
        currentIntervalArb,
        async (answer, interval) => {
          replay.play(answer);
          const result = await pollForToken(provider, authorizationFor(interval));
          assertPollContract(result, answer, interval);
          const code = codeOf(receivedJson(answer));
          assertMapping(result, answer, code, DOCUMENTED);
          // The configuration rows stop and always explain what to fix (a redirect is refused unread).
          const read = answer.status < 300 || answer.status >= 400;
          if (
            (code === "invalid_client" || code === "unauthorized_client") &&
            read &&
            result.status === "error" &&
            !result.retryable
          ) {
            expect(result.description).toMatch(
              code === "invalid_client" ? /clientId/ : /code-based linking/,
            );
          }
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
      "invalid_code",
      "error",
      "error:retryable",
      "error:final",
    ]) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(20);
    }
  });

  test(`startDeviceAuthorization: ${RUNS} answers, a valid authorization or a DeviceFlowError`, async () => {
    const replay = replayFetch();
    const provider = amazon({ clientId: "amzn1.application-oa2-client.fuzz", fetch: replay.fetch });
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
        arbitrary: amazonError.map((value) => ({ text: jsonText(value), kind: "oauth-error" })),
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
          outcome.value = await startDeviceAuthorization(provider, { scope: "profile" });
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
