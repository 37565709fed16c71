/**
 * Typed errors, one base class a caller can `instanceof` and a `code` to branch on.
 * Messages never carry secrets: they are built from status codes and server error codes.
 */

/** Base class of every error the SDK throws. */
export class DeviceFlowError extends Error {
  override name = "DeviceFlowError";
  constructor(
    /** Machine-readable reason, e.g. `invalid_response`, `network_error`, `invalid_client`. */
    readonly code: string,
    message: string,
    /** Whether trying the same call again later may succeed. */
    readonly retryable = false,
    /** The HTTP status, when a response arrived. */
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** The server answered with an OAuth error (RFC 6749 §5.2), e.g. `invalid_client`. */
export class OAuthError extends DeviceFlowError {
  override name = "OAuthError";
  constructor(
    code: string,
    /** The server's `error_description`, when it sent one. */
    readonly description: string | undefined,
    httpStatus: number,
    retryable = false,
  ) {
    super(code, `server answered ${code} (HTTP ${httpStatus})${description ? `: ${description}` : ""}`, retryable, httpStatus);
  }
}

/** No usable answer arrived: connection failure (`network_error`) or per-request `timeout`. */
export class NetworkError extends DeviceFlowError {
  override name = "NetworkError";
  constructor(code: "network_error" | "timeout", message: string) {
    super(code, message, true);
  }
}

/**
 * An answer arrived but cannot be used: `invalid_response` (fails the spec's validator or is not
 * JSON), `response_too_large`, `unexpected_redirect`, `server_error` (5xx), `rate_limited` (429),
 * `http_error` (any other unexpected status).
 */
export class ResponseError extends DeviceFlowError {
  override name = "ResponseError";
  constructor(
    code: string,
    message: string,
    httpStatus?: number,
    retryable = false,
    /** Seconds the server asked to wait (`Retry-After`). */
    readonly retryAfter?: number,
  ) {
    super(code, message, retryable, httpStatus);
  }
}

/** The caller's options cannot work, e.g. `insecure_url` or `discovery_failed`. */
export class ConfigurationError extends DeviceFlowError {
  override name = "ConfigurationError";
}
