/**
 * The `fetch` the contract tests inject into the SDK: it tells Prism which documented answer to
 * give (`Prefer: code=…, example=…`), may send a spec's example host to the mock instead (a
 * stand-in for DNS), and records every exchange so a test can prove each answer came from the
 * spec: no `sl-violations` (Prism found the request, or its own example, invalid) and no
 * `application/problem+json` (Prism's own errors, e.g. an unknown example name).
 */

export interface Exchange {
  method: string;
  /** The URL the SDK asked for (before any rewrite). */
  url: string;
  /** The Prefer header sent, if any. */
  prefer: string | undefined;
  status: number;
  /** Prism's `sl-violations` header: set when the request or the answer breaks the spec. */
  violations: string | null;
  contentType: string | null;
}

export interface PrismFetchOptions {
  /** The Prefer header for a request path, e.g. `code=400, example=slow_down`. */
  prefer?: (path: string) => string | undefined;
  /** Origins to serve from the mock instead, e.g. `{ "https://auth.example.org": mockUrl }`. */
  rewrite?: Readonly<Record<string, string>>;
  /** The Accept header for every request (Prism picks the media type the example is under). */
  accept?: string;
}

export interface PrismFetch {
  fetch: (input: Request) => Promise<Response>;
  readonly exchanges: readonly Exchange[];
  /** What is wrong with the exchanges so far; empty when every answer is one the spec documents. */
  problems(): string[];
}

export function prismFetch(options: PrismFetchOptions = {}): PrismFetch {
  const exchanges: Exchange[] = [];

  async function fetchVia(request: Request): Promise<Response> {
    const original = new URL(request.url);
    const target = new URL(request.url);
    const replacement = options.rewrite?.[original.origin];
    if (replacement !== undefined) {
      const mock = new URL(replacement);
      target.protocol = mock.protocol;
      target.host = mock.host;
    }
    const headers = new Headers(request.headers);
    const prefer = options.prefer?.(original.pathname);
    if (prefer !== undefined) headers.set("Prefer", prefer);
    if (options.accept !== undefined) headers.set("Accept", options.accept);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const response = await globalThis.fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      signal: request.signal,
    });
    exchanges.push({
      method: request.method,
      url: request.url,
      prefer,
      status: response.status,
      violations: response.headers.get("sl-violations"),
      contentType: response.headers.get("content-type"),
    });
    return response;
  }

  function problems(): string[] {
    const found: string[] = [];
    for (const { method, url, prefer, status, violations, contentType } of exchanges) {
      const where = `${method} ${url} → ${status}`;
      if (violations !== null) found.push(`${where}: sl-violations ${violations}`);
      if (contentType?.startsWith("application/problem+json")) {
        found.push(`${where}: Prism's own problem answer, not the spec's`);
      }
      const code = prefer?.match(/code=(\d{3})/)?.[1];
      if (code !== undefined && Number(code) !== status)
        found.push(`${where}: asked Prism for ${code}`);
    }
    if (exchanges.length === 0) found.push("no request reached the mock");
    return found;
  }

  return { fetch: fetchVia, exchanges, problems };
}
