/**
 * Everything every request shares, whatever the provider: the injected `fetch`, the refusal of
 * plain http and of redirects, the per-request timeout, the response size cap, and the mapping of
 * thrown failures onto typed errors.
 */
import { ConfigurationError, DeviceFlowError, NetworkError, ResponseError } from "../errors.ts";
import { cleanText } from "./answer.ts";

/** Options every provider factory takes. */
export interface TransportOptions {
  /** A `fetch` to use instead of the global one (proxies, tests, instrumentation); called unbound. */
  fetch?: (input: Request) => Promise<Response>;
  /** Extra headers for every request (every request also sends `Accept: application/json`). */
  headers?: Record<string, string>;
  /** Allow plain `http:` to hosts other than loopback. Never do this in production. */
  allowInsecureRequests?: boolean;
  /**
   * Milliseconds before one request (and the reading of its body) is given up: 1 … 2^31−1, or
   * `Infinity` for none. Default 30 000.
   */
  timeout?: number;
  /** Largest response body read, in decoded bytes: a positive integer, or `Infinity` for no cap. Default 1 MiB. */
  maxResponseBytes?: number;
}

/** The per-call options every flow function takes. */
export interface CallOptions {
  /** Aborts the call; it then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * What openapi-fetch builds a request into (its `Request` option). A real `Request` would be
 * copied again by `fetch` (a second header list and body stream on every poll), so the URL and
 * init are kept as they are for `fetch(url, init)`; an injected `fetch` still gets a `Request`.
 */
export class PendingRequest {
  constructor(
    readonly url: string,
    readonly init: RequestInit,
  ) {}
  get method(): string {
    return this.init.method ?? "GET";
  }
}

export interface Transport {
  /** The `fetch` handed to openapi-fetch. */
  fetch: (input: PendingRequest) => Promise<Response>;
  headers: Record<string, string>;
  /** Runs one openapi-fetch call under the caller's signal and the timeout. */
  send<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Refuses a URL the options do not allow; returns it otherwise. */
  checkUrl(url: string): string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 1 << 20;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @throws ConfigurationError (`invalid_option`) for a `timeout` or `maxResponseBytes` that could
 *   not work (0, negative, NaN, a timeout no timer can hold): each would fail every request or
 *   silently drop a guard.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const timeout = checkedOption(options.timeout, "timeout", DEFAULT_TIMEOUT_MS, MAX_TIMER_MS, "milliseconds");
  const maxBytes = checkedOption(
    options.maxResponseBytes,
    "maxResponseBytes",
    DEFAULT_MAX_BYTES,
    Number.MAX_SAFE_INTEGER,
    "bytes",
  );
  const headers = Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === "accept")
    ? { ...options.headers }
    : { Accept: "application/json", ...options.headers };

  async function guardedFetch({ url, init }: PendingRequest): Promise<Response> {
    const injected = options.fetch;
    const response = await (injected ? injected(new Request(url, init)) : fetch(url, init));
    // A redirect would resend the body (the device code, maybe the secret) somewhere else.
    if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
      void response.body?.cancel().catch(() => {});
      throw new ResponseError("unexpected_redirect", `unexpected redirect (HTTP ${response.status})`, response.status);
    }
    return readCapped(response, maxBytes);
  }

  function send<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    // One promise settled by whichever comes first: the call, the timeout or the caller's abort.
    // Settling on the abort itself also ends a call whose fetch or body ignores its signal (a
    // custom fetch); no listener on our own signal, no Promise.race (each costs per poll).
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const stop = (reason: unknown) => {
        done();
        reject(reason);
        controller.abort(reason);
      };
      const onAbort = () => stop(signal!.reason);
      const timer =
        timeout === Infinity
          ? undefined
          : setTimeout(() => stop(new NetworkError("timeout", `no answer within ${timeout} ms`)), timeout);
      signal?.addEventListener("abort", onAbort, { once: true });
      call(controller.signal).then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(asDeviceFlowError(error));
        },
      );
    });
  }

  function checkUrl(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigurationError("invalid_url", `not a URL: ${withoutUserinfo(url)}`);
    }
    const insecure = parsed.protocol === "http:" && !LOOPBACK.test(parsed.hostname);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new ConfigurationError("invalid_url", `not an http(s) URL: ${parsed.origin}`);
    }
    if (insecure && !options.allowInsecureRequests) {
      throw new ConfigurationError(
        "insecure_url",
        `refusing plain http to ${parsed.host}: use https, or set allowInsecureRequests`,
      );
    }
    return url;
  }

  return { fetch: guardedFetch, headers, send, checkUrl };
}

/** An integer option in 1 … `max`, or `Infinity` (none); undefined is the default. */
function checkedOption(value: number | undefined, name: string, fallback: number, max: number, unit: string): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 1 && value <= max)) return value;
  throw new ConfigurationError(
    "invalid_option",
    `${name} must be a whole number of ${unit} from 1 to ${max}, or Infinity for none (got ${String(value)})`,
  );
}

/** A URL as typed, its userinfo (`user:password@`) redacted: error messages hold no secret. */
function withoutUserinfo(url: string): string {
  return cleanText(url.replace(/^([^:/?#]*:)?\/\/[^/?#]*@/, (_, scheme = "") => `${scheme}//[redacted]@`), 200);
}

/**
 * Reads the whole body, at most `max` decoded bytes, before anyone parses it. A declared larger
 * body is refused unread; every body is counted as it arrives, since a Content-Length is only a
 * claim (it gives the compressed size of a gzip bomb, and a custom fetch may pass on any).
 * openapi-fetch reads only `status`, `ok`, `headers` and `text()`: the text read here is handed
 * back as is, rather than in a rebuilt Response (a second body stream and header copy per poll).
 */
async function readCapped(response: Response, max: number): Promise<Response> {
  const declared = response.headers.get("content-length")?.trim();
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > max) {
    void response.body?.cancel().catch(() => {});
    throw tooLarge(response.status, max);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Informational statuses carry nothing to read.
  const reader = response.status < 200 ? undefined : response.body?.getReader();
  for (let chunk; reader && !(chunk = await reader.read()).done; ) {
    size += chunk.value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => {});
      throw tooLarge(response.status, max);
    }
    chunks.push(chunk.value);
  }
  let bytes = chunks[0] ?? new Uint8Array();
  if (chunks.length > 1) {
    bytes = new Uint8Array(size);
    size = 0;
    for (const chunk of chunks) bytes.set(chunk, (size += chunk.byteLength) - chunk.byteLength);
  }
  // Decoded as Response.text() would: UTF-8, a BOM dropped, bad bytes replaced.
  const text = Promise.resolve((decoder ??= new TextDecoder()).decode(bytes));
  const { status, ok, headers } = response;
  return { status, ok, headers, text: () => text } as Response;
}

// Made on first use: the module does nothing on load ("sideEffects": false).
let decoder: TextDecoder | undefined;

const tooLarge = (status: number, max: number) =>
  new ResponseError("response_too_large", `response body over ${max} bytes`, status);

function asDeviceFlowError(error: unknown): DeviceFlowError {
  if (error instanceof DeviceFlowError) return error;
  // openapi-fetch reading a size-capped body: the stream's error is the cause.
  if (error instanceof Error && error.cause instanceof DeviceFlowError) return error.cause;
  if (error instanceof SyntaxError) {
    return new ResponseError("invalid_response", "response body is not valid JSON");
  }
  return new NetworkError("network_error", `request failed (${describe(error)})`);
}

/**
 * undici says only "fetch failed" and keeps the reason (a refused connection, a certificate it
 * cannot verify, a proxy that said no) in `cause`: name it, or the caller cannot act on it.
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? (error.cause as Error & { code?: unknown }) : undefined;
  if (!cause) return `${error.name}: ${error.message}`;
  const code = typeof cause.code === "string" && !cause.message.includes(cause.code) ? `${cause.code}: ` : "";
  return `${error.name}: ${error.message}: ${code}${cause.message}`;
}
