/** openapi-fetch clients bound to the shared transport. */
import createClient, { type Client } from "openapi-fetch";
import { PendingRequest, type Transport } from "./transport.ts";

// openapi-fetch's paths type parameter.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type Paths = {};

/** A client for a provider whose endpoints hang off one base URL (Trakt, Transparenc, fakts). */
export function clientFor<P extends Paths>(transport: Transport, baseUrl: string): Client<P> {
  return createClient<P>({ ...shared(transport, PendingRequest), baseUrl: transport.checkUrl(baseUrl) });
}

/**
 * A client whose every request goes to `url`, whatever the spec path says. RFC 8414 endpoints are
 * arbitrary URLs, while openapi-fetch builds `${baseUrl}${path}`; building the request at the
 * endpoint directly costs nothing per request, unlike rewriting it in a middleware.
 */
export function clientAt<P extends Paths>(transport: Transport, url: string): Client<P> {
  const target = transport.checkUrl(url);
  class AtEndpoint extends PendingRequest {
    constructor(_url: string, init: RequestInit) {
      super(target, init);
    }
  }
  return createClient<P>(shared(transport, AtEndpoint));
}

/** openapi-fetch types its `Request` and `fetch` options as the web ones; ours are lighter. */
function shared(transport: Transport, request: typeof PendingRequest) {
  return {
    Request: request as unknown as typeof Request,
    fetch: transport.fetch as unknown as (input: Request) => Promise<Response>,
    headers: transport.headers,
    redirect: "manual" as const,
  };
}
