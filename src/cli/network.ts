/**
 * The CLI's `fetch` for corporate networks: a proxy (`--proxy`, or HTTPS_PROXY / HTTP_PROXY with
 * NO_PROXY) and a private CA (`--ca`), through an undici 7 dispatcher handed to the SDK as its
 * injected `fetch`.
 *
 * undici's own `fetch` is used, not Node 20's global one: the global fetch bundles undici 6,
 * whose dispatcher interface an undici 7 dispatcher is not guaranteed to match. undici's fetch
 * does not accept a global `Request` object, so each request is passed on as URL + init.
 */
import { readFile } from "node:fs/promises";
import { rootCertificates } from "node:tls";
import { EnvHttpProxyAgent, fetch as undiciFetch } from "undici";

export interface NetworkOptions {
  /** Proxy for http and https; overrides the environment's. */
  proxy?: string;
  /** A PEM file of extra trusted certificates. */
  caFile?: string;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms) are read. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface Network {
  fetch: (request: Request) => Promise<Response>;
  /** Drops every connection, so nothing keeps the process alive. */
  close(): Promise<void>;
}

/** Thrown when `--ca` cannot be read (a usage error: exit code 2). */
export class CaFileError extends Error {
  override name = "CaFileError";
}

export async function createNetwork(options: NetworkOptions): Promise<Network> {
  const { env } = options;
  // The CA file is added to Node's bundled roots, not put in their place: public hosts reached
  // directly keep working.
  const ca = options.caFile ? [...rootCertificates, await readCa(options.caFile)] : undefined;
  const tls = ca ? { ca } : {};
  const dispatcher = new EnvHttpProxyAgent({
    // "" (not undefined) means "no proxy": undici would otherwise read process.env itself.
    httpProxy: options.proxy ?? env.http_proxy ?? env.HTTP_PROXY ?? "",
    httpsProxy: options.proxy ?? env.https_proxy ?? env.HTTPS_PROXY ?? "",
    noProxy: env.no_proxy ?? env.NO_PROXY ?? "",
    connect: tls, // direct connections
    requestTls: tls, // TLS to the server inside a proxy tunnel
    proxyTls: tls, // an https:// proxy
  });

  async function send(request: Request): Promise<Response> {
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      body,
      redirect: request.redirect,
      signal: request.signal,
      dispatcher,
    });
    // Same shape as the global Response (and the same ReadableStream class underneath).
    return response as unknown as Response;
  }

  return { fetch: send, close: () => dispatcher.destroy() };
}

async function readCa(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new CaFileError(`cannot read --ca file ${file} (${code})`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new CaFileError(`--ca file ${file} holds no PEM certificate`);
  }
  return text;
}
