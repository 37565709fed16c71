/**
 * The SDK provider the command line asks for, built through the public API like any caller: the
 * root for the first four providers, each preset's own entry point (`device-flow-sdk/github`, …)
 * for the rest.
 */
import {
  ConfigurationError,
  fakts,
  rfc8628,
  trakt,
  transparenc,
  type Provider,
  type TransportOptions,
} from "../index.ts";
import { idTokenVerifier } from "../identity/index.ts";
import { amazon } from "../providers/amazon.ts";
import { auth0 } from "../providers/auth0.ts";
import { awsSso, type AwsSsoOptions } from "../providers/aws-sso.ts";
import { github } from "../providers/github.ts";
import { google } from "../providers/google.ts";
import { keycloak } from "../providers/keycloak.ts";
import { microsoft } from "../providers/microsoft.ts";
import { okta } from "../providers/okta.ts";
import { twitch } from "../providers/twitch.ts";
import type { LoginOptions } from "./args.ts";

/**
 * @throws ConfigurationError for an endpoint the SDK refuses (not a URL, plain http to a host
 *   that is not loopback without `--insecure`); the caller reports it as a usage error.
 */
export function providerFor(
  options: LoginOptions,
  network: TransportOptions,
  /** AWS: a saved client registration, and where a new one is kept (a refresh needs the same client). */
  aws: Pick<AwsSsoOptions, "registration" | "onRegistration"> = {},
): Provider {
  // parseArgs and requireFor() have checked that each provider's required options are present.
  const required = (value: string | undefined): string => value as string;
  // `--header` applies to every provider: each factory takes the transport's `headers`.
  const transport: TransportOptions = {
    ...network,
    ...(options.headers !== undefined && { headers: { ...network.headers, ...options.headers } }),
  };
  const baseUrl = options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {};
  const clientId = required(options.clientId);
  switch (options.provider) {
    case "rfc8628": {
      const common = {
        ...transport,
        clientId,
        ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }),
        ...(options.clientAuth !== undefined && { clientAuth: options.clientAuth }),
        ...(options.audience !== undefined && { audience: options.audience }),
      };
      return options.issuer !== undefined
        ? // The issuer's ID tokens are verified against its jwks_uri, for "Signed in as …".
          rfc8628({ ...common, issuer: options.issuer, idTokens: idTokenVerifier() })
        : rfc8628({
            ...common,
            deviceAuthorizationEndpoint: required(options.deviceEndpoint),
            tokenEndpoint: required(options.tokenEndpoint),
            ...(options.revocationEndpoint !== undefined && {
              revocationEndpoint: options.revocationEndpoint,
            }),
          });
    }
    case "github":
      return github({ ...transport, ...baseUrl, clientId });
    case "google":
      return google({
        ...transport,
        ...baseUrl,
        clientId,
        clientSecret: required(options.clientSecret),
      });
    case "microsoft":
      return microsoft({
        ...transport,
        ...baseUrl,
        clientId,
        ...(options.tenant !== undefined && { tenant: options.tenant }),
      });
    case "auth0":
      return auth0({
        ...transport,
        domain: required(options.domain),
        clientId,
        ...(options.audience !== undefined && { audience: options.audience }),
      });
    case "okta":
      return okta({ ...transport, issuer: required(options.issuer), clientId });
    case "keycloak":
      return keycloak({
        ...transport,
        baseUrl: required(options.baseUrl),
        realm: required(options.realm),
        clientId,
        ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }),
      });
    case "aws":
      return awsSso({
        ...transport,
        ...baseUrl,
        region: required(options.region),
        startUrl: required(options.startUrl),
        ...(options.clientName !== undefined && { clientName: options.clientName }),
        ...aws,
      });
    case "amazon":
      return amazon({
        ...transport,
        ...baseUrl,
        clientId,
        ...(options.scopeData !== undefined && { scopeData: options.scopeData }),
      });
    case "twitch":
      return twitch({ ...transport, ...baseUrl, clientId });
    case "trakt":
      return trakt({
        ...transport,
        ...baseUrl,
        clientId,
        clientSecret: required(options.clientSecret),
      });
    case "transparenc":
      return transparenc({
        ...transport,
        baseUrl: required(options.baseUrl),
        clientId,
        deviceType: required(options.deviceType),
        deviceOs: required(options.deviceOs),
      });
    case "fakts":
      return fakts({
        ...transport,
        baseUrl: required(options.baseUrl),
        manifest: {
          identifier: required(options.manifestIdentifier),
          version: required(options.manifestVersion),
        },
        ...(options.clientKind !== undefined && { requestedClientKind: options.clientKind }),
      });
  }
}
