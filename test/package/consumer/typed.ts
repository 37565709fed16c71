/**
 * A TypeScript consumer of the installed tarball: every entry point, the typed API, and
 * `@ts-expect-error` lines that fail the check if the published types ever degrade to `any`.
 * scripts/check-package.ts compiles it with moduleResolution nodenext and bundler.
 */
import {
  ConfigurationError,
  DeviceFlowError,
  pollForToken,
  refreshToken,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type PollResult,
  type Provider,
  type TerminalResult,
  type TokenSet,
} from "device-flow-sdk";
import { amazon } from "device-flow-sdk/amazon";
import { auth0, type Auth0Options } from "device-flow-sdk/auth0";
import { awsSso, type AwsSsoRegistration } from "device-flow-sdk/aws-sso";
import { fakts, type FaktsManifest } from "device-flow-sdk/fakts";
import {
  idTokenVerifier,
  verifyIdToken,
  type IdTokenClaims,
  type IdTokenVerdict,
} from "device-flow-sdk/identity";
import { github, githubErrorCodes } from "device-flow-sdk/github";
import { google } from "device-flow-sdk/google";
import { keycloak } from "device-flow-sdk/keycloak";
import { microsoft } from "device-flow-sdk/microsoft";
import { okta } from "device-flow-sdk/okta";
import { twitch } from "device-flow-sdk/twitch";
import { rfc8628, type Rfc8628Options } from "device-flow-sdk/rfc8628";
import { trakt } from "device-flow-sdk/trakt";
import { transparenc } from "device-flow-sdk/transparenc";

const manifest: FaktsManifest = { identifier: "org.example.app", version: "1.0.0" };
const options: Rfc8628Options = { issuer: "https://auth.example.com", clientId: "tv-app" };

const providers: Provider[] = [
  rfc8628(options),
  trakt({ clientId: "id", clientSecret: "secret" }),
  transparenc({
    baseUrl: "https://transparenc.example.com",
    clientId: "id",
    deviceType: "tv",
    deviceOs: "linux",
  }),
  fakts({ baseUrl: "https://fakts.example.com/f/", manifest }),
  github({ clientId: "Iv1.id", errorCodes: { ...githubErrorCodes, custom_code: "denied" } }),
  google({ clientId: "id.apps.googleusercontent.com", clientSecret: "secret" }),
  microsoft({ clientId: "00000000-0000-0000-0000-000000000000", tenant: "organizations" }),
  auth0({ domain: "tenant.eu.auth0.com", clientId: "id", audience: "https://api.example.com" } satisfies Auth0Options),
  okta({ issuer: "https://example.okta.com/oauth2/default", clientId: "id" }),
  keycloak({ baseUrl: "https://sso.example.com", realm: "main", clientId: "id" }),
  amazon({ clientId: "amzn1.application-oa2-client.id" }),
  twitch({ clientId: "id" }),
  awsSso({
    region: "eu-west-1",
    startUrl: "https://d-1234567890.awsapps.com/start",
    onRegistration: (registration: AwsSsoRegistration) => void registration.clientId,
  }),
];

// @ts-expect-error an unknown result name is not a table row
github({ clientId: "Iv1.id", errorCodes: { custom_code: "maybe" } });

// @ts-expect-error clientId is required
rfc8628({ issuer: "https://auth.example.com" });

/** Exhaustive over the union: adding a member without handling it is a type error. */
function describe(result: PollResult): string {
  switch (result.status) {
    case "authorized":
      return result.token.tokenType;
    case "pending":
      return "pending";
    case "slow_down":
      return `every ${result.interval} s`;
    case "expired":
    case "denied":
    case "invalid_code":
    case "already_used":
      return result.description ?? result.status;
    case "error":
      return `${result.error} (retryable: ${result.retryable})`;
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

export async function login(
  provider: Provider,
  signal: AbortSignal,
): Promise<TokenSet | undefined> {
  const authorization: DeviceAuthorization = await startDeviceAuthorization(provider, {
    scope: "openid",
    signal,
  });
  const userCode: string = authorization.userCode;
  // @ts-expect-error userCode is a string, not a number
  const wrong: number = authorization.userCode;
  void userCode;
  void wrong;

  const once = await pollForToken(provider, authorization, { signal });
  // @ts-expect-error the token exists only once the status says "authorized"
  void once.token;
  describe(once);

  const final: TerminalResult = await waitForToken(provider, authorization, {
    signal,
    onPoll: (result) => void describe(result),
  });
  if (final.status !== "authorized") return undefined;
  const refreshed = final.token.refreshToken
    ? await refreshToken(provider, final.token.refreshToken)
    : final;
  return refreshed.status === "authorized" ? refreshed.token : undefined;
}

/** Who signed in, from verified claims only; a restored ID token is verified again. */
export async function whoSignedIn(provider: Provider, token: TokenSet): Promise<string | undefined> {
  const claims: IdTokenClaims | undefined = token.claims;
  if (claims) return claims.name ?? claims.email ?? claims.sub;
  if (token.idTokenError) void token.idTokenError.code.toUpperCase();
  if (!token.idToken) return undefined;
  const verdict: IdTokenVerdict = await verifyIdToken(provider, token.idToken);
  // @ts-expect-error claims exist only on the verified branch
  void verdict.claims.sub;
  return "claims" in verdict ? verdict.claims.sub : undefined;
}

export const verifying: Provider = rfc8628({ ...options, idTokens: idTokenVerifier({ clockTolerance: 30 }) });

export function isSdkError(error: unknown): string | undefined {
  if (error instanceof ConfigurationError) return `configuration: ${error.code}`;
  return error instanceof DeviceFlowError ? error.code : undefined;
}

export { providers };
