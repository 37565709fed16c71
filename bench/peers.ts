/**
 * The peers, used the way their documentation shows: openid-client's own polling loop, and
 * oauth4webapi's request/process pairs in the loop a user writes around them (oauth4webapi ships
 * none). Everything here talks plain http to 127.0.0.1, which both need to be told to allow.
 */
import { setTimeout as delay } from "node:timers/promises";
import * as oauth from "oauth4webapi";
import * as openid from "openid-client";

export interface Endpoints {
  issuer: string;
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
}

export function endpointsAt(origin: string, device = "/device", token = "/token"): Endpoints {
  return {
    issuer: origin,
    deviceAuthorizationEndpoint: `${origin}${device}`,
    tokenEndpoint: `${origin}${token}`,
  };
}

/** An openid-client Configuration with the endpoints given (no discovery round trip). */
export function openidConfiguration(endpoints: Endpoints, clientId: string): openid.Configuration {
  const config = new openid.Configuration(
    {
      issuer: endpoints.issuer,
      device_authorization_endpoint: endpoints.deviceAuthorizationEndpoint,
      token_endpoint: endpoints.tokenEndpoint,
    },
    clientId,
  );
  openid.allowInsecureRequests(config);
  return config;
}

export function oauthServer(endpoints: Endpoints): oauth.AuthorizationServer {
  return {
    issuer: endpoints.issuer,
    device_authorization_endpoint: endpoints.deviceAuthorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
  };
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

export async function oauthStart(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
): Promise<oauth.DeviceAuthorizationResponse> {
  const response = await oauth.deviceAuthorizationRequest(as, client, oauth.None(), {}, insecure);
  return oauth.processDeviceAuthorizationResponse(as, client, response);
}

/** One token request and its processing: what a hand-written loop does per poll. */
export async function oauthPoll(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  deviceCode: string,
): Promise<oauth.TokenEndpointResponse> {
  const response = await oauth.deviceCodeGrantRequest(
    as,
    client,
    oauth.None(),
    deviceCode,
    insecure,
  );
  return oauth.processDeviceCodeResponse(as, client, response);
}

/**
 * The loop oauth4webapi's users write (after its README): wait `interval` (5 s when absent),
 * poll, go on for authorization_pending, add 5 s on slow_down, give up at expiry. Any other
 * failure (including a network error) ends the flow, as it does in the README's example.
 */
export async function oauthWaitForToken(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  authorization: oauth.DeviceAuthorizationResponse,
): Promise<oauth.TokenEndpointResponse> {
  let interval = authorization.interval ?? 5;
  const deadline = Date.now() + authorization.expires_in * 1000;
  while (Date.now() + interval * 1000 < deadline) {
    await delay(interval * 1000);
    try {
      return await oauthPoll(as, client, authorization.device_code);
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError && error.error === "authorization_pending")
        continue;
      if (error instanceof oauth.ResponseBodyError && error.error === "slow_down") {
        interval += 5;
        continue;
      }
      throw error;
    }
  }
  throw new Error("expired_token: the device code expired");
}

/** A short description of why a peer's flow ended without a token. */
export function failureName(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError) return error.error;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    const code = (error as { code?: unknown }).code;
    return `${typeof code === "string" ? code : error.name}${cause}`.slice(0, 80);
  }
  return String(error).slice(0, 80);
}
