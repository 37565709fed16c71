/**
 * A Prism validation proxy in front of the demo authorization server (`prism proxy
 * specs/rfc8628.yaml <server>`, started in-process): every request the SDK sends and every answer
 * the real server gives is checked against the spec, and a violation is reported in an
 * `sl-violations` header (with `errors: true`, an invalid answer becomes a 500 problem, and a
 * request to a path the spec does not describe a 404 problem).
 */
import { createLogger } from "@stoplight/prism-core";
import { getHttpOperationsFromSpec, type IHttpProxyConfig } from "@stoplight/prism-http";
import { createServer } from "@stoplight/prism-http-server";

export interface PrismProxy {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Starts a validating proxy of `spec` (a file path) forwarding to `upstream`. */
export async function startPrismProxy(spec: string, upstream: string): Promise<PrismProxy> {
  const operations = await getHttpOperationsFromSpec(spec);
  const config: IHttpProxyConfig = {
    isProxy: true,
    upstream: new URL(upstream),
    upstreamProxy: undefined,
    mock: { dynamic: false },
    checkSecurity: true,
    validateRequest: true,
    validateResponse: true,
    errors: true,
  };
  const server = createServer(operations, {
    cors: false,
    config,
    components: { logger: createLogger("prism-proxy", { level: "silent" }) },
  });
  const url = await server.listen(0, "127.0.0.1");
  return { url, close: () => server.close() };
}

/** One request through the proxy, as the SDK's fetch saw it. */
export interface ProxiedExchange {
  method: string;
  path: string;
  status: number;
  /** The scheme of the request's Authorization header (`Basic`), never the credentials. */
  authScheme: string | null;
  /** The names of the form fields sent, never their values. */
  formFields: string[];
  /** Prism's `sl-violations` header: set when the request or the answer breaks the spec. */
  violations: string | null;
  /** `application/problem+json` is Prism speaking (no route, invalid answer), not the server. */
  contentType: string | null;
}

export interface ValidatingFetch {
  /** The `fetch` to inject into the SDK. */
  fetch: (request: Request) => Promise<Response>;
  readonly exchanges: readonly ProxiedExchange[];
  /** Every exchange that went wrong at the proxy; empty when all were valid. */
  problems(): string[];
}

/**
 * The SDK's `fetch` for the e2e tests: it refuses any URL that is not on the proxy (so no SDK
 * request can bypass validation), records what Prism said about each exchange, and adds the
 * `X-Forwarded-Host` a reverse proxy would add, so the server (trusting it) builds the URLs in
 * its answers (discovery metadata, `verification_uri`) on the proxy's origin.
 */
export function validatingFetch(proxyUrl: string): ValidatingFetch {
  const proxy = new URL(proxyUrl);
  const exchanges: ProxiedExchange[] = [];

  async function fetchViaProxy(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.origin !== proxy.origin) {
      throw new Error(`SDK request to ${url.origin} bypasses the Prism proxy at ${proxy.origin}`);
    }
    const headers = new Headers(request.headers);
    headers.set("x-forwarded-host", proxy.host);
    headers.set("x-forwarded-proto", proxy.protocol.replace(":", ""));
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const body = hasBody ? await request.arrayBuffer() : undefined;
    const response = await globalThis.fetch(url, {
      method: request.method,
      headers,
      body,
      redirect: "manual",
      signal: request.signal,
    });
    exchanges.push({
      method: request.method,
      path: url.pathname,
      status: response.status,
      authScheme: headers.get("authorization")?.split(" ")[0] ?? null,
      formFields: body ? [...new URLSearchParams(new TextDecoder().decode(body)).keys()] : [],
      violations: response.headers.get("sl-violations"),
      contentType: response.headers.get("content-type"),
    });
    return response;
  }

  function problems(): string[] {
    return exchanges.flatMap(({ method, path, status, violations, contentType }) => {
      const where = `${method} ${path} → ${status}`;
      const found: string[] = [];
      if (violations !== null) found.push(`${where}: sl-violations ${violations}`);
      if (contentType?.startsWith("application/problem+json"))
        found.push(`${where}: Prism's own problem answer`);
      return found;
    });
  }

  return { fetch: fetchViaProxy, exchanges, problems };
}
