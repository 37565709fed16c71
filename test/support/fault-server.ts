/**
 * A loopback HTTP server (127.0.0.1, a free port) that misbehaves on purpose: resets, hangs,
 * trickles, truncates, floods, redirects, sends 1xx, or answers garbage. Each path gets its
 * scenario (or one scenario serves every path); every request is logged with its arrival time on
 * the test's clock, and the server counts its connections and the bytes it managed to send, so a
 * test can prove a client stopped reading, hung up, or never came.
 *
 * Every answer says `Connection: close` and the server closes its side when the client does, so
 * an open connection after a test is the client's doing.
 */
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync } from "node:zlib";

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  socket: Socket;
  /** The request body, read in full before the scenario runs. */
  body: string;
  /** 0-based: how many requests this path had before this one. */
  index: number;
}

export type Scenario = (exchange: Exchange) => void | Promise<void>;

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Arrival, on the clock given to the server (Date.now() by default). */
  at: number;
}

export interface FaultServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: LoggedRequest[];
  /** Connections ever accepted. */
  connections(): number;
  openConnections(): number;
  /** Bytes the server handed to its sockets (kernel buffers included), all connections summed. */
  bytesWritten(): number;
  /** Resolves once `count` requests have arrived. */
  whenRequested(count: number): Promise<void>;
  /**
   * Resolves true once no connection is open, false if some still is after `ms` (default 6 s:
   * Node 20's bundled undici closes an aborted request's socket only after its 4 s keep-alive timer).
   */
  allClosed(ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startFaultServer(
  routes: Scenario | Record<string, Scenario>,
  options: { now?: () => number } = {},
): Promise<FaultServer> {
  const now = options.now ?? Date.now;
  const requests: LoggedRequest[] = [];
  const perPath = new Map<string, number>();
  const sockets = new Set<Socket>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const onAllClosed = new Set<() => void>();
  let accepted = 0;
  let closedBytes = 0;

  const server = http.createServer((req, res) => {
    const at = now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "", path, headers: req.headers, body, at });
      for (const w of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const index = perPath.get(path) ?? 0;
      perPath.set(path, index + 1);
      const scenario = typeof routes === "function" ? routes : routes[path];
      res.setHeader("connection", "close");
      if (!scenario) {
        res.writeHead(404).end();
        return;
      }
      void Promise.resolve(scenario({ req, res, socket: req.socket, body, index })).catch(() =>
        req.socket.destroy(),
      );
    });
  });
  server.on("connection", (socket) => {
    accepted += 1;
    sockets.add(socket);
    // The client hung up: close our side too, so "open" means the client kept it open.
    socket.on("end", () => socket.destroy());
    socket.on("error", () => {});
    socket.on("close", () => {
      closedBytes += socket.bytesWritten;
      sockets.delete(socket);
      if (sockets.size === 0) for (const notify of [...onAllClosed]) notify();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    connections: () => accepted,
    openConnections: () => sockets.size,
    bytesWritten: () => closedBytes + [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    whenRequested(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    allClosed(ms = 6000) {
      if (sockets.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (closed: boolean) => {
          clearTimeout(deadline);
          onAllClosed.delete(notify);
          resolve(closed);
        };
        const notify = () => done(true);
        // Unref'd: waiting must not count among the timers a leak test compares.
        const deadline = setTimeout(() => done(sockets.size === 0), ms).unref();
        onAllClosed.add(notify);
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** A JSON answer. */
export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Scenario =>
  ({ res }) => {
    res
      .writeHead(status, { "content-type": "application/json", ...headers })
      .end(JSON.stringify(body));
  };

/** A text answer (an HTML error page, or JSON cut short but correctly framed). */
export const text =
  (status: number, body: string, headers: Record<string, string> = {}): Scenario =>
  ({ res }) => {
    res.writeHead(status, { "content-type": "text/html", ...headers }).end(body);
  };

/** Request n gets scenario n; the last one repeats. */
export const sequence =
  (...scenarios: Scenario[]): Scenario =>
  (exchange) =>
    (scenarios[Math.min(exchange.index, scenarios.length - 1)] as Scenario)(exchange);

/** TCP RST as soon as the request is read. */
export const reset =
  (): Scenario =>
  ({ socket }) => {
    socket.resetAndDestroy();
  };

/** Accept the request, never answer. */
export const hang = (): Scenario => () => {};

/** Headers at once, then the body `bytes` at a time every `everyMs`, until done or hung up. */
export const trickle =
  (status: number, body: string, options: { bytes?: number; everyMs?: number } = {}): Scenario =>
  ({ res, socket }) => {
    const bytes = options.bytes ?? 1;
    const data = Buffer.from(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(data.length),
    });
    let sent = 0;
    const tick = () => {
      if (socket.destroyed) return;
      res.write(data.subarray(sent, sent + bytes));
      sent += bytes;
      if (sent >= data.length) res.end();
      else setTimeout(tick, options.everyMs ?? 20);
    };
    tick();
  };

/** Declares the whole body's length, sends `keep` bytes of it, then drops the connection. */
export const cutOff =
  (status: number, body: string, keep: number): Scenario =>
  ({ res, socket }) => {
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    });
    res.write(body.slice(0, keep), () => socket.destroy());
  };

/**
 * `total` bytes of a JSON string, streamed with backpressure: declared (Content-Length) or
 * chunked. The server stops when the client hangs up, so bytesWritten() shows how much it took.
 */
export const flood =
  (total: number, options: { declared: boolean }): Scenario =>
  ({ res, socket }) => {
    res.writeHead(200, {
      "content-type": "application/json",
      ...(options.declared ? { "content-length": String(total) } : {}),
    });
    const chunk = Buffer.alloc(64 * 1024, "0");
    let sent = 0;
    const pump = () => {
      while (sent < total && !socket.destroyed) {
        const piece =
          sent === 0 ? Buffer.concat([Buffer.from('{"a":"'), chunk.subarray(6)]) : chunk;
        sent += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      if (!socket.destroyed) res.end();
    };
    pump();
  };

/** A small gzip body that inflates to `inflated` bytes, with the small (compressed) Content-Length. */
export const gzipBomb = (inflated: number): Scenario => {
  const zipped = gzipSync(
    Buffer.concat([
      Buffer.from('{"access_token":"'),
      Buffer.alloc(inflated, "a"),
      Buffer.from('","token_type":"Bearer"}'),
    ]),
  );
  return ({ res }) => {
    res
      .writeHead(200, {
        "content-type": "application/json",
        "content-encoding": "gzip",
        "content-length": String(zipped.length),
      })
      .end(zipped);
  };
};

/** A redirect, with a body, to `location`. */
export const redirect =
  (status: number, location: string): Scenario =>
  ({ res }) => {
    res
      .writeHead(status, { location, "content-type": "text/html" })
      .end(`<a href="${location}">moved</a>`);
  };

/** An informational 1xx (103 Early Hints or 100 Continue) first, then `then`. */
export const informational =
  (kind: "103" | "100", then: Scenario): Scenario =>
  (exchange) => {
    if (kind === "103")
      exchange.res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
    else exchange.res.writeContinue();
    return then(exchange);
  };

/** Raw bytes on the socket instead of an HTTP answer, then close. */
export const raw =
  (bytes: string): Scenario =>
  ({ socket }) => {
    socket.end(bytes);
  };
