/**
 * GitHub (github.com and GitHub Enterprise Server, OAuth apps and GitHub Apps) over the RFC 8628
 * dialect. Its quirks are all on the answer side and the shared reader absorbs them: poll errors
 * arrive with HTTP 200, `slow_down` carries the new `interval`, a body that is not JSON is
 * form-urlencoded (numbers as strings), `scope` is comma-separated and `token_type` is `bearer`.
 * @see https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow (GH1)
 * @see https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app (GH2)
 * @module device-flow-sdk/github
 */
import type { TransportOptions } from "../http/transport.ts";
import type { ErrorCodeTable } from "../oauth-answer.ts";
import type { Provider } from "../provider.ts";
import { rfc8628Dialect, rfc8628ErrorCodes } from "./rfc8628-dialect.ts";

/** Options of {@link github}. */
export interface GitHubOptions extends TransportOptions {
  /** The OAuth app's or GitHub App's Client ID. The device flow needs no client secret (GH1). */
  clientId: string;
  /** Default `https://github.com`; a GitHub Enterprise Server's origin (`https://HOSTNAME`) otherwise (GH1, GH15). */
  baseUrl?: string;
  /** Rows added to {@link githubErrorCodes}, or overriding it. */
  errorCodes?: ErrorCodeTable;
}

/**
 * The mapping table: GitHub's device-flow error codes (GH1 "Error codes for the device flow",
 * GH2) → union member. GitHub sends them with HTTP 200; the code decides, whatever the status.
 */
export const githubErrorCodes = {
  ...rfc8628ErrorCodes,
  // GH1 names it `expired_token` in the table and `token_expired` in the text: both mean expired.
  token_expired: "expired",
  incorrect_device_code: "invalid_code",
  device_flow_disabled: { fix: "enable Device Flow in the app's settings on GitHub" },
  incorrect_client_credentials: {
    fix: "check the client ID: it must be the app's Client ID; the device flow needs no client secret",
  },
  unsupported_grant_type: {
    fix: "the token request must carry grant_type=urn:ietf:params:oauth:grant-type:device_code: check that no proxy rewrites the request",
  },
  // GH12: a GitHub Enterprise Server without the device flow answers 400 unauthorized_client.
  unauthorized_client: {
    fix: "this GitHub Enterprise Server does not offer the device flow to this app: check the server version and the app's Device Flow setting",
  },
} as const satisfies ErrorCodeTable;

/**
 * A provider for GitHub's device flow: `POST {baseUrl}/login/device/code`, then
 * `POST {baseUrl}/login/oauth/access_token` (GH1), as a public client (`client_id` only).
 * Refreshing a GitHub App's expiring token needs no secret either when it came from the device
 * flow (GH4).
 * @see https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow
 * @throws ConfigurationError for a `baseUrl` that is not https (unless loopback or `allowInsecureRequests`).
 */
export function github(options: GitHubOptions): Provider {
  const { baseUrl = "https://github.com", ...client } = options;
  const origin = baseUrl.replace(/\/+$/, "");
  return rfc8628Dialect(
    {
      ...client,
      clientAuth: "none",
      deviceAuthorizationEndpoint: `${origin}/login/device/code`,
      tokenEndpoint: `${origin}/login/oauth/access_token`,
    },
    { name: "github", errorCodes: githubErrorCodes },
  );
}
