/** The SDK provider the command line asks for, built through the public API like any caller. */
import {
  fakts,
  rfc8628,
  trakt,
  transparenc,
  type Provider,
  type TransportOptions,
} from "../index.ts";
import type { LoginOptions } from "./args.ts";

/**
 * @throws ConfigurationError for an endpoint the SDK refuses (not a URL, plain http to a host
 *   that is not loopback without `--insecure`); the caller reports it as a usage error.
 */
export function providerFor(options: LoginOptions, transport: TransportOptions): Provider {
  // parseArgs and requireFor() have checked that each provider's required options are present.
  const required = (value: string | undefined): string => value as string;
  switch (options.provider) {
    case "rfc8628": {
      const common = {
        ...transport,
        clientId: required(options.clientId),
        ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }),
        ...(options.clientAuth !== undefined && { clientAuth: options.clientAuth }),
        ...(options.audience !== undefined && { audience: options.audience }),
      };
      return options.issuer !== undefined
        ? rfc8628({ ...common, issuer: options.issuer })
        : rfc8628({
            ...common,
            deviceAuthorizationEndpoint: required(options.deviceEndpoint),
            tokenEndpoint: required(options.tokenEndpoint),
          });
    }
    case "trakt":
      return trakt({
        ...transport,
        clientId: required(options.clientId),
        clientSecret: required(options.clientSecret),
        ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
      });
    case "transparenc":
      return transparenc({
        ...transport,
        baseUrl: required(options.baseUrl),
        clientId: required(options.clientId),
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
