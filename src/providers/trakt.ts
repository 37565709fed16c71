/**
 * Trakt: JSON bodies, and the poll's outcome in the HTTP status code.
 * @see https://trakt.docs.apiary.io/#reference/authentication-devices
 * @module device-flow-sdk/trakt
 */
import type { paths } from "../../generated/trakt/schema.ts";
import { fieldsOf, requireWholeSeconds, toDeviceAuthorization } from "../authorization.ts";
import { exchange, invalidResponse, unexpected } from "../http/answer.ts";
import { clientFor } from "../http/client.ts";
import { createTransport, type TransportOptions } from "../http/transport.ts";
import { classifyRefreshAnswer, startFailure } from "../oauth-answer.ts";
import { outcome, type Outcome } from "../outcome.ts";
import type { Provider } from "../provider.ts";
import type { PollResult } from "../result.ts";
import { classifyRevocationAnswer } from "../revocation-answer.ts";
import { authorized, hasAccessToken } from "../token.ts";

/** Options of {@link trakt}. */
export interface TraktOptions extends TransportOptions {
  /** The Trakt app's client id (also sent as `trakt-api-key`). */
  clientId: string;
  /** Trakt puts the secret in the JSON body of the token requests. */
  clientSecret: string;
  /** Default `https://auth.trakt.tv` (older clients use `https://api.trakt.tv`). */
  baseUrl?: string;
}

/** The mapping table: Trakt's HTTP status → union member (200 is the token). */
export const traktStatuses = {
  400: "pending",
  404: "invalid_code",
  409: "already_used",
  410: "expired",
  418: "denied",
  429: "slow_down",
} as const satisfies Readonly<Record<number, Outcome>>;

/**
 * A provider for Trakt's device authentication.
 * @see RFC 8628 (Trakt's dialect of it)
 */
export function trakt(options: TraktOptions): Provider {
  const transport = createTransport(options);
  const client = clientFor<paths>(transport, options.baseUrl ?? "https://auth.trakt.tv");
  const header = { "trakt-api-version": "2", "trakt-api-key": options.clientId } as const;

  return {
    name: "trakt",

    async requestDeviceAuthorization({ signal }) {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/oauth/device/code", {
            params: { header },
            body: { client_id: options.clientId },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [options.clientSecret],
      );
      if (answer.status !== 200) throw startFailure(answer);
      const fields = fieldsOf(answer.body);
      // Trakt's spec is stricter than the shared reader: whole seconds, and an interval always.
      requireWholeSeconds(fields, answer.status);
      return toDeviceAuthorization(
        {
          deviceCode: fields.device_code,
          userCode: fields.user_code,
          verificationUri: fields.verification_url,
          expiresIn: fields.expires_in,
          interval: fields.interval,
        },
        answer.status,
      );
    },

    async requestToken(authorization, { signal }): Promise<PollResult> {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/oauth/device/token", {
            params: { header },
            body: {
              code: authorization.deviceCode,
              client_id: options.clientId,
              client_secret: options.clientSecret,
            },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [options.clientSecret, authorization.deviceCode],
      );
      if (answer.status === 200) {
        return hasAccessToken(answer.body) ? authorized(answer.body) : invalidResponse(answer, "token response");
      }
      const row = Object.hasOwn(traktStatuses, answer.status)
        ? traktStatuses[answer.status as keyof typeof traktStatuses]
        : undefined;
      return row ? outcome(row, authorization.interval, answer) : unexpected(answer);
    },

    async refreshToken(refreshToken, { signal }) {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/oauth/token", {
            params: { header },
            body: {
              refresh_token: refreshToken,
              client_id: options.clientId,
              client_secret: options.clientSecret,
              redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
              grant_type: "refresh_token",
            },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [options.clientSecret, refreshToken],
      );
      return classifyRefreshAnswer(answer, refreshToken);
    },

    /**
     * `POST /oauth/revoke` with JSON `{ token, client_id, client_secret }`; 200 is revoked
     * (https://docs.trakt.tv/reference/postoauthrevoke). Trakt takes no `token_type_hint`.
     */
    async revokeToken(token, { signal }) {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/oauth/revoke", {
            params: { header },
            body: { token, client_id: options.clientId, client_secret: options.clientSecret },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [options.clientSecret, token],
      );
      return classifyRevocationAnswer(answer);
    },
  };
}
