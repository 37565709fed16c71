/**
 * The end-to-end rig: the demo authorization server (oidc-provider) with a Prism validation proxy
 * of specs/rfc8628.yaml in front of it. The server's issuer is the proxy's URL, and it trusts the
 * `X-Forwarded-Host` the SDK-side fetch adds (see {@link validatingFetch}), so discovery metadata
 * and `verification_uri` name the proxy: every SDK request goes through validation.
 * The pages a person uses are not part of the API the spec describes (Prism would answer them
 * with "no such route"), so the browser talks to the server directly: {@link ValidatedServer.direct}.
 */
import { fileURLToPath } from "node:url";
import {
  startAuthorizationServer,
  type AuthorizationServer,
  type AuthorizationServerOptions,
} from "../../demo/authorization-server.ts";
import {
  startPrismProxy,
  validatingFetch,
  type PrismProxy,
  type ValidatingFetch,
} from "./oidc-prism-proxy.ts";

export const RFC8628_SPEC = fileURLToPath(new URL("../../specs/rfc8628.yaml", import.meta.url));

export interface ValidatedServer {
  server: AuthorizationServer;
  proxy: PrismProxy;
  /** The issuer the SDK is given: the proxy's URL. */
  issuer: string;
  /** A fresh recording fetch for the SDK, whose requests may go to the proxy only. */
  sdkFetch(): ValidatingFetch;
  /** The same URL on the server itself, for the browser. */
  direct(url: string): string;
  close(): Promise<void>;
}

export async function startValidatedServer(
  options: Pick<AuthorizationServerOptions, "deviceCodeTtl"> = {},
): Promise<ValidatedServer> {
  let proxy: PrismProxy | undefined;
  try {
    const server = await startAuthorizationServer({
      ...options,
      trustForwardedHeaders: true,
      issuer: async (url) => {
        proxy = await startPrismProxy(RFC8628_SPEC, url);
        return proxy.url;
      },
    });
    const started = proxy as PrismProxy;
    return {
      server,
      proxy: started,
      issuer: server.issuer,
      sdkFetch: () => validatingFetch(started.url),
      direct(url) {
        const moved = new URL(url);
        if (moved.origin !== new URL(started.url).origin)
          throw new Error(`${url} is not on the proxy`);
        const target = new URL(server.url);
        moved.protocol = target.protocol;
        moved.host = target.host;
        return moved.href;
      },
      async close() {
        await Promise.allSettled([server.close(), started.close()]);
      },
    };
  } catch (error) {
    await proxy?.close();
    throw error;
  }
}
