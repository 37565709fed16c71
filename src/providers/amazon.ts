/**
 * Login with Amazon's code-based linking (CBL): RFC 6749 error bodies, but the code-pair request
 * carries `response_type=device_code`, the poll says `grant_type=device_code` and sends the
 * `user_code` with the `device_code`, and an expired pair is `invalid_code_pair`.
 * Facts and sources: research/providers.md §9 (LW1–LW6).
 * @see https://developer.amazon.com/docs/login-with-amazon/retrieve-token-other-platforms-cbl-docs.html
 * @module device-flow-sdk/amazon
 */
import type { components, paths } from "../../generated/amazon/schema.ts";
import { fieldsOf, toDeviceAuthorization } from "../authorization.ts";
import { exchange } from "../http/answer.ts";
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

/** Options of {@link amazon}. */
export interface AmazonOptions extends TransportOptions {
  /** The security profile's client id (`amzn1.application-oa2-client.…`). */
  clientId: string;
  /** Default `https://api.amazon.com`; tests point it at an imitation. */
  baseUrl?: string;
  /**
   * Alexa Voice Service devices: the code pair's `scope_data` (LW4), e.g.
   * `{ "alexa:all": { productID, productInstanceAttributes: { deviceSerialNumber } } }`; an object
   * is sent as its JSON, a string as it is.
   */
  scopeData?: string | Readonly<Record<string, unknown>>;
  /** Rows added to {@link amazonErrorCodes} or overriding it. */
  errorCodes?: ErrorCodeTable;
}

/** The mapping table: Login with Amazon's error code → union member. */
export const amazonErrorCodes = {
  authorization_pending: "pending", // LW2
  slow_down: "slow_down", // LW2, LW5
  invalid_code_pair: "expired", // LW2, LW5: expired or used pair, start again
  expired_token: "expired", // RFC 8628 §3.5
  access_denied: "denied", // RFC 8628 §3.5
  invalid_grant: "invalid_code", // LW2
  invalid_client: { fix: "check clientId: use the security profile's client id for other devices and platforms" },
  unauthorized_client: { fix: "enable code-based linking for this security profile (Other devices and platforms)" },
} as const satisfies ErrorCodeTable;

type TokenRequest = components["schemas"]["TokenRequest"];

/**
 * A provider for Login with Amazon on TVs, consoles and Alexa (AVS) devices.
 *
 * The poll also sends `client_id`, which LW2's request leaves out but RFC 8628 §3.4 asks of
 * public clients. Login with Amazon requires a `scope` at start (LW1: `profile`,
 * `profile:user_id`, `postal_code`, AVS `alexa:all`).
 * @see RFC 8628 §3.1, §3.4, §3.5 as Login with Amazon speaks them (research/providers.md §9)
 */
export function amazon(options: AmazonOptions): Provider {
  const transport = createTransport(options);
  const client = clientFor<paths>(transport, options.baseUrl ?? "https://api.amazon.com");
  const codes: ErrorCodeTable = { ...amazonErrorCodes, ...options.errorCodes };
  const scopeData =
    options.scopeData === undefined || typeof options.scopeData === "string"
      ? options.scopeData
      : JSON.stringify(options.scopeData);
  const postToken = (body: TokenRequest, secret: string, signal: AbortSignal | undefined) =>
    exchange(
      transport,
      (s) =>
        client.POST("/auth/o2/token", {
          body,
          ...formRequest,
          signal: s,
        }),
      signal,
      [secret],
    );

  return {
    name: "amazon",

    async requestDeviceAuthorization({ scope, signal }) {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/auth/o2/create/codepair", {
            // LW1 requires scope: without one the server refuses (invalid_request), as is its to say;
            // formBody leaves absent fields out.
            body: { response_type: "device_code", client_id: options.clientId, scope: scope as string, scope_data: scopeData },
            ...formRequest,
            signal: s,
          }),
        signal,
      );
      if (answer.status !== 200) throw startFailure(answer);
      const fields = fieldsOf(answer.body);
      return toDeviceAuthorization(
        {
          deviceCode: fields.device_code,
          userCode: fields.user_code,
          verificationUri: fields.verification_uri,
          expiresIn: fields.expires_in,
          // LW1's example says 30: whatever the server sends is kept (absent → 5 s, RFC 8628 §3.2).
          interval: fields.interval,
        },
        answer.status,
      );
    },

    async requestToken(authorization, { signal }) {
      // LW2: grant_type=device_code (no URN), and the user_code too.
      const answer = await postToken(
        {
          grant_type: "device_code",
          device_code: authorization.deviceCode,
          user_code: authorization.userCode,
          client_id: options.clientId,
        },
        authorization.deviceCode,
        signal,
      );
      return classifyTokenAnswer(answer, authorization.interval, codes);
    },

    async refreshToken(refreshToken, { signal }) {
      // RFC 6749 §6 with the client id, as LW4 refreshes; Login with Amazon takes no narrower scope.
      const answer = await postToken(
        { grant_type: "refresh_token", refresh_token: refreshToken, client_id: options.clientId },
        refreshToken,
        signal,
      );
      return classifyRefreshAnswer(answer, refreshToken);
    },
  };
}
