/**
 * AWS IAM Identity Center (SSO-OIDC): not RFC 8628's wire. A client registers first
 * (`RegisterClient`), every body is JSON with camelCase members, and an error names its exception
 * in the `x-amzn-ErrorType` header while its body keeps OAuth's snake_case `error`.
 * Facts and sources: research/providers.md §7 (AW1–AW4).
 * @see https://docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference/Welcome.html
 * @module device-flow-sdk/aws-sso
 */
import type { paths } from "../../generated/aws-sso/schema.ts";
import { untilAborted } from "../abort.ts";
import { fieldsOf, isText, toDeviceAuthorization } from "../authorization.ts";
import { ConfigurationError, DeviceFlowError, OAuthError, ResponseError } from "../errors.ts";
import { exchange, field, lenientNumber, type Answer } from "../http/answer.ts";
import { clientFor } from "../http/client.ts";
import { createTransport, type TransportOptions } from "../http/transport.ts";
import {
  classifyRefreshAnswer,
  classifyTokenAnswer,
  startFailure,
  type AnswerShape,
  type ErrorCodeTable,
} from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import type { PollResult } from "../result.ts";
import type { TokenFieldNames } from "../token.ts";

/**
 * A client registration (RegisterClient's answer, AW1). Plain JSON: save it, and pass it as
 * {@link AwsSsoOptions.registration} so another process polls and refreshes as the same client.
 */
export interface AwsSsoRegistration {
  clientId: string;
  /** Secret: sent in every later request's body. */
  clientSecret: string;
  /** Epoch seconds. */
  clientIdIssuedAt?: number;
  /** Epoch seconds; the registration is renewed shortly before. */
  clientSecretExpiresAt: number;
}

/** Options of {@link awsSso}. */
export interface AwsSsoOptions extends TransportOptions {
  /** The Identity Center region, e.g. `us-east-1`; it names the default endpoint. */
  region: string;
  /** The AWS access portal URL (`https://my-org.awsapps.com/start`), sent at start (AW4). */
  startUrl: string;
  /**
   * Default `https://oidc.{region}.amazonaws.com` (AW1–AW3); tests, proxies and the China
   * partition (`amazonaws.com.cn`) point it elsewhere.
   */
  baseUrl?: string;
  /** The name the client registers under. Default `device-flow-sdk`. */
  clientName?: string;
  /** Scopes registered with the client (RegisterClient's `scopes`, AW1), e.g. `sso:account:access`. */
  scopes?: readonly string[];
  /** A saved registration: used while its secret lasts, instead of registering again. */
  registration?: AwsSsoRegistration;
  /**
   * Told about every new registration, so it can be saved (a refresh in another process needs the
   * same client). Awaited before the flow goes on; what it throws is ignored, like `onPoll`'s, so a
   * failing store cannot cost a sign-in.
   */
  onRegistration?: (registration: AwsSsoRegistration) => void | Promise<void>;
  /** Rows added to {@link awsSsoErrorCodes} or overriding it, keyed by either spelling. */
  errorCodes?: ErrorCodeTable;
}

const INVALID_CLIENT = {
  fix: "the client registration is unknown or expired: start again to register a new client",
} as const;

/**
 * The mapping table, keyed by both spellings of each code: the exception name of the
 * `x-amzn-ErrorType` header (AW1) and the body's snake_case `error` (AW2).
 */
export const awsSsoErrorCodes = {
  AuthorizationPendingException: "pending",
  authorization_pending: "pending",
  // No interval in the body (AW1): +5 s, RFC 8628 §3.5.
  SlowDownException: "slow_down",
  slow_down: "slow_down",
  AccessDeniedException: "denied",
  access_denied: "denied",
  ExpiredTokenException: "expired",
  expired_token: "expired",
  InvalidGrantException: "invalid_code",
  invalid_grant: "invalid_code",
  InvalidClientException: INVALID_CLIENT,
  invalid_client: INVALID_CLIENT,
} as const satisfies ErrorCodeTable;

/** CreateToken's camelCase success members (AW1). */
const TOKEN_NAMES: TokenFieldNames = {
  accessToken: "accessToken",
  tokenType: "tokenType",
  expiresIn: "expiresIn",
  refreshToken: "refreshToken",
  scope: "scope",
  idToken: "idToken",
};

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** AWS region names (`us-east-1`, `us-gov-west-1`, `ap-southeast-7`): nothing else reaches the host. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** A registration this close to its expiry is renewed, so no device code outlives its client. */
const RENEW_BEFORE_MS = 15 * 60_000;
/** How many codes and refresh tokens remember their registration (a code is forgotten once its flow ends). */
const MAX_FLOWS = 64;

/**
 * The exception name of an `x-amzn-ErrorType` header (AW2):
 * `AuthorizationPendingException:http://internal.amazon.com/coral/…` → `AuthorizationPendingException`;
 * a `namespace#Name` form gives `Name` (the rest-json rule botocore's parser applies).
 */
function awsErrorType(headers: Headers): string | undefined {
  const value = headers.get("x-amzn-errortype");
  const name = value?.split(":")[0]?.split("#").pop()?.trim();
  return name || undefined;
}

/**
 * The code of an AWS answer. The header and the body name the same error in two spellings (AW2),
 * and either alone must do (a proxy may strip the header; an error of the service front end may
 * carry no OAuth body). The header decides: it is the protocol's own error identifier, the one the
 * AWS SDKs read (AW1). A spelling the table has no row for gives way to the other. The code
 * reported is the body's OAuth spelling whenever it means the same (`invalid_grant`, which callers
 * know from RFC 6749, rather than `InvalidGrantException`).
 */
function awsCode(codes: ErrorCodeTable): (answer: Answer) => string | undefined {
  const rowOf = (code: string | undefined) =>
    code !== undefined && Object.hasOwn(codes, code) ? codes[code] : undefined;
  return (answer) => {
    const header = awsErrorType(answer.headers);
    const body = field(answer.body, "error") || undefined;
    const headerRow = rowOf(header);
    const bodyRow = rowOf(body);
    if (bodyRow !== undefined && (headerRow === undefined || headerRow === bodyRow)) return body;
    if (headerRow !== undefined) return header;
    return body ?? header;
  };
}

/**
 * A provider for AWS IAM Identity Center's device flow: RegisterClient once per provider (shared by
 * concurrent starts, reused until shortly before `clientSecretExpiresAt`), then
 * StartDeviceAuthorization and CreateToken with that client's credentials.
 *
 * `startDeviceAuthorization`'s `scope` is refused: StartDeviceAuthorization takes none (AW1, AW4);
 * scopes belong to the registration ({@link AwsSsoOptions.scopes}).
 * @see research/providers.md §7; RFC 8628 §3.1, §3.4, §3.5 as SSO-OIDC speaks them; RFC 6749 §6
 * @throws ConfigurationError (`invalid_option`) for a region that is not an AWS region name or a
 *   `startUrl` that is not an http(s) URL; (`insecure_url`, `invalid_url`) for an unusable `baseUrl`.
 */
export function awsSso(options: AwsSsoOptions): Provider {
  if (typeof options.region !== "string" || !REGION.test(options.region)) {
    throw new ConfigurationError(
      "invalid_option",
      "region must be an AWS region name such as us-east-1",
    );
  }
  if (!isWebUrl(options.startUrl)) {
    throw new ConfigurationError(
      "invalid_option",
      "startUrl must be the access portal's http(s) URL",
    );
  }
  const transport = createTransport(options);
  const client = clientFor<paths>(
    transport,
    options.baseUrl ?? `https://oidc.${options.region}.amazonaws.com`,
  );
  const codes: ErrorCodeTable = { ...awsSsoErrorCodes, ...options.errorCodes };
  const shape: AnswerShape = { code: awsCode(codes), names: TOKEN_NAMES };
  const registrations = registrar(options, (signal) =>
    exchange(
      transport,
      (s) =>
        client.POST("/client/register", {
          body: {
            clientName: options.clientName ?? "device-flow-sdk",
            clientType: "public",
            ...(options.scopes ? { scopes: [...options.scopes] } : {}),
          },
          parseAs: "text",
          signal: s,
        }),
      signal,
    ),
  );
  // Each started code is polled, and each refresh token refreshed, by the client it belongs to
  // (RFC 6749 §6: a refresh token "is bound to the client to which it was issued"), even after a
  // renewal.
  const flows = new Map<string, AwsSsoRegistration>();
  const refreshers = new Map<string, AwsSsoRegistration>();
  const issued = (result: PollResult, registration: AwsSsoRegistration) => {
    if (result.status === "authorized" && result.token.refreshToken) {
      remember(refreshers, result.token.refreshToken, registration);
    }
  };

  return {
    name: "aws-sso",

    async requestDeviceAuthorization({ scope, signal }) {
      if (scope !== undefined) {
        throw new ConfigurationError(
          "invalid_option",
          "AWS SSO-OIDC takes no scope at start (AW1): register the client with the scopes option",
        );
      }
      const registration = await registrations.current(signal);
      const { clientId, clientSecret } = registration;
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/device_authorization", {
            body: { clientId, clientSecret, startUrl: options.startUrl },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [clientSecret],
      );
      if (answer.status !== 200) {
        const failure = withFix(startFailure(answer, shape.code?.(answer)), codes);
        // An unknown or expired client: the next start registers a new one.
        if (isInvalidClient(failure.code, codes)) registrations.refuse(registration);
        throw failure;
      }
      const fields = fieldsOf(answer.body);
      const authorization = toDeviceAuthorization(
        {
          deviceCode: fields.deviceCode,
          userCode: fields.userCode,
          verificationUri: fields.verificationUri,
          verificationUriComplete: fields.verificationUriComplete,
          expiresIn: fields.expiresIn,
          interval: fields.interval,
        },
        answer.status,
      );
      remember(flows, authorization.deviceCode, registration);
      return authorization;
    },

    async requestToken(authorization, { signal }) {
      const { deviceCode } = authorization;
      const registration = flows.get(deviceCode) ?? registrations.saved();
      const { clientId, clientSecret } = registration;
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/token", {
            body: { clientId, clientSecret, grantType: DEVICE_CODE_GRANT, deviceCode },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [clientSecret, deviceCode],
      );
      // An issued token is never lost: a 2xx with a string accessToken is authorized.
      const result = classifyTokenAnswer(answer, authorization.interval, codes, shape);
      issued(result, registration);
      if (
        result.status !== "pending" &&
        result.status !== "slow_down" &&
        !(result.status === "error" && result.retryable)
      ) {
        flows.delete(deviceCode);
        if (result.status === "error" && isInvalidClient(result.error, codes))
          registrations.refuse(registration);
      }
      return result;
    },

    async refreshToken(refreshToken, { scope, signal }) {
      // The client that was issued the token refreshes it (AW1): a new one would be refused.
      const registration = refreshers.get(refreshToken) ?? registrations.saved();
      const { clientId, clientSecret } = registration;
      const scopes = scope?.split(" ").filter(Boolean);
      const answer = await exchange(
        transport,
        (s) =>
          client.POST("/token", {
            body: {
              clientId,
              clientSecret,
              grantType: "refresh_token",
              refreshToken,
              ...(scopes?.length ? { scope: scopes } : {}),
            },
            parseAs: "text",
            signal: s,
          }),
        signal,
        [clientSecret, refreshToken],
      );
      const result = classifyRefreshAnswer(answer, refreshToken, shape);
      issued(result, registration);
      return result;
    },
  };
}

interface Registrar {
  /** A registration fit to start a flow with: the one in force, or a new one. */
  current(signal?: AbortSignal): Promise<AwsSsoRegistration>;
  /** The registration in force, expired or not (a poll or refresh must use the same client). */
  saved(): AwsSsoRegistration;
  /**
   * Marks a registration the server refused (InvalidClientException): the next start registers a
   * new client. Polls and refreshes still send it: only its own client can poll its codes.
   */
  refuse(registration: AwsSsoRegistration): void;
}

/**
 * RegisterClient once, single-flight: concurrent starts share one request, which runs under no
 * caller's signal (one caller's abort ends only its own wait, as discovery does in
 * rfc8628-dialect.ts). A failure is forgotten, so the next start tries again.
 */
function registrar(
  options: AwsSsoOptions,
  register: (signal: undefined) => Promise<Answer>,
): Registrar {
  let inForce = options.registration;
  let refused: AwsSsoRegistration | undefined;
  let shared: Promise<AwsSsoRegistration> | undefined;

  const fresh = (
    registration: AwsSsoRegistration | undefined,
  ): registration is AwsSsoRegistration =>
    registration !== undefined &&
    registration !== refused &&
    registration.clientSecretExpiresAt * 1000 - RENEW_BEFORE_MS > Date.now();

  async function registerOnce(): Promise<AwsSsoRegistration> {
    const answer = await register(undefined);
    if (answer.status !== 200) throw startFailure(answer, awsCode({})(answer));
    const registration = toRegistration(fieldsOf(answer.body), answer.status);
    inForce = registration;
    try {
      await options.onRegistration?.({ ...registration });
    } catch {
      // Ignored: the registration works in this process whether or not it was saved.
    }
    return registration;
  }

  return {
    current(signal) {
      signal?.throwIfAborted();
      if (fresh(inForce)) return Promise.resolve(inForce);
      if (!shared) {
        const started = registerOnce();
        shared = started;
        // Handled here, so a registration whose every waiter aborted is no unhandled rejection.
        const settle = () => {
          if (shared === started) shared = undefined;
        };
        started.then(settle, settle);
      }
      return untilAborted(shared, signal);
    },
    saved() {
      if (!inForce) {
        throw new ConfigurationError(
          "invalid_option",
          "no client registration: start a flow first, or pass the registration that started it",
        );
      }
      return inForce;
    },
    refuse(registration) {
      refused = registration;
    },
  };
}

/**
 * RegisterClient's answer as its spec describes it (AW1): `clientId` and `clientSecret` non-empty
 * strings, the times numbers or digit strings; `null` for `clientIdIssuedAt` means absent.
 * @throws ResponseError (`invalid_response`) naming the first unusable member.
 */
function toRegistration(fields: Record<string, unknown>, httpStatus: number): AwsSsoRegistration {
  const refused = (what: string) => new ResponseError("invalid_response", `client registration: ${what}`, httpStatus);
  const { clientId, clientSecret, clientIdIssuedAt: issued } = fields;
  if (!isText(clientId) || !isText(clientSecret)) throw refused("clientId or clientSecret is missing or empty");
  const clientSecretExpiresAt = lenientNumber(fields.clientSecretExpiresAt);
  if (clientSecretExpiresAt === undefined) throw refused("clientSecretExpiresAt is not a time in seconds");
  // A number the spec allows but no time can be (negative) is left out, as a missing one is.
  const issuedAt = lenientNumber(issued);
  if (issued != null && issuedAt === undefined && typeof issued !== "number") {
    throw refused("clientIdIssuedAt is not a time in seconds");
  }
  return { clientId, clientSecret, clientSecretExpiresAt, ...(issuedAt !== undefined ? { clientIdIssuedAt: issuedAt } : {}) };
}


/** Whether a code means "this client is unknown or expired" (a row the caller did not change). */
function isInvalidClient(code: string, codes: ErrorCodeTable): boolean {
  return Object.hasOwn(codes, code) && codes[code] === INVALID_CLIENT;
}

/** A `{ fix }` row says what to fix at the device endpoint too, as it does for a poll. */
function withFix(error: DeviceFlowError, codes: ErrorCodeTable): DeviceFlowError {
  const row =
    error instanceof OAuthError && Object.hasOwn(codes, error.code) ? codes[error.code] : undefined;
  if (!(error instanceof OAuthError) || typeof row !== "object") return error;
  const description = error.description ? `${error.description} (${row.fix})` : row.fix;
  return new OAuthError(error.code, description, error.httpStatus ?? 400, error.retryable);
}

/** Keeps which registration a code or refresh token belongs to; past {@link MAX_FLOWS} the oldest goes. */
function remember(
  owners: Map<string, AwsSsoRegistration>,
  key: string,
  registration: AwsSsoRegistration,
): void {
  owners.delete(key);
  owners.set(key, registration);
  if (owners.size > MAX_FLOWS) owners.delete(owners.keys().next().value as string);
}

function isWebUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const { protocol } = new URL(value);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}
