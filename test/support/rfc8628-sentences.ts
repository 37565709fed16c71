/**
 * RFC 8628 §3.5's error codes (and RFC 6749 §5.2's invalid_grant), each with the RFC's own
 * sentence and what that sentence makes the client do. Tests drive each code through
 * waitForToken and check the behaviour the sentence implies, instead of comparing an adapter's
 * table with a copy of itself.
 */
import { expect } from "vitest";
import { waitForToken, type PollResult, type Provider } from "../../src/index.ts";
import { json, scriptedFetch, type ScriptedFetch } from "./fake-fetch.ts";
import { virtualClock } from "./fault-clock.ts";

export interface Sentence {
  code: string;
  /** Quoted from the RFC. */
  text: string;
  /** The union member the sentence describes. */
  member: PollResult["status"];
  /** Whether the sentence says to keep polling. */
  continues: boolean;
}

export const RFC_SENTENCES: readonly Sentence[] = [
  {
    code: "authorization_pending",
    text: "The authorization request is still pending as the end user hasn't yet completed the user-interaction steps (Section 3.3). The client SHOULD repeat the access token request to the token endpoint (a process known as polling).",
    member: "pending",
    continues: true,
  },
  {
    code: "slow_down",
    text: 'A variant of "authorization_pending", the authorization request is still pending and polling should continue, but the interval MUST be increased by 5 seconds for this and all subsequent requests.',
    member: "slow_down",
    continues: true,
  },
  {
    code: "access_denied",
    text: "The authorization request was denied.",
    member: "denied",
    continues: false,
  },
  {
    code: "expired_token",
    text: 'The "device_code" has expired, and the device authorization session has concluded. The client MAY commence a new device authorization request but SHOULD wait for user interaction before restarting to avoid unnecessary polling.',
    member: "expired",
    continues: false,
  },
  {
    // RFC 6749 §5.2, which RFC 8628 §3.5 builds on.
    code: "invalid_grant",
    text: "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
    member: "invalid_code",
    continues: false,
  },
];

/** RFC 8628 §3.5: "If the client receives an error response with any other error code, it MUST stop polling". */
export const OTHER_CODES = [
  "invalid_client",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_request",
  "made_up_code",
];

const INTERVAL_S = 5;

/**
 * Runs waitForToken against a server that answers `code` (HTTP 400) and then a token, on a
 * virtual clock, and checks what the sentence implies: polling goes on (with +5 s for
 * slow_down) to the token, or it stops at once with the sentence's member.
 */
export async function expectSentenceObeyed(
  make: (fake: ScriptedFetch) => Provider,
  sentence: Pick<Sentence, "code" | "member" | "continues">,
): Promise<void> {
  const clock = virtualClock();
  const fake = scriptedFetch(
    [json(400, { error: sentence.code }), json(200, { access_token: "at", token_type: "Bearer" })],
    { clock },
  );
  const start = clock.now();
  const seen: PollResult[] = [];
  const end = await waitForToken(
    make(fake),
    {
      deviceCode: "dc",
      userCode: "ABCD-EFGH",
      verificationUri: "https://as.example/device",
      expiresIn: 600,
      interval: INTERVAL_S,
      expiresAt: start + 600_000,
    },
    { clock, onPoll: (result) => seen.push(result) },
  );
  expect(seen[0]?.status).toBe(sentence.member);
  if (sentence.continues) {
    expect(end.status).toBe("authorized");
    expect(fake.requests).toHaveLength(2);
    const gap = (fake.requests[1]?.at ?? 0) - (fake.requests[0]?.at ?? 0);
    const expected = (sentence.member === "slow_down" ? INTERVAL_S + 5 : INTERVAL_S) * 1000;
    expect(gap).toBeGreaterThanOrEqual(expected);
    if (sentence.member === "slow_down")
      expect(seen[0]).toEqual({ status: "slow_down", interval: INTERVAL_S + 5 });
  } else {
    expect(end.status).toBe(sentence.member);
    expect(fake.requests).toHaveLength(1);
    if (sentence.member === "error")
      expect(end).toMatchObject({ retryable: false, error: sentence.code });
  }
}
