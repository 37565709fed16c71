import type { Provider, StartOptions } from "./provider.ts";
import type { DeviceAuthorization } from "./result.ts";

/**
 * Starts a device flow: asks the provider for a device code and a user code.
 * The result is plain JSON: save it to resume polling elsewhere. `interval` is 5 when the server
 * sends none (RFC 8628 §3.2); `expiresAt` is anchored at the response's arrival.
 * @see RFC 8628 §3.1, §3.2
 * @throws DeviceFlowError (`OAuthError`, `ResponseError`, `NetworkError`, `ConfigurationError`),
 *   or `signal.reason` when aborted.
 */
export function startDeviceAuthorization(
  provider: Provider,
  options: StartOptions = {},
): Promise<DeviceAuthorization> {
  return provider.requestDeviceAuthorization(options);
}
