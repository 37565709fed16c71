/**
 * The RFC 8628 wire dialect, shared by `rfc8628()` and the presets that speak it (GitHub, Google,
 * Entra ID, Auth0, Okta, Keycloak): form requests, OAuth error codes in the body of any status,
 * tokens in 2xx bodies, token revocation (RFC 7009) where the server has an endpoint for it. A
 * preset changes only what its provider does differently: endpoints, extra table rows, where the
 * error code lives.
 */
import type { Client } from "openapi-fetch";
import type { components, paths } from "../../generated/rfc8628/schema.ts";
import { untilAborted } from "../abort.ts";
import { fieldsOf, toDeviceAuthorization } from "../authorization.ts";
import { ConfigurationError, DeviceFlowError, OAuthError } from "../errors.ts";
import { exchange, field, serverText, type Answer } from "../http/answer.ts";
import { clientAt } from "../http/client.ts";
import { basicAuthorization, formBody, formHeaders, type FormFields } from "../http/form.ts";
import { createTransport, type CallOptions, type Transport, type TransportOptions } from "../http/transport.ts";
import type { IdTokenVerifier } from "../identity/types.ts";
import {
  classifyRefreshAnswer,
  classifyTokenAnswer,
  startFailure,
  type ErrorCodeTable,
} from "../oauth-answer.ts";
import type { Provider, RevokeOptions } from "../provider.ts";
import type { DeviceAuthorization, PollResult, RevokeResult } from "../result.ts";
import { classifyRevocationAnswer } from "../revocation-answer.ts";

/** How the client authenticates (RFC 6749 §2.3.1); public clients use `none`. */
export type ClientAuth = "client_secret_basic" | "client_secret_post" | "none";

/** Where the server is: its issuer (discovery), or both endpoints (and maybe a third). */
export type Rfc8628Endpoints =
  | {
      /**
       * The issuer identifier; its metadata is fetched once, on first use (RFC 8414 §3). Its
       * `revocation_endpoint`, when listed, is where `revokeToken` goes.
       */
      issuer: string;
    }
  | {
      /** The device authorization endpoint (RFC 8628 §3.1). */
      deviceAuthorizationEndpoint: string;
      /** The token endpoint (RFC 6749 §3.2). */
      tokenEndpoint: string;
      /** The token revocation endpoint (RFC 7009 §2); without it the provider cannot revoke. */
      revocationEndpoint?: string;
    };

/** Who the client is and how it authenticates, and what it adds to the requests. */
export interface Rfc8628ClientOptions extends TransportOptions {
  /** The OAuth client identifier (RFC 6749 §2.2), sent in every request body. */
  clientId: string;
  /** For confidential clients; sent as `clientAuth` says. */
  clientSecret?: string;
  /** Default: `client_secret_basic` with a secret, `none` without. */
  clientAuth?: ClientAuth;
  /** Sent with the device authorization and token requests (Auth0, Flyte). */
  audience?: string;
  /** More fields for the device authorization request, e.g. `{ resource: [...] }` (RFC 8707). */
  extraParams?: Record<string, string | readonly string[]>;
  /**
   * Rows added to the mapping table, or overriding it: a provider's own error code → a result
   * (`"denied"`, `"expired"`, …) or `{ fix }` for "stop, and say what to fix".
   */
  errorCodes?: ErrorCodeTable;
  /**
   * Verifies the ID tokens that come with tokens (OpenID Connect Core 1.0 §3.1.3.7), against the
   * `issuer`'s keys (its metadata's `jwks_uri`): `idTokenVerifier()` from
   * `device-flow-sdk/identity`. Verified claims are `token.claims`, a failure `token.idTokenError`.
   * Used with `issuer` only: given endpoints name no issuer to trust.
   */
  idTokens?: IdTokenVerifier;
}

/** What a preset changes about the dialect. */
export interface Rfc8628Dialect {
  /** The provider's name, for messages. */
  name: string;
  /** The preset's rows, applied over {@link rfc8628ErrorCodes} (and under the caller's). */
  errorCodes?: ErrorCodeTable;
  /**
   * Adjusts a poll's result with what this provider has seen of the flow (Auth0's `invalid_grant`
   * after a pending poll means the code expired).
   */
  refine?: (result: PollResult, authorization: DeviceAuthorization) => PollResult;
  /**
   * The provider's OpenID issuer, for `idTokens`: `iss` must equal it, and its configuration is
   * at `{issuer}/.well-known/openid-configuration`; `issuerFromConfiguration` (Entra) takes the
   * issuer that configuration names instead.
   */
  openId?: { issuer: string; issuerFromConfiguration?: boolean };
}

/** The mapping table: RFC 8628 §3.5 / RFC 6749 §5.2 error code → union member. */
export const rfc8628ErrorCodes = {
  authorization_pending: "pending",
  slow_down: "slow_down",
  expired_token: "expired",
  access_denied: "denied",
  invalid_grant: "invalid_code",
} as const satisfies ErrorCodeTable;

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

type Metadata = components["schemas"]["AuthorizationServerMetadata"];

interface Endpoints {
  device: Client<paths>;
  token: Client<paths>;
  /** RFC 7009 §2: a URL, checked when used, so an unusable one costs revocation only. */
  revocation?: string;
  /** The discovered metadata (its `jwks_uri` and algorithms serve `idTokens`). */
  metadata?: Metadata;
}

/**
 * A provider over the RFC 8628 dialect, with a preset's changes.
 * @see RFC 8628 §3.1 (device authorization), §3.4 (token request), RFC 8414 §3 (discovery)
 * @throws ConfigurationError for a plain-http endpoint (unless loopback or
 *   `allowInsecureRequests`), a secret-based `clientAuth` without a secret, or an unusable option.
 */
export function rfc8628Dialect(options: Rfc8628ClientOptions & Rfc8628Endpoints, dialect: Rfc8628Dialect): Provider {
  const transport = createTransport(options);
  const auth = clientCredentials(options);
  const headers = { ...formHeaders, ...auth.headers };
  const codes: ErrorCodeTable = { ...rfc8628ErrorCodes, ...dialect.errorCodes, ...options.errorCodes };
  const audience = options.audience === undefined ? {} : { audience: options.audience };
  const endpoints = endpointsOf(options, transport, auth.secrets);
  // OpenID Connect: an ID token is verified before its result is returned (claims or idTokenError).
  const openId = "issuer" in options ? { issuer: options.issuer } : dialect.openId;
  const { idTokens } = options;
  const context = openId && idTokens && { ...openId, clientId: options.clientId, transport, discovered: endpoints };
  const identify = <R extends PollResult>(result: R, signal?: AbortSignal) => (context ? idTokens!.attach(result, context, signal) : result);

  const post = (client: Client<paths>, path: "/device_authorization" | "/token" | "/revoke", body: FormFields, signal: AbortSignal | undefined, secrets: readonly string[]) =>
    exchange(
      transport,
      (s) => client.POST(path, { body: body as never, bodySerializer: formBody, headers, parseAs: "text", signal: s }),
      signal,
      secrets,
    );

  return {
    name: dialect.name,

    async requestDeviceAuthorization({ scope, signal }) {
      const { device } = await endpoints(signal);
      // An option that is not given never overwrites the caller's extraParams.
      const body = { ...options.extraParams, ...(scope === undefined ? {} : { scope }), ...audience, ...auth.body };
      const answer = await post(device, "/device_authorization", body, signal, auth.secrets);
      if (answer.status < 200 || answer.status >= 300 || field(answer.body, "error") !== undefined) {
        throw withFix(startFailure(answer), codes);
      }
      const fields = fieldsOf(answer.body);
      return toDeviceAuthorization(
        {
          deviceCode: fields.device_code,
          userCode: fields.user_code,
          // Google says verification_url.
          verificationUri: fields.verification_uri ?? fields.verification_url,
          verificationUriComplete: fields.verification_uri_complete,
          expiresIn: fields.expires_in,
          interval: fields.interval,
          message: fields.message,
        },
        answer.status,
      );
    },

    async requestToken(authorization, { signal }) {
      const { token } = await endpoints(signal);
      const body = { grant_type: DEVICE_CODE_GRANT, device_code: authorization.deviceCode, ...audience, ...auth.body };
      const answer = await post(token, "/token", body, signal, [...auth.secrets, authorization.deviceCode]);
      const result = classifyTokenAnswer(answer, authorization.interval, codes);
      return identify(dialect.refine ? dialect.refine(result, authorization) : result, signal);
    },

    async refreshToken(refreshToken, { scope, signal }) {
      const { token } = await endpoints(signal);
      const body = { grant_type: "refresh_token", refresh_token: refreshToken, ...(scope === undefined ? {} : { scope }), ...auth.body };
      const answer = await post(token, "/token", body, signal, [...auth.secrets, refreshToken]);
      return identify(classifyRefreshAnswer(answer, refreshToken), signal);
    },

    ...(context && { verifyIdToken: (idToken: string, { signal }: CallOptions) => idTokens!.verify(idToken, context, signal) }),

    // RFC 7009: only a server that has (or may list) a revocation endpoint gets the method, so
    // `revokeToken()` says `revocation_unsupported` for the others without sending anything.
    ...("issuer" in options || options.revocationEndpoint !== undefined ? { revokeToken: revoke } : {}),
  };

  /** RFC 7009 §2.1: `token`, `token_type_hint`, and client authentication as at the token endpoint. */
  async function revoke(token: string, { tokenTypeHint, signal }: RevokeOptions): Promise<RevokeResult> {
    const { revocation } = await endpoints(signal);
    if (revocation === undefined) {
      throw new ConfigurationError("revocation_unsupported", `${dialect.name}'s metadata lists no revocation_endpoint (RFC 8414 §2)`);
    }
    const hint = tokenTypeHint === undefined ? {} : { token_type_hint: tokenTypeHint };
    const body = { token, ...hint, ...auth.body };
    const answer = await post(clientAt<paths>(transport, revocation), "/revoke", body, signal, [...auth.secrets, token]);
    return classifyRevocationAnswer(answer);
  }
}

/**
 * A `{ fix }` row says what to fix at the device endpoint too: GitHub answers
 * `device_flow_disabled` there, with HTTP 400, before any poll.
 */
function withFix(error: DeviceFlowError, codes: ErrorCodeTable): DeviceFlowError {
  const row = error instanceof OAuthError && Object.hasOwn(codes, error.code) ? codes[error.code] : undefined;
  if (!(error instanceof OAuthError) || typeof row !== "object") return error;
  const description = error.description ? `${error.description} (${row.fix})` : row.fix;
  return new OAuthError(error.code, description, error.httpStatus ?? 400, error.retryable);
}

/**
 * RFC 6749 §2.3.1: Basic header, or both in the body, or (public client) the id alone. The id is
 * in the body with Basic too (§3.2.1 allows it; Google requires it, and servers such as Authlib
 * file the device code under the body's `client_id`). `secrets`: what a server could echo back.
 */
function clientCredentials(options: Rfc8628ClientOptions): {
  headers: Record<string, string>;
  body: { client_id: string; client_secret?: string };
  secrets: string[];
} {
  const method = options.clientAuth ?? (options.clientSecret ? "client_secret_basic" : "none");
  if (method !== "none" && !options.clientSecret) {
    throw new ConfigurationError("invalid_option", `clientAuth ${method} needs a clientSecret`);
  }
  const secret = options.clientSecret as string;
  const body = { client_id: options.clientId };
  if (method === "client_secret_basic") {
    const authorization = basicAuthorization(options.clientId, secret);
    return { headers: { Authorization: authorization }, body, secrets: [secret, authorization.slice("Basic ".length)] };
  }
  if (method === "client_secret_post") {
    return { headers: {}, body: { ...body, client_secret: secret }, secrets: [secret] };
  }
  return { headers: {}, body, secrets: [] };
}

/**
 * The endpoints, given or discovered. Discovery runs once, shared by every caller and under no
 * caller's signal: one caller's abort ends only its own wait. A failure is forgotten so the next
 * call tries again.
 */
function endpointsOf(
  options: Rfc8628Endpoints,
  transport: Transport,
  secrets: readonly string[],
): (signal?: AbortSignal) => Promise<Endpoints> {
  if (!("issuer" in options)) {
    const { revocationEndpoint } = options;
    const given = Promise.resolve({
      device: clientAt<paths>(transport, options.deviceAuthorizationEndpoint),
      token: clientAt<paths>(transport, options.tokenEndpoint),
      // Checked now, like the other two: a caller's own URL that cannot work is a configuration error.
      ...(revocationEndpoint === undefined ? {} : { revocation: transport.checkUrl(revocationEndpoint) }),
    });
    return () => given;
  }
  transport.checkUrl(options.issuer);
  let shared: { work: Promise<Endpoints>; controller: AbortController; waiters: number; settled: boolean } | undefined;
  return async (signal) => {
    signal?.throwIfAborted();
    if (!shared) {
      const controller = new AbortController();
      const work = discover(transport, options.issuer, secrets, controller.signal);
      const started = { work, controller, waiters: 0, settled: false };
      shared = started;
      const settle = () => void (started.settled = true);
      work.then(settle, settle);
      // A failure is forgotten so the next call tries again (and handled here, so a discovery
      // nobody waits for any more is no unhandled rejection).
      work.catch(() => {
        if (shared === started) shared = undefined;
      });
    }
    const current = shared;
    current.waiters += 1;
    try {
      return await untilAborted(current.work, signal);
    } finally {
      current.waiters -= 1;
      // The last waiter gone before it finished: nobody needs it, so it stops (no timer or socket
      // left behind). One caller's abort never ends a discovery another caller still waits for.
      if (current.waiters === 0 && signal?.aborted && !current.settled) {
        if (shared === current) shared = undefined;
        current.controller.abort(signal.reason);
      }
    }
  };
}

/**
 * RFC 8414 §3: `/.well-known/oauth-authorization-server` inserted before the issuer's path, then
 * OpenID Connect Discovery's `/.well-known/openid-configuration` appended to it. Each is tried in
 * turn until one gives usable metadata (a failure, a redirect, a body that is not metadata, or
 * metadata without a device endpoint moves on); §3.3: an `issuer` not identical to the one asked
 * for is final.
 */
async function discover(
  transport: Transport,
  issuer: string,
  secrets: readonly string[],
  signal: AbortSignal,
): Promise<Endpoints> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
  ];
  const reasons: string[] = [];
  let transient = false;
  for (const candidate of candidates) {
    let answer: Answer;
    try {
      const client = clientAt<paths>(transport, candidate);
      // Sent no secret, but a server that learned one may echo it: scrubbed all the same.
      answer = await exchange(transport, (s) => client.GET("/.well-known/openid-configuration", { parseAs: "text", signal: s }), signal, secrets);
    } catch (error) {
      if (signal.aborted || !(error instanceof DeviceFlowError)) throw error;
      transient ||= error.retryable;
      reasons.push(`${candidate}: ${error.code}`);
      continue;
    }
    if (answer.status !== 200) {
      transient ||= answer.status === 429 || answer.status >= 500;
      reasons.push(`${candidate}: HTTP ${answer.status}`);
      continue;
    }
    const metadata = fieldsOf(answer.body) as Partial<Metadata>;
    if (typeof metadata.issuer !== "string") {
      reasons.push(`${candidate}: not RFC 8414 metadata`);
      continue;
    }
    if (metadata.issuer !== issuer) {
      throw new ConfigurationError(
        "discovery_failed",
        `metadata issuer ${serverText(answer, metadata.issuer)} is not ${issuer} (RFC 8414 §3.3)`,
      );
    }
    const { device_authorization_endpoint: device, token_endpoint: token, revocation_endpoint: revocation } = metadata;
    if (!isUrl(device) || !isUrl(token)) {
      reasons.push(`${candidate}: no device authorization endpoint`);
      continue;
    }
    return {
      device: clientAt<paths>(transport, device),
      token: clientAt<paths>(transport, token),
      ...(typeof revocation === "string" && revocation ? { revocation } : {}),
      metadata: metadata as Metadata,
    };
  }
  // Retryable when a candidate failed for a reason that may pass (network, timeout, 5xx, 429).
  throw new ConfigurationError("discovery_failed", `discovery of ${issuer} failed: ${reasons.join("; ")}`, transient);
}

/** RFC 8414 §2: endpoints are URLs (a usable one is then checked like a given one). */
function isUrl(value: unknown): value is string {
  return typeof value === "string" && URL.canParse(value);
}
