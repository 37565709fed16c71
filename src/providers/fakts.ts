/**
 * fakts (arkitekt): a start/challenge protocol where every answer is HTTP 200 and the outcome is
 * the body's `status`. Its own client loops forever on denied/expired/error; here each one ends.
 * @module device-flow-sdk/fakts
 */
import type { components, paths } from "../../generated/fakts/schema.ts";
import { fieldsOf, isText, toDeviceAuthorization } from "../authorization.ts";
import { OAuthError, ResponseError } from "../errors.ts";
import { exchange, invalidResponse, serverText, unexpected } from "../http/answer.ts";
import { clientFor } from "../http/client.ts";
import { createTransport, type TransportOptions } from "../http/transport.ts";
import { startFailure } from "../oauth-answer.ts";
import { outcome, type Outcome } from "../outcome.ts";
import type { Provider } from "../provider.ts";
import type { PollResult } from "../result.ts";
import { authorized } from "../token.ts";

/** What the app tells fakts about itself: at least `identifier` and `version` (fakts' `Manifest`). */
export type FaktsManifest = components["schemas"]["Manifest"];
/** The kind of client fakts should create: `development`, `website` or `desktop`. */
export type FaktsClientKind = components["schemas"]["ClientKind"];

/** Options of {@link fakts}. */
export interface FaktsOptions extends TransportOptions {
  /** The fakts endpoint, e.g. `https://arkitekt.example.org/f/`. */
  baseUrl: string;
  /** What the app is: at least `identifier` and `version`. */
  manifest: FaktsManifest;
  /** Default `development` (the client belongs to the user). */
  requestedClientKind?: FaktsClientKind;
  /** How long the code lives, in seconds. Default 300. */
  expirationTimeSeconds?: number;
  /** For `desktop` clients. */
  redirectUris?: string[];
  /** Seconds between challenges. Default 1, fakts' own client's pace (fakts sends none). */
  interval?: number;
}

/** The mapping table: challenge `status` → union member (`granted` is the token). */
export const faktsStatuses = {
  pending: "pending",
  denied: "denied",
  expired: "expired",
  // fakts answers `error` once a code is unknown, e.g. after a denied or expired one is deleted.
  error: "invalid_code",
} as const satisfies Readonly<Record<string, Outcome>>;

/**
 * A provider for a fakts server's device-code grant.
 * @see RFC 8628 (fakts' own dialect of the same flow)
 */
export function fakts(options: FaktsOptions): Provider {
  const transport = createTransport(options);
  const client = clientFor<paths>(transport, options.baseUrl);
  const base = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
  const expiresIn = options.expirationTimeSeconds ?? 300;

  return {
    name: "fakts",

    async requestDeviceAuthorization({ scope, signal }) {
      const scopes = scope ? scope.split(" ").filter(Boolean) : undefined;
      const manifest = scopes ? { ...options.manifest, scopes } : options.manifest;
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/start/", {
            body: {
              manifest,
              expiration_time_seconds: expiresIn,
              redirect_uris: options.redirectUris ?? [],
              requested_client_kind: options.requestedClientKind ?? "development",
            },
            parseAs: "text",
            signal: s,
          }),
        signal,
      );
      if (answer.status !== 200) throw startFailure(answer);
      // The spec's StartResponse: {status: "granted", code} or {status: "error", error}.
      const start = fieldsOf(answer.body);
      if (start.status === "error" && typeof start.error === "string") {
        throw new OAuthError("start_refused", serverText(answer, start.error), 200);
      }
      if (start.status !== "granted" || !isText(start.code)) {
        throw new ResponseError("invalid_response", "device authorization: neither a granted code nor an error", 200);
      }
      const code = encodeURIComponent(start.code);
      return toDeviceAuthorization({
        deviceCode: start.code,
        userCode: start.code,
        verificationUri: `${base}configure/`,
        verificationUriComplete: `${base}configure/?device_code=${code}&grant=device_code`,
        expiresIn,
        interval: options.interval ?? 1,
      });
    },

    async requestToken(authorization, { signal }): Promise<PollResult> {
      const answer = await exchange(
        transport,
        (s) => client.POST("/challenge/", { body: { code: authorization.deviceCode }, parseAs: "text", signal: s }),
        signal,
        [authorization.deviceCode],
      );
      if (answer.status !== 200) return unexpected(answer);
      // The spec's ChallengeResponse: granted carries a token, error its text, the others an
      // optional message.
      const challenge = fieldsOf(answer.body);
      const { status } = challenge;
      if (status === "granted" && isText(challenge.token)) {
        const result = authorized({ access_token: challenge.token, token_type: "fakts" });
        result.token.raw = { ...challenge };
        return result;
      }
      const said = status === "error" ? challenge.error : challenge.message;
      const row =
        typeof status === "string" && Object.hasOwn(faktsStatuses, status)
          ? faktsStatuses[status as keyof typeof faktsStatuses]
          : undefined;
      if (row && (typeof said === "string" || (said === undefined && status !== "error"))) {
        return outcome(row, authorization.interval, answer, said);
      }
      return invalidResponse(answer, "challenge response");
    },

    async refreshToken() {
      return {
        status: "error",
        error: "unsupported_grant_type",
        description: "fakts issues no refresh tokens",
        retryable: false,
      };
    },
  };
}

