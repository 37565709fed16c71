/**
 * A minimal loopback HTTP server for the provider imitations: one handler, every request recorded
 * (with its form fields and the arrival time on the test's clock), closed by the test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The raw body. */
  body: string;
  /** The body's form fields (every request of these dialects is form-urlencoded). */
  form: Record<string, string>;
  /** Every key as sent, in order, repeats included. */
  keys: string[];
  /** `clock.now()` when the request arrived. */
  at: number;
}

export interface WireReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Wire {
  origin: string;
  requests: WireRequest[];
  /** The requests to one path. */
  to(path: string): WireRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 whose `handle` answers each request (JSON bodies). */
export async function startWire(
  handle: (request: WireRequest) => WireReply,
  now: () => number = Date.now,
): Promise<Wire> {
  const requests: WireRequest[] = [];
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const params = new URLSearchParams(body);
      const request: WireRequest = {
        method: incoming.method ?? "GET",
        path: new URL(incoming.url ?? "/", "http://127.0.0.1").pathname,
        headers: incoming.headers,
        body,
        form: Object.fromEntries(params),
        keys: [...params.keys()],
        at: now(),
      };
      requests.push(request);
      let reply: WireReply;
      try {
        reply = handle(request);
      } catch (error) {
        reply = { status: 500, body: { message: String(error) } };
      }
      const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
      response.writeHead(reply.status, {
        ...(text ? { "content-type": "application/json" } : {}),
        ...reply.headers,
      });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    to: (path) => requests.filter((request) => request.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The gaps between consecutive requests, in seconds on the test's clock. */
export function gapsOf(requests: readonly WireRequest[], from?: number): number[] {
  const times = [...(from === undefined ? [] : [from]), ...requests.map((request) => request.at)];
  return times.slice(1).map((at, index) => (at - (times[index] as number)) / 1000);
}
