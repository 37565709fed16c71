/** Providers wired to a scripted fetch, and hand-built authorizations, shared by the unit tests. */
import type { DeviceAuthorization, Provider, Rfc8628Options } from "../../src/index.ts";
import { fakts, rfc8628, trakt, transparenc } from "../../src/index.ts";
import type { ScriptedFetch } from "./fake-fetch.ts";

export const RFC_DEVICE_ENDPOINT = "https://auth.example.org/device_authorization";
export const RFC_TOKEN_ENDPOINT = "https://auth.example.org/token";
export const TRAKT_BASE = "https://auth.trakt.tv";
export const TRANSPARENC_BASE = "https://transparenc.example.org";
export const FAKTS_BASE = "https://arkitekt.example.org/f/";

export const TRAKT_CLIENT_ID = "trakt-client-id";
export const TRAKT_SECRET = "trakt-client-secret-do-not-leak";

export type Rfc8628Extra = Omit<Partial<Rfc8628Options>, "fetch">;

/** A generic RFC 8628 provider with explicit endpoints (a public client unless told otherwise). */
export function rfcProvider(fake: ScriptedFetch, extra: Rfc8628Extra = {}): Provider {
  return rfc8628({
    deviceAuthorizationEndpoint: RFC_DEVICE_ENDPOINT,
    tokenEndpoint: RFC_TOKEN_ENDPOINT,
    clientId: "device-client",
    ...extra,
    fetch: fake.fetch,
  } as Rfc8628Options);
}

export function traktProvider(fake: ScriptedFetch): Provider {
  return trakt({ clientId: TRAKT_CLIENT_ID, clientSecret: TRAKT_SECRET, fetch: fake.fetch });
}

export function transparencProvider(
  fake: ScriptedFetch,
  extra: {
    tokenPath?: "/api/v1/oauth/token/" | "/api/v1/oauth/token";
    verificationUri?: string;
  } = {},
): Provider {
  return transparenc({
    baseUrl: TRANSPARENC_BASE,
    clientId: "tv-app",
    deviceType: "tv",
    deviceOs: "linux",
    ...extra,
    fetch: fake.fetch,
  });
}

export function faktsProvider(fake: ScriptedFetch, baseUrl = FAKTS_BASE): Provider {
  return fakts({
    baseUrl,
    manifest: { identifier: "org.example.app", version: "1.0.0" },
    fetch: fake.fetch,
  });
}

/**
 * A started authorization as plain data (what `JSON.parse` of a saved one gives), so a poll can
 * be tested without a start request. `now` anchors `expiresAt`.
 */
export function authorizationAt(
  now: number,
  fields: Partial<Omit<DeviceAuthorization, "expiresAt">> = {},
): DeviceAuthorization {
  const expiresIn = fields.expiresIn ?? 600;
  return {
    deviceCode: "device-code-secret",
    userCode: "WDJB-MJHT",
    verificationUri: "https://auth.example.org/device",
    interval: 5,
    ...fields,
    expiresIn,
    expiresAt: now + expiresIn * 1000,
  };
}
