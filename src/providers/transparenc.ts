/**
 * Transparenc-style servers (Django REST framework): form-urlencoded requests carrying the
 * device's type and OS, OAuth error codes, plus DRF's own `{detail}` and field-error bodies.
 * @module device-flow-sdk/transparenc
 */
import type { paths } from "../../generated/transparenc/schema.ts";
import { fieldsOf, requireWholeSeconds, toDeviceAuthorization } from "../authorization.ts";
import { exchange, field, unexpected, type Answer } from "../http/answer.ts";
import { clientFor } from "../http/client.ts";
import { formRequest } from "../http/form.ts";
import { createTransport, type TransportOptions } from "../http/transport.ts";
import {
  classifyRefreshAnswer,
  classifyTokenAnswer,
  startFailure,
  type ErrorCodeTable,
} from "../oauth-answer.ts";
import { outcome } from "../outcome.ts";
import type { Provider } from "../provider.ts";
import type { PollError, PollResult } from "../result.ts";

/** Options of {@link transparenc}. */
export interface TransparencOptions extends TransportOptions {
  /** The server's origin, e.g. `https://transparenc.example.org`; paths are the spec's. */
  baseUrl: string;
  /** The OAuth client identifier. */
  clientId: string;
  /** e.g. `tv`, `desktop`, `kiosk`. */
  deviceType: string;
  /** e.g. `linux`, `android`. */
  deviceOs: string;
  /**
   * The token path. Default `/api/v1/oauth/token/`, which the provider's own clients use because
   * Django's APPEND_SLASH redirect drops a POST body; the documented path has no slash.
   */
  tokenPath?: "/api/v1/oauth/token/" | "/api/v1/oauth/token";
  /** Where to send the user when the server's `verification_uri` is empty. */
  verificationUri?: string;
}

/** The mapping table: OAuth error code → union member (as RFC 8628 §3.5). */
export const transparencErrorCodes = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
} as const satisfies ErrorCodeTable;

/** DRF's 429 body: "Request was throttled. Expected available in N seconds." */
const THROTTLE_SECONDS = /available in (\d+) second/;
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * A provider for a Transparenc-style Django REST framework server.
 * @see RFC 8628 §3.1, §3.4, §3.5 (as this server dialect speaks them)
 */
export function transparenc(options: TransparencOptions): Provider {
  const transport = createTransport(options);
  const client = clientFor<paths>(transport, options.baseUrl);
  const tokenPath = options.tokenPath ?? "/api/v1/oauth/token/";
  const postToken = (body: Record<string, string | undefined>, secret: string, signal?: AbortSignal) =>
    exchange(
      transport,
      (s) =>
        client.POST(tokenPath, {
          body: { grant_type: DEVICE_CODE_GRANT, client_id: options.clientId, ...body },
          ...formRequest,
          signal: s,
        }),
      signal,
      [secret],
    );

  return {
    name: "transparenc",

    async requestDeviceAuthorization({ scope, signal }) {
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/api/v1/oauth/device-authorization/", {
            body: {
              client_id: options.clientId,
              device_type: options.deviceType,
              device_os: options.deviceOs,
              scope,
            },
            ...formRequest,
            signal: s,
          }),
        signal,
      );
      if (answer.status !== 200) throw startFailure(answer);
      const fields = fieldsOf(answer.body);
      // The server's spec is stricter than the shared reader: whole seconds, and an interval always.
      requireWholeSeconds(fields, answer.status);
      return toDeviceAuthorization(
        {
          deviceCode: fields.device_code,
          userCode: fields.user_code,
          // The server sometimes sends "": fall back to the caller's.
          verificationUri: fields.verification_uri === "" ? options.verificationUri : fields.verification_uri,
          expiresIn: fields.expires_in,
          interval: fields.interval,
        },
        answer.status,
      );
    },

    async requestToken(authorization, { signal }): Promise<PollResult> {
      const answer = await postToken({ device_code: authorization.deviceCode }, authorization.deviceCode, signal);
      return classifyDrf(answer, authorization.interval) ??
        classifyTokenAnswer(answer, authorization.interval, transparencErrorCodes);
    },

    async refreshToken(refreshToken, { signal }) {
      const answer = await postToken({ grant_type: "refresh_token", refresh_token: refreshToken }, refreshToken, signal);
      return drfError(answer) ?? classifyRefreshAnswer(answer, refreshToken);
    },
  };
}

/**
 * DRF's rows, for bodies without an OAuth `error`: throttling (429) is a slow_down that honours
 * `Retry-After` or the seconds in `detail`; `{detail}` and `{field: [messages]}` stop polling.
 */
function classifyDrf(answer: Answer, interval: number): PollResult | undefined {
  if (answer.status !== 429) return drfError(answer);
  const seconds = Number(field(answer.body, "detail")?.match(THROTTLE_SECONDS)?.[1] ?? 0);
  return outcome("slow_down", interval, answer, undefined, seconds);
}

/** A 4xx DRF body (`{detail}` or field errors) as a non-retryable error; undefined otherwise. */
function drfError(answer: Answer): PollError | undefined {
  const { status, body } = answer;
  if (status < 400 || status >= 500 || status === 429 || field(body, "error") !== undefined) return undefined;
  const detail = field(body, "detail");
  if (detail !== undefined) {
    return unexpected(answer, status === 415 ? "unsupported_media_type" : "invalid_request", detail);
  }
  const fieldErrors = describeFieldErrors(body);
  return fieldErrors ? unexpected(answer, "invalid_request", fieldErrors) : undefined;
}

/** DRF's `{field: ["message", …]}`; only string messages are read (String() of a nest recurses). */
function describeFieldErrors(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const parts = Object.entries(body as Record<string, unknown>)
    .filter(([, messages]) => Array.isArray(messages))
    .map(([name, messages]) => `${name}: ${(messages as unknown[]).filter((m) => typeof m === "string").join(" ")}`);
  return parts.length > 0 ? parts.join("; ") : undefined;
}
