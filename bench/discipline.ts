/**
 * Benchmark 1, polling discipline: a scripted loopback RFC 8628 server answers each flow from a
 * script and, at every request's arrival, checks the gap since the flow's previous request (the
 * device authorization request counts) against the interval then required. All scenarios, for
 * every client, run at once: each lasts seconds, so the whole benchmark lasts the longest one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as openid from "openid-client";
import { endpointsAt, failureName, openidConfiguration, type Endpoints } from "./peers.ts";
import type { Sdk } from "./sdk.ts";

interface Step {
  status: number;
  body?: Record<string, unknown>;
  retryAfter?: number;
}

export interface Scenario {
  name: string;
  what: string;
  /** `interval` sent in the device authorization response; absent means "not sent". */
  interval?: number;
  expiresIn: number;
  /** Answers to the token requests, in order; once used up, `then` answers every request. */
  script: Step[];
  then?: Step;
}

const pending: Step = { status: 400, body: { error: "authorization_pending" } };
const slowDown: Step = { status: 400, body: { error: "slow_down" } };
const token: Step = {
  status: 200,
  body: { access_token: "at", token_type: "Bearer", expires_in: 3600 },
};
const expiredToken: Step = { status: 400, body: { error: "expired_token" } };

export const scenarios: Scenario[] = [
  {
    name: "pending ×3",
    what: "interval 1 s; pending ×3, then the token",
    interval: 1,
    expiresIn: 60,
    script: [pending, pending, pending, token],
  },
  {
    name: "slow_down ×2",
    what: "interval 1 s; pending, slow_down, slow_down, token (gaps 1, 1, 6, 11 s)",
    interval: 1,
    expiresIn: 60,
    script: [pending, slowDown, slowDown, token],
  },
  {
    name: "no interval",
    what: "no `interval` sent (so 5 s); pending, token",
    expiresIn: 60,
    script: [pending, token],
  },
  {
    name: "503 Retry-After",
    what: "interval 1 s; pending, 503 with Retry-After: 3, pending, token",
    interval: 1,
    expiresIn: 60,
    script: [pending, { status: 503, retryAfter: 3 }, pending, token],
  },
  {
    name: "429 Retry-After",
    what: "interval 1 s; pending, 429 with Retry-After: 3, pending, token",
    interval: 1,
    expiresIn: 60,
    script: [pending, { status: 429, retryAfter: 3 }, pending, token],
  },
  {
    name: "expiry",
    what: "interval 1 s, expires_in 4 s; pending until expiry",
    interval: 1,
    expiresIn: 4,
    script: [],
    then: pending,
  },
  {
    name: "slow_down past expiry",
    what: "interval 2 s, expires_in 7 s; pending, slow_down (next poll would be at 11 s)",
    interval: 2,
    expiresIn: 7,
    script: [pending, slowDown],
    then: pending,
  },
];

const DEFAULT_INTERVAL_S = 5;

/** What a client that follows RFC 8628 to the letter does: its request count and duration. */
export function ideal(scenario: Scenario): {
  requests: number;
  seconds: number;
  outcome: "authorized" | "expired";
} {
  let interval = scenario.interval ?? DEFAULT_INTERVAL_S;
  let required = interval;
  let t = 0;
  for (let n = 0; n < 1000; n++) {
    if (t + required >= scenario.expiresIn)
      return { requests: n, seconds: scenario.expiresIn, outcome: "expired" };
    t += required;
    const step = scenario.script[n] ?? scenario.then ?? expiredToken;
    if (step.body?.error === "slow_down") interval += 5;
    required = Math.max(interval, step.retryAfter ?? 0);
    const keepsPolling =
      step.body?.error === "authorization_pending" ||
      step.body?.error === "slow_down" ||
      step.status >= 429;
    if (!keepsPolling)
      return {
        requests: n + 1,
        seconds: t,
        outcome: step.status === 200 ? "authorized" : "expired",
      };
  }
  throw new Error(`scenario ${scenario.name} never ends`);
}

interface Flow {
  scenario: Scenario;
  lastArrival: number;
  /** Milliseconds the next request must wait after the previous one. */
  required: number;
  interval: number;
  deadline: number;
  /** Token requests received, including any after the deadline. */
  requests: number;
  /** Script steps used. */
  answered: number;
  early: number;
  /** Smallest (gap − required) seen, ms: negative means early. */
  minMargin: number;
  afterDeadline: number;
}

export interface DisciplineRow {
  scenario: string;
  what: string;
  client: string;
  requests: number;
  needed: number;
  early: number;
  minMarginMs: number;
  afterDeadline: number;
  outcome: string;
  expectedOutcome: string;
  seconds: number;
  idealSeconds: number;
}

const CLIENTS = ["device-flow-sdk", "openid-client"] as const;
type ClientName = (typeof CLIENTS)[number];

/** Runs every scenario for every client at once against one scripted server. */
export async function runDiscipline(sdk: Sdk): Promise<DisciplineRow[]> {
  const flows = new Map<string, Flow>();
  const server = createServer((req, res) => answer(flows, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const runs = scenarios.flatMap((scenario, index) =>
      CLIENTS.map(async (client) => {
        const clientId = `${index}:${client}`;
        const started = performance.now();
        const outcome = await runClient(sdk, client, endpointsAt(origin), clientId);
        const seconds = (performance.now() - started) / 1000;
        const flow = flows.get(clientId);
        const expected = ideal(scenario);
        return {
          scenario: scenario.name,
          what: scenario.what,
          client,
          requests: flow?.requests ?? 0,
          needed: expected.requests,
          early: flow?.early ?? 0,
          minMarginMs: flow ? Math.round(flow.minMargin) : 0,
          afterDeadline: flow?.afterDeadline ?? 0,
          outcome,
          expectedOutcome: expected.outcome,
          seconds,
          idealSeconds: expected.seconds,
        } satisfies DisciplineRow;
      }),
    );
    return await Promise.all(runs);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** One flow, start to finish, bounded by the code's expiry (and 60 s whatever happens). */
async function runClient(
  sdk: Sdk,
  client: ClientName,
  endpoints: Endpoints,
  clientId: string,
): Promise<string> {
  if (client === "device-flow-sdk") {
    const { deviceAuthorizationEndpoint, tokenEndpoint } = endpoints;
    const provider = sdk.rfc8628({ deviceAuthorizationEndpoint, tokenEndpoint, clientId });
    const authorization = await sdk.startDeviceAuthorization(provider);
    const result = await sdk.waitForToken(provider, authorization, {
      signal: AbortSignal.timeout(60_000),
    });
    return result.status === "error" ? `error: ${result.error}` : result.status;
  }
  const config = openidConfiguration(endpoints, clientId);
  const authorization = await openid.initiateDeviceAuthorization(config, {});
  try {
    await openid.pollDeviceAuthorizationGrant(config, authorization);
    return "authorized";
  } catch (error) {
    const reason = failureName(error);
    // Its expiry is an abort of its own polling signal (or the server's expired_token).
    return /TIMEOUT|TimeoutError|expired_token/.test(reason) ? "expired" : `error: ${reason}`;
  }
}

function answer(flows: Map<string, Flow>, req: IncomingMessage, res: ServerResponse): void {
  const arrival = performance.now();
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const reply = (step: Step) => {
      const text = step.body ? JSON.stringify(step.body) : "";
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "cache-control": "no-store",
        "content-length": String(Buffer.byteLength(text)),
      };
      if (step.retryAfter !== undefined) headers["retry-after"] = String(step.retryAfter);
      res.writeHead(step.status, headers).end(text);
    };
    if (req.url === "/device") {
      const clientId = form.get("client_id") ?? "";
      const scenario = scenarios[Number(clientId.split(":")[0])];
      if (!scenario) return reply({ status: 400, body: { error: "invalid_client" } });
      const interval = scenario.interval ?? DEFAULT_INTERVAL_S;
      flows.set(clientId, {
        scenario,
        lastArrival: arrival,
        required: interval * 1000,
        interval,
        deadline: performance.now() + scenario.expiresIn * 1000,
        requests: 0,
        answered: 0,
        early: 0,
        minMargin: Infinity,
        afterDeadline: 0,
      });
      const body: Record<string, unknown> = {
        device_code: clientId,
        user_code: "WDJB-MJHT",
        verification_uri: "http://127.0.0.1/device",
        expires_in: scenario.expiresIn,
      };
      if (scenario.interval !== undefined) body.interval = scenario.interval;
      return reply({ status: 200, body });
    }
    const flow = flows.get(form.get("device_code") ?? "");
    if (req.url !== "/token" || !flow)
      return reply({ status: 400, body: { error: "invalid_grant" } });

    const margin = arrival - flow.lastArrival - flow.required;
    flow.minMargin = Math.min(flow.minMargin, margin);
    if (margin < 0) flow.early += 1;
    flow.lastArrival = arrival;
    flow.requests += 1;
    if (arrival > flow.deadline) {
      flow.afterDeadline += 1;
      return reply(expiredToken);
    }
    const step = flow.scenario.script[flow.answered] ?? flow.scenario.then ?? expiredToken;
    flow.answered += 1;
    if (step.body?.error === "slow_down") flow.interval += 5;
    flow.required = Math.max(flow.interval, step.retryAfter ?? 0) * 1000;
    reply(step);
  });
}
