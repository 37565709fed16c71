/**
 * Any RFC 8628 authorization server, its endpoints given or found by RFC 8414 / OpenID Connect
 * discovery. Errors arrive as codes in JSON bodies (RFC 8628 §3.5, RFC 6749 §5.2).
 * @module device-flow-sdk/rfc8628
 */
import type { Client } from "openapi-fetch";
import * as v from "valibot";
import type { paths } from "../../generated/rfc8628/schema.ts";
import {
  vAuthorizationServerMetadata,
  vDeviceAuthorizationResponse,
  vTokenResponse,
} from "../../generated/rfc8628/valibot.gen.ts";
import { toDeviceAuthorization } from "../authorization.ts";
import { ConfigurationError } from "../errors.ts";
import { answerOf, field, serverText } from "../http/answer.ts";
import { clientAt } from "../http/client.ts";
import { basicAuthorization, formBody, formHeaders } from "../http/form.ts";
import { createTransport, type Transport, type TransportOptions } from "../http/transport.ts";
import {
  classifyRefreshAnswer,
  classifyTokenAnswer,
  invalidAuthorization,
  startFailure,
  type ErrorCodeTable,
  type TokenCheck,
} from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";

/** How the client authenticates (RFC 6749 §2.3.1); public clients use `none`. */
export type ClientAuth = "client_secret_basic" | "client_secret_post" | "none";

/** Where the server is: its issuer (discovery), or both endpoints. */
export type Rfc8628Endpoints =
  | {
      /** The issuer identifier; its metadata is fetched once, on first use (RFC 8414 §3). */
      issuer: string;
    }
  | {
      /** The device authorization endpoint (RFC 8628 §3.1). */
      deviceAuthorizationEndpoint: string;
      /** The token endpoint (RFC 6749 §3.2). */
      tokenEndpoint: string;
    };

/** Options of {@link rfc8628}: where the server is, who the client is, and how it authenticates. */
export type Rfc8628Options = Rfc8628Endpoints &
  TransportOptions & {
    /** The OAuth client identifier (RFC 6749 §2.2). */
    clientId: string;
    /** For confidential clients; sent as `clientAuth` says. */
    clientSecret?: string;
    /** Default: `client_secret_basic` with a secret, `none` without. */
    clientAuth?: ClientAuth;
    /** Sent with the device authorization and token requests (Auth0, Flyte). */
    audience?: string;
    /** More fields for the device authorization request, e.g. `{ resource: [...] }` (RFC 8707). */
    extraParams?: Record<string, string | readonly string[]>;
  };

/** The mapping table: RFC 8628 §3.5 / RFC 6749 §5.2 error code → union member. */
export const rfc8628ErrorCodes = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
} as const satisfies ErrorCodeTable;

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const isToken: TokenCheck = (body): body is v.InferOutput<typeof vTokenResponse> =>
  v.is(vTokenResponse, body);

interface Endpoints {
  device: Client<paths>;
  token: Client<paths>;
}

/**
 * A provider for any RFC 8628 server.
 * @see RFC 8628 §3.1 (device authorization), §3.4 (token request), RFC 8414 §3 (discovery)
 * @throws ConfigurationError for a plain-http endpoint (unless loopback or
 *   `allowInsecureRequests`) or a secret-based `clientAuth` without a secret.
 */
export function rfc8628(options: Rfc8628Options): Provider {
  const transport = createTransport(options);
  const auth = clientCredentials(options);
  const headers = { ...formHeaders, ...auth.headers };
  let endpoints: Promise<Endpoints> | undefined;

  if (!("issuer" in options)) {
    const resolved = {
      device: clientAt<paths>(transport, options.deviceAuthorizationEndpoint),
      token: clientAt<paths>(transport, options.tokenEndpoint),
    };
    endpoints = Promise.resolve(resolved);
  } else {
    transport.checkUrl(options.issuer);
  }

  function resolveEndpoints(signal?: AbortSignal): Promise<Endpoints> {
    if (!endpoints && "issuer" in options) {
      // Cached once it succeeds; a failure is forgotten so the next call tries again.
      endpoints = discover(transport, options.issuer, auth.secrets, signal).catch((error: unknown) => {
        endpoints = undefined;
        throw error;
      });
    }
    return endpoints as Promise<Endpoints>;
  }

  return {
    name: "rfc8628",

    async requestDeviceAuthorization({ scope, signal }) {
      const { device } = await resolveEndpoints(signal);
      const body = {
        ...options.extraParams,
        ...auth.body,
        scope,
        audience: options.audience,
      } as NonNullable<
        paths["/device_authorization"]["post"]["requestBody"]
      >["content"]["application/x-www-form-urlencoded"];
      const answer = answerOf(
        await transport.send(
          (s) =>
            device.POST("/device_authorization", {
              body,
              bodySerializer: formBody,
              headers,
              signal: s,
            }),
          signal,
        ),
        auth.secrets,
      );
      if (answer.status !== 200 || field(answer.body, "error") !== undefined) throw startFailure(answer);
      const parsed = v.safeParse(vDeviceAuthorizationResponse, answer.body);
      if (!parsed.success) throw invalidAuthorization(answer);
      const fields = parsed.output;
      return toDeviceAuthorization({
        deviceCode: fields.device_code,
        userCode: fields.user_code,
        verificationUri: fields.verification_uri ?? fields.verification_url,
        verificationUriComplete: fields.verification_uri_complete,
        expiresIn: fields.expires_in,
        interval: fields.interval,
      });
    },

    async requestToken(authorization, { signal }) {
      const { token } = await resolveEndpoints(signal);
      const answer = answerOf(
        await transport.send(
          (s) =>
            token.POST("/token", {
              body: {
                grant_type: DEVICE_CODE_GRANT,
                device_code: authorization.deviceCode,
                audience: options.audience,
                ...auth.body,
              },
              bodySerializer: formBody,
              headers,
              signal: s,
            }),
          signal,
        ),
        [...auth.secrets, authorization.deviceCode],
      );
      return classifyTokenAnswer(answer, authorization.interval, rfc8628ErrorCodes, isToken);
    },

    async refreshToken(refreshToken, { scope, signal }) {
      const { token } = await resolveEndpoints(signal);
      const answer = answerOf(
        await transport.send(
          (s) =>
            token.POST("/token", {
              body: { grant_type: "refresh_token", refresh_token: refreshToken, scope, ...auth.body },
              bodySerializer: formBody,
              headers,
              signal: s,
            }),
          signal,
        ),
        [...auth.secrets, refreshToken],
      );
      return classifyRefreshAnswer(answer, refreshToken, isToken);
    },
  };
}

/**
 * RFC 6749 §2.3.1: Basic header, both in the body, or (public client) the id alone. `secrets`:
 * what a server could echo back (the secret, and the Basic credentials that encode it).
 */
function clientCredentials(options: Rfc8628Options): {
  headers: Record<string, string>;
  body: { client_id?: string; client_secret?: string };
  secrets: string[];
} {
  const method = options.clientAuth ?? (options.clientSecret ? "client_secret_basic" : "none");
  if (method !== "none" && !options.clientSecret) {
    throw new ConfigurationError("invalid_option", `clientAuth ${method} needs a clientSecret`);
  }
  const secret = options.clientSecret as string;
  if (method === "client_secret_basic") {
    const authorization = basicAuthorization(options.clientId, secret);
    return { headers: { Authorization: authorization }, body: {}, secrets: [secret, authorization.slice("Basic ".length)] };
  }
  if (method === "client_secret_post") {
    return { headers: {}, body: { client_id: options.clientId, client_secret: secret }, secrets: [secret] };
  }
  return { headers: {}, body: { client_id: options.clientId }, secrets: [] };
}

/**
 * RFC 8414 §3: `/.well-known/oauth-authorization-server` inserted before the issuer's path, then
 * OpenID Connect Discovery's `/.well-known/openid-configuration` appended to it. §3.3: the
 * metadata's `issuer` MUST be identical to the issuer asked for.
 */
async function discover(
  transport: Transport,
  issuer: string,
  secrets: readonly string[],
  signal?: AbortSignal,
): Promise<Endpoints> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
  ];
  let reason = "no metadata found";
  for (const candidate of candidates) {
    const client = clientAt<paths>(transport, candidate);
    const answer = answerOf(
      await transport.send(
        (s) => client.GET("/.well-known/openid-configuration", { signal: s }),
        signal,
      ),
      // Sent no secret, but a server that learned one may echo it: scrubbed all the same.
      secrets,
    );
    if (answer.status !== 200) {
      if (answer.status === 429 || answer.status >= 500) throw startFailure(answer);
      continue;
    }
    const parsed = v.safeParse(vAuthorizationServerMetadata, answer.body);
    if (!parsed.success) {
      reason = `metadata at ${candidate} does not match RFC 8414`;
      continue;
    }
    const metadata = parsed.output;
    if (metadata.issuer !== issuer) {
      throw new ConfigurationError(
        "discovery_failed",
        `metadata issuer ${serverText(answer, metadata.issuer)} is not ${issuer} (RFC 8414 §3.3)`,
      );
    }
    if (!metadata.device_authorization_endpoint || !metadata.token_endpoint) {
      throw new ConfigurationError("discovery_failed", `${issuer} has no device authorization endpoint`);
    }
    return {
      device: clientAt<paths>(transport, metadata.device_authorization_endpoint),
      token: clientAt<paths>(transport, metadata.token_endpoint),
    };
  }
  throw new ConfigurationError("discovery_failed", `discovery of ${issuer} failed: ${reason}`);
}
