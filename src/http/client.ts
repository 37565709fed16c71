/** openapi-fetch clients bound to the shared transport. */
import createClient, { type Client } from "openapi-fetch";
import type { Transport } from "./transport.ts";

// openapi-fetch's paths type parameter.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type Paths = {};

/** A client for a provider whose endpoints hang off one base URL (Trakt, Transparenc, fakts). */
export function clientFor<P extends Paths>(transport: Transport, baseUrl: string): Client<P> {
  return createClient<P>({
    baseUrl: transport.checkUrl(baseUrl),
    fetch: transport.fetch,
    headers: transport.headers,
    redirect: "manual",
  });
}

/**
 * A client whose every request goes to `url`, whatever the spec path says. RFC 8414 endpoints are
 * arbitrary URLs, while openapi-fetch builds `${baseUrl}${path}`; building the Request at the
 * endpoint directly costs nothing per request, unlike rewriting it in a middleware.
 */
export function clientAt<P extends Paths>(transport: Transport, url: string): Client<P> {
  const target = transport.checkUrl(url);
  return createClient<P>({
    Request: class extends Request {
      constructor(_input: RequestInfo | URL, init?: RequestInit) {
        super(target, init);
      }
    },
    fetch: transport.fetch,
    headers: transport.headers,
    redirect: "manual",
  });
}
