/**
 * The four adapters, each built around an injected in-memory `fetch`, for the property tests.
 * Secrets are distinctive so a leak is easy to find.
 */
import { fakts } from "../../src/providers/fakts.ts";
import { rfc8628 } from "../../src/providers/rfc8628.ts";
import { trakt } from "../../src/providers/trakt.ts";
import { transparenc } from "../../src/providers/transparenc.ts";
import type { Provider } from "../../src/provider.ts";
import type { DeviceAuthorization } from "../../src/result.ts";
import type { AdapterName } from "./fuzz-answers.ts";

export const ADAPTERS: readonly AdapterName[] = ["rfc8628", "trakt", "transparenc", "fakts"];

export const FUZZ_CLIENT_SECRET = "fuzz-client-secret-5d1e";
export const FUZZ_DEVICE_CODE = "fuzz-device-code-9a7c";

type Fetch = (request: Request) => Promise<Response>;

export interface ProviderSetup {
  fetch: Fetch;
  /** Transparenc's fallback verification URI. */
  fallbackUri?: string;
  faktsExpiresIn?: number;
  faktsInterval?: number;
}

export const FAKTS_BASE = "https://fakts.example/f/";

export function makeProvider(adapter: AdapterName, setup: ProviderSetup): Provider {
  const { fetch } = setup;
  switch (adapter) {
    case "rfc8628":
      return rfc8628({
        deviceAuthorizationEndpoint: "https://as.example/device",
        tokenEndpoint: "https://as.example/token",
        clientId: "fuzz-client",
        clientSecret: FUZZ_CLIENT_SECRET,
        fetch,
      });
    case "trakt":
      return trakt({ clientId: "fuzz-client", clientSecret: FUZZ_CLIENT_SECRET, fetch });
    case "transparenc":
      return transparenc({
        baseUrl: "https://tp.example",
        clientId: "fuzz-client",
        deviceType: "tv",
        deviceOs: "linux",
        verificationUri: setup.fallbackUri,
        fetch,
      });
    case "fakts":
      return fakts({
        baseUrl: FAKTS_BASE,
        manifest: { identifier: "fuzz", version: "1" },
        expirationTimeSeconds: setup.faktsExpiresIn,
        interval: setup.faktsInterval,
        fetch,
      });
  }
}

/** A hand-built (or resumed) authorization, as a caller may pass one. */
export function handBuiltAuthorization(interval: number, expiresIn = 600): DeviceAuthorization {
  return {
    deviceCode: FUZZ_DEVICE_CODE,
    userCode: "ABCD-EFGH",
    verificationUri: "https://as.example/device",
    expiresIn,
    interval,
    expiresAt: Date.now() + expiresIn * 1000,
  };
}
