/**
 * A small scriptable HTTP server on 127.0.0.1 for imitating one provider's wire: a test gives it
 * routes (`"POST /login/device/code"` → a handler) and it records every request with its arrival
 * time on the test's clock, its parsed body, and the reply it got. Handlers are plain functions of
 * the request, so an imitation can keep state (per device code, per poll) the way the real
 * provider does. Unknown routes get 404, so a preset that sends to the wrong path fails loudly.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the imitation saw it. */
export interface ImitationRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as sent. */
  body: string;
  /** Form fields when the body is `application/x-www-form-urlencoded`, else undefined. */
  form: Record<string, string> | undefined;
  /** Every value of each form field (a repeated field shows up here whole). */
  formAll: Record<string, string[]> | undefined;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: unknown;
  /** Arrival time on the imitation's clock (epoch ms). */
  at: number;
  /** The reply it was given (filled in once the handler returns). */
  reply?: Reply;
}

/** What to answer. `body` objects are JSON unless `form` is set. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Reset the connection instead of answering: the answer is lost on the way. */
  lost?: boolean;
}

export type Handler = (request: ImitationRequest, index: number) => Reply | Promise<Reply>;

export interface Imitation {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly requests: ImitationRequest[];
  /** The requests to one route (`"POST /token"`). */
  to(route: string): ImitationRequest[];
  close(): Promise<void>;
}

/** A JSON answer, as most providers send it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(body),
  };
}

/** A form-urlencoded answer (GitHub without `Accept: application/json`): every value a string. */
export function formReply(
  status: number,
  fields: Record<string, string | number>,
  headers: Record<string, string> = {},
): Reply {
  const body = new URLSearchParams(
    Object.entries(fields).map(([k, v]) => [k, String(v)]),
  ).toString();
  return {
    status,
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", ...headers },
    body,
  };
}

/** Answers in order; the last one repeats. */
export function inOrder(...handlers: Handler[]): Handler {
  if (handlers.length === 0) throw new Error("inOrder needs at least one handler");
  return (request, index) => handlers[Math.min(index, handlers.length - 1)]!(request, index);
}

/** The decoded `Authorization: Basic` credentials (RFC 6749 §2.3.1: each part form-url-decoded). */
export function basicCredentials(
  request: ImitationRequest,
): { id: string; secret: string } | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

/**
 * The gaps between consecutive requests to `route`, with the request before the first one (the
 * device authorization, say) as the start: `gaps[i]` is how long request i waited for its turn.
 */
export function gapsBetween(requests: readonly ImitationRequest[], from: number): number[] {
  const times = [from, ...requests.map((request) => request.at)];
  return times.slice(1).map((at, i) => at - times[i]!);
}

/** Starts an imitation. `now` is the clock arrival times are read from (Date.now by default). */
export async function startImitation(
  routes: Record<string, Handler>,
  options: { now?: () => number } = {},
): Promise<Imitation> {
  const now = options.now ?? Date.now;
  const requests: ImitationRequest[] = [];
  const counts = new Map<string, number>();

  const server = createServer((req, res) => {
    const at = now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const body = Buffer.concat(chunks).toString("utf8");
        const type = req.headers["content-type"] ?? "";
        const isForm = /^application\/x-www-form-urlencoded\b/i.test(type);
        const params = isForm ? new URLSearchParams(body) : undefined;
        const formAll: Record<string, string[]> | undefined = params ? {} : undefined;
        if (params && formAll)
          for (const [name, value] of params) (formAll[name] ??= []).push(value);
        let parsed: unknown;
        if (/^application\/json\b/i.test(type)) {
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = undefined;
          }
        }
        const request: ImitationRequest = {
          method: req.method ?? "",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          form: params ? Object.fromEntries(params) : undefined,
          formAll,
          json: parsed,
          at,
        };
        requests.push(request);
        const route = `${request.method} ${request.path}`;
        const handler = routes[route];
        const index = counts.get(route) ?? 0;
        counts.set(route, index + 1);
        let reply: Reply;
        try {
          reply = handler
            ? await handler(request, index)
            : json(404, { error: "not_found", route });
        } catch (error) {
          reply = json(500, { error: "imitation_failed", error_description: String(error) });
        }
        request.reply = reply;
        if (reply.lost) {
          res.socket?.destroy();
          return;
        }
        res.writeHead(reply.status, {
          "Cache-Control": "no-store",
          Connection: "close",
          ...reply.headers,
        });
        res.end(reply.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    to: (route) => requests.filter((request) => `${request.method} ${request.path}` === route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What {@link imitateOAuth} needs to know of one provider's OAuth wire. */
export interface OAuthImitationOptions {
  /** The device authorization route, e.g. `"POST /device/code"`. */
  device: string;
  /** The token route, e.g. `"POST /token"`. */
  token: string;
  /** Answers a device authorization request (validate it here; refuse as the provider would). */
  authorize: Handler;
  /** Token-endpoint answers to the device-code grant, in order; the last repeats. */
  steps: readonly (Reply | Handler)[];
  /** Answers `grant_type=refresh_token`; 400 `unsupported_grant_type` when absent. */
  refresh?: Handler;
  /** Refuses a token request before its step (a missing secret, a wrong client); undefined lets it through. */
  check?: (request: ImitationRequest) => Reply | undefined;
  /** The interval the device answer gives; the imitation's rate check starts from it. */
  interval: number;
  /**
   * The provider's answer to a poll sooner than the interval in force, as RFC 8628 §3.5 servers
   * send: the interval in force then grows by 5 s. Without it, polls are not rate-checked.
   */
  tooEarly?: (interval: number) => Reply;
  /** More routes (discovery metadata, say). */
  routes?: Record<string, Handler>;
  now?: () => number;
}

export interface OAuthImitation extends Imitation {
  /** Device-code polls that came sooner than the interval in force. */
  readonly early: number;
  /** The device-code polls, in order. */
  polls(): ImitationRequest[];
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** The error code of a reply's JSON body, if any. */
export function replyError(reply: Reply | undefined): string | undefined {
  try {
    const body: unknown = JSON.parse(reply?.body ?? "");
    const error = (body as { error?: unknown } | null)?.error;
    return typeof error === "string" ? error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An RFC 8628-like provider: a device route, a token route that answers the scripted steps to
 * device-code polls (each scripted or rate-check `slow_down` adds 5 s to the interval in force,
 * RFC 8628 §3.5), and a refresh answer.
 */
export async function imitateOAuth(options: OAuthImitationOptions): Promise<OAuthImitation> {
  let interval = options.interval;
  let last: number | undefined;
  let step = 0;
  let early = 0;
  const imitation = await startImitation(
    {
      ...options.routes,
      [options.device]: (request, index) => {
        last = request.at;
        return options.authorize(request, index);
      },
      [options.token]: (request, index) => {
        const refused = options.check?.(request);
        if (refused) return refused;
        if (request.form?.grant_type === "refresh_token") {
          return options.refresh
            ? options.refresh(request, index)
            : json(400, { error: "unsupported_grant_type" });
        }
        if (request.form?.grant_type !== DEVICE_GRANT)
          return json(400, { error: "unsupported_grant_type" });
        const tooSoon = last !== undefined && request.at - last < interval * 1000;
        last = request.at;
        if (tooSoon && options.tooEarly) {
          early += 1;
          interval += 5;
          return options.tooEarly(interval);
        }
        const scripted = options.steps[Math.min(step++, options.steps.length - 1)]!;
        const reply = typeof scripted === "function" ? scripted(request, index) : scripted;
        return Promise.resolve(reply).then((answer) => {
          if (replyError(answer) === "slow_down") interval += 5;
          return answer;
        });
      },
    },
    { now: options.now },
  );
  // A getter, not a copy: Object.assign would freeze `early` at 0.
  return Object.defineProperties(imitation, {
    early: { get: () => early },
    polls: {
      value: () =>
        imitation.to(options.token).filter((request) => request.form?.grant_type === DEVICE_GRANT),
    },
  }) as OAuthImitation;
}

/**
 * RFC 8628 §3.5 as the imitation saw it: the first poll at least `intervals[0]` seconds after the
 * device authorization request, and each later one at least the interval then in force after the
 * previous poll.
 */
export function pollGaps(imitation: OAuthImitation, device: string): number[] {
  const [start] = imitation.to(device);
  if (!start) throw new Error("no device authorization request");
  return gapsBetween(imitation.polls(), start.at);
}
