/**
 * A scripted `fetch` for unit tests: it records every request it is handed (method, URL, headers,
 * body text, virtual time) and answers each one with the next step of its script. Nothing touches
 * the network. Running past the end of the script rejects loudly, so a test that sends more
 * requests than it expects fails instead of passing by accident.
 */
import type { Clock } from "../../src/clock.ts";

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Headers;
  /** The body as sent, decoded as UTF-8 ("" when there is none). */
  body: string;
  /** When it was sent: the injected clock's now, else Date.now(). */
  at: number;
  /** The request's signal, to check that an aborted call really cancelled its request. */
  signal: AbortSignal;
}

/** One step of a script: builds the answer to one request (called once per request). */
export type Reply = (request: RecordedRequest) => Response | Promise<Response>;

export interface ScriptedFetch {
  /** The function to inject as a provider's `fetch` option. */
  fetch: (input: Request) => Promise<Response>;
  /** Every request received so far, in order. */
  requests: RecordedRequest[];
  /** Steps not yet used. */
  readonly remaining: number;
  /** Resolves once at least `count` requests have been received. */
  whenRequested(count: number): Promise<void>;
}

/** A fetch answering request n with `script[n]`. */
export function scriptedFetch(
  script: readonly Reply[],
  options: { clock?: Clock } = {},
): ScriptedFetch {
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let next = 0;

  async function fetch(input: Request): Promise<Response> {
    const recorded: RecordedRequest = {
      method: input.method,
      url: input.url,
      headers: new Headers(input.headers),
      body: input.body ? await input.clone().text() : "",
      at: options.clock ? options.clock.now() : Date.now(),
      signal: input.signal,
    };
    requests.push(recorded);
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const step = script[next++];
    if (!step) {
      throw new Error(
        `scriptedFetch: no step for request ${requests.length} (${input.method} ${input.url})`,
      );
    }
    return step(recorded);
  }

  return {
    fetch,
    requests,
    get remaining() {
      return script.length - next;
    },
    whenRequested(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
}

/** An answer without a body. */
export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return () => new Response(null, { status, headers });
}

/** An answer whose body is arbitrary text (e.g. an HTML error page). */
export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return () => new Response(body, { status, headers: { "content-type": "text/html", ...headers } });
}

/** The request never arrives anywhere: fetch rejects as undici does on a refused connection. */
export function networkFailure(): Reply {
  return () => Promise.reject(new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") }));
}

/** The request stays in flight until its signal aborts; then fetch rejects with the reason. */
export function hang(): Reply {
  return (request) =>
    new Promise<Response>((_, reject) => {
      if (request.signal.aborted) return reject(request.signal.reason);
      request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
    });
}

/** The fields of a form-urlencoded body, with repeated keys kept. */
export function formFields(request: RecordedRequest): [string, string][] {
  return [...new URLSearchParams(request.body)];
}

/** A form body as an object (last value wins), for compact assertions. */
export function form(request: RecordedRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.body));
}

/** A JSON body. */
export function jsonBody(request: RecordedRequest): unknown {
  return JSON.parse(request.body);
}
