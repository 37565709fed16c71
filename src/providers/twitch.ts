/**
 * Twitch: RFC 8628 nearly, but the device request says `scopes` (plural) and every error puts its
 * code in `message` (`{"status":400,"message":"authorization_pending"}`), with no `error` field.
 * Facts and sources: research/providers.md §8 (TW1–TW4).
 * @see https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#device-code-grant-flow
 * @module device-flow-sdk/twitch
 */
import type { components, paths } from "../../generated/twitch/schema.ts";
import { fieldsOf, toDeviceAuthorization } from "../authorization.ts";
import { exchange, field, type Answer } from "../http/answer.ts";
import { clientFor } from "../http/client.ts";
import { formRequest } from "../http/form.ts";
import { createTransport, type TransportOptions } from "../http/transport.ts";
import {
  classifyRefreshAnswer,
  classifyTokenAnswer,
  startFailure,
  type ErrorCodeTable,
} from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";

/** Options of {@link twitch}. */
export interface TwitchOptions extends TransportOptions {
  /** The app's client id (a public client: the device flow sends no secret). */
  clientId: string;
  /** Default `https://id.twitch.tv`; tests point it at an imitation. */
  baseUrl?: string;
  /** Rows added to {@link twitchErrorCodes} or overriding it, keyed by Twitch's `message`. */
  errorCodes?: ErrorCodeTable;
}

/** The mapping table: Twitch's error `message` → union member. */
export const twitchErrorCodes = {
  authorization_pending: "pending", // TW3, TW4
  slow_down: "slow_down", // TW3, TW4
  // Expired and already-used codes read alike (TW4: fs:57412574373); either way, start again.
  "invalid device code": "expired",
  // Unconfirmed: no source shows Twitch's denial; it uses the RFC's words for the codes above.
  access_denied: "denied",
} as const satisfies ErrorCodeTable;

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
type TokenRequest = components["schemas"]["TokenRequest"];

/** Twitch's error code is its `message` (TW3, TW4); `error`, when present, is only a reason phrase. */
const twitchCode = (answer: Answer) => field(answer.body, "message") ?? field(answer.body, "error");

/**
 * A provider for Twitch's device code grant flow.
 *
 * The poll sends `client_id`, `device_code` and `grant_type` only: a saved authorization is plain
 * JSON with no room for the scopes asked at start, and Twitch keeps them with the device code (a
 * client that polls without `scopes` works: TW4, fs:65846608464), so a resumed flow polls exactly
 * like the one that started it.
 * @see RFC 8628 §3.1, §3.4, §3.5 as Twitch speaks them (research/providers.md §8)
 * @see https://dev.twitch.tv/docs/authentication/refresh-tokens (refresh, TW2)
 */
export function twitch(options: TwitchOptions): Provider {
  const transport = createTransport(options);
  const client = clientFor<paths>(transport, options.baseUrl ?? "https://id.twitch.tv");
  const codes: ErrorCodeTable = { ...twitchErrorCodes, ...options.errorCodes };
  const postToken = (body: TokenRequest, secret: string, signal: AbortSignal | undefined) =>
    exchange(
      transport,
      (s) =>
        client.POST("/oauth2/token", {
          body,
          ...formRequest,
          signal: s,
        }),
      signal,
      [secret],
    );

  return {
    name: "twitch",

    async requestDeviceAuthorization({ scope, signal }) {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/oauth2/device", {
            // `scopes`, plural (TW4: fs:65846608464, fs:55118296529).
            body: { client_id: options.clientId, scopes: scope },
            ...formRequest,
            signal: s,
          }),
        signal,
      );
      if (answer.status !== 200) throw startFailure(answer, twitchCode(answer));
      const fields = fieldsOf(answer.body);
      // No verification_uri_complete: verification_uri already carries the code (TW4).
      return toDeviceAuthorization(
        {
          deviceCode: fields.device_code,
          userCode: fields.user_code,
          verificationUri: fields.verification_uri,
          expiresIn: fields.expires_in,
          interval: fields.interval,
        },
        answer.status,
      );
    },

    async requestToken(authorization, { signal }) {
      const answer = await postToken(
        { client_id: options.clientId, device_code: authorization.deviceCode, grant_type: DEVICE_CODE_GRANT },
        authorization.deviceCode,
        signal,
      );
      // A success's array `scope` and lowercase `bearer` are normalised by the core (TW2).
      return classifyTokenAnswer(answer, authorization.interval, codes, { code: twitchCode });
    },

    async refreshToken(refreshToken, { signal }) {
      // TW2: client_id, grant_type, refresh_token (public clients send no secret). Twitch's
      // refresh takes no scope, so a narrower one is not asked for.
      const answer = await postToken(
        { client_id: options.clientId, grant_type: "refresh_token", refresh_token: refreshToken },
        refreshToken,
        signal,
      );
      return classifyRefreshAnswer(answer, refreshToken, { code: twitchCode });
    },
  };
}
