/**
 * A loopback RFC 8628 server in its own process (overhead and scale benchmarks), so its CPU never
 * mixes with the client's. It is stateless about issuance: the device code itself says what to
 * answer, so a benchmark can invent codes without a device authorization round trip.
 *   `p<N>.<id>`   N × 400 authorization_pending, then 200 with a token
 *   `pinf.<id>`   400 authorization_pending forever
 *   `d<K>.<id>`   K − 1 × authorization_pending, then 400 access_denied
 * The device authorization endpoint issues `<client_id>.<n>`, so `client_id=p2` starts a p2 flow.
 * Answers carry `Content-Length`, as most OAuth servers' JSON answers do; `/token/chunked` answers
 * the same with chunked transfer encoding instead (no length known up front).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { childArgument, tell, type Message } from "./child.ts";

export interface TokenServerOptions {
  /**
   * Connections idle this long (ms since their last answer) are dead, as behind a NAT or load
   * balancer whose idle timeout is shorter than the server's announced keep-alive: the client is
   * not told, and the next request on such a connection is dropped (the socket is destroyed
   * unanswered, so the client sees "other side closed" or a reset). Unset: every request answered.
   */
  idleCloseMs?: number;
  /** `interval` in device authorization responses, seconds. */
  interval: number;
  /** `expires_in` in device authorization responses, seconds. */
  expiresIn: number;
}

export interface TokenServerStats extends Message {
  type: "stats";
  deviceRequests: number;
  tokenRequests: number;
  /** Requests dropped on connections idle past `idleCloseMs`. */
  dropped: number;
  connections: number;
  cpuMicros: number;
}

const options = childArgument<TokenServerOptions>();
const counts = new Map<string, number>();
let deviceRequests = 0;
let tokenRequests = 0;
let connections = 0;
let dropped = 0;
let issued = 0;
const lastAnswer = new WeakMap<object, number>();

function sendJson(res: ServerResponse, status: number, body: object, chunked = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "no-store",
  };
  if (!chunked) headers["content-length"] = String(Buffer.byteLength(text));
  res.writeHead(status, headers).end(text);
}

type Answer = [status: number, body: object];
const PENDING: Answer = [400, { error: "authorization_pending" }];

/** What the device code's script says to answer to this request. */
function tokenAnswer(deviceCode: string): Answer {
  tokenRequests += 1;
  const dot = deviceCode.indexOf(".");
  const script = dot > 0 ? deviceCode.slice(0, dot) : "";
  if (script === "pinf") return PENDING;
  const limit = Number(script.slice(1));
  if ((script[0] !== "p" && script[0] !== "d") || !Number.isInteger(limit))
    return [400, { error: "invalid_grant" }];
  const seen = (counts.get(deviceCode) ?? 0) + 1;
  const last = script[0] === "p" ? limit + 1 : limit;
  if (seen < last) {
    counts.set(deviceCode, seen);
    return PENDING;
  }
  counts.delete(deviceCode);
  if (script[0] === "d") return [400, { error: "access_denied" }];
  return [200, { access_token: `at-${deviceCode}`, token_type: "Bearer", expires_in: 3600 }];
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    if (req.url === "/token" || req.url === "/token/chunked") {
      const [status, body] = tokenAnswer(form.get("device_code") ?? "");
      return sendJson(res, status, body, req.url === "/token/chunked");
    }
    if (req.url === "/device") {
      deviceRequests += 1;
      issued += 1;
      return sendJson(res, 200, {
        device_code: `${form.get("client_id") ?? "x"}.${issued}`,
        user_code: `U${issued}`,
        verification_uri: "http://127.0.0.1/device",
        expires_in: options.expiresIn,
        interval: options.interval,
      });
    }
    sendJson(res, 404, { error: "not_found" });
  });
}

const server = createServer((req, res) => {
  const idleClose = options.idleCloseMs;
  if (idleClose !== undefined) {
    const socket = req.socket;
    const last = lastAnswer.get(socket);
    if (last !== undefined && performance.now() - last >= idleClose) {
      dropped += 1;
      socket.destroy();
      return;
    }
    res.on("finish", () => lastAnswer.set(socket, performance.now()));
  }
  handle(req, res);
});
server.on("connection", () => (connections += 1));
server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
  const address = server.address();
  tell({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
});

process.on("message", (raw) => {
  const message = raw as Message;
  if (message.type === "stats") {
    const cpu = process.cpuUsage();
    tell({
      type: "stats",
      deviceRequests,
      tokenRequests,
      dropped,
      connections,
      cpuMicros: cpu.user + cpu.system,
    } satisfies TokenServerStats);
  } else if (message.type === "exit") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
