/**
 * Benchmark 3's client process (run with --expose-gc): N device flows of one client library, all
 * waiting at once against the server in another process. Reports the heap retained per waiting
 * flow, peak RSS, CPU per poll, event-loop delay and how the flows ended.
 *
 * Flows resume from saved device authorizations (plain JSON, as each library's start call returns
 * it), so no start request is made: the start is not what is measured, and skipping it halves
 * the run. The server is stateless about issuance and accepts the codes as they are.
 */
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import type * as oauth from "oauth4webapi";
import * as openid from "openid-client";
import { Agent, setGlobalDispatcher } from "undici";
import type { DeviceAuthorization, TerminalResult } from "../src/result.ts";
import { childArgument, tell, type Message } from "./child.ts";
import {
  endpointsAt,
  failureName,
  oauthServer,
  oauthWaitForToken,
  openidConfiguration,
} from "./peers.ts";
import { importSdk, type Sdk } from "./sdk.ts";

/** `bare timer` is the floor: a flow that only waits on one setTimeout promise, no library. */
export type ScaleClient = "device-flow-sdk" | "openid-client" | "oauth4webapi" | "bare timer";

export interface ScaleClientOptions {
  client: ScaleClient;
  /** The bundled SDK (see sdk.ts). */
  sdkPath: string;
  flows: number;
  port: number;
  /** Seconds, as the saved authorizations say. */
  interval: number;
  /** Sockets per origin (an undici Agent as global dispatcher), or null for Node's default (no cap). */
  connections: number | null;
  /** Give up waiting for flows after this long, ms. */
  budgetMs: number;
  /** Keep the event loop busy `busyMs` out of every `everyMs` (an app rendering), or none. */
  jank?: { busyMs: number; everyMs: number };
}

export interface ScaleResult extends Message {
  type: "result";
  client: ScaleClient;
  flows: number;
  authorized: number;
  lost: number;
  unfinished: number;
  /** Why flows were lost: reason → count (the most common few). */
  lostReasons: Record<string, number>;
  /** Heap retained per waiting flow, bytes: while all wait for their first poll. */
  heapPerFlowFirstWait: number;
  /** The same between the first and second polls, or null when the polls never paused together. */
  heapPerFlowBetweenPolls: number | null;
  openFdsBetweenPolls: number | null;
  peakRssBytes: number;
  tokenRequests: number;
  failedRequests: number;
  /** Why requests failed: reason → count (the most common few). */
  requestFailures: Record<string, number>;
  cpuPerPollMicros: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  waitSeconds: number;
}

const options = childArgument<ScaleClientOptions>();
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
if (options.connections !== null)
  setGlobalDispatcher(new Agent({ connections: options.connections }));

// Counts every request, whichever library sends it (all three call the global fetch).
let inFlight = 0;
let sent = 0;
let completed = 0;
let failed = 0;
const requestFailures = new Map<string, number>();
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  inFlight += 1;
  sent += 1;
  try {
    return await realFetch(input, init);
  } catch (error) {
    failed += 1;
    count(requestFailures, failureName(error));
    throw error;
  } finally {
    inFlight -= 1;
    completed += 1;
  }
};

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function top(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).slice(0, 3));
}

let gcMicros = 0;
function heapAfterGc(): number {
  const before = process.cpuUsage();
  gc!();
  gc!();
  const used = process.cpuUsage(before);
  gcMicros += used.user + used.system;
  return process.memoryUsage().heapUsed;
}

interface Library {
  /** The saved authorization of flow `index`, as the library's own start call would return it. */
  saved(index: number): unknown;
  /** Waits for the token; resolves to a failure reason, or undefined when authorized. */
  wait(authorization: unknown): Promise<string | undefined>;
}

const authorizedOrReason = (result: TerminalResult) =>
  result.status === "authorized"
    ? undefined
    : result.status === "error"
      ? result.error
      : result.status;
const authorizedAnyway = () => undefined;

function library(sdk: Sdk): Library {
  const endpoints = endpointsAt(`http://127.0.0.1:${options.port}`);
  const { deviceAuthorizationEndpoint, tokenEndpoint } = endpoints;
  const expiresIn = 120;
  if (options.client === "device-flow-sdk") {
    const provider = sdk.rfc8628({ deviceAuthorizationEndpoint, tokenEndpoint, clientId: "p2" });
    return {
      saved: (index): DeviceAuthorization => ({
        deviceCode: `p2.${index}`,
        userCode: `U${index}`,
        verificationUri: "http://127.0.0.1/device",
        expiresIn,
        interval: options.interval,
        expiresAt: Date.now() + expiresIn * 1000,
      }),
      wait: (authorization) =>
        sdk.waitForToken(provider, authorization as DeviceAuthorization).then(authorizedOrReason),
    };
  }
  const saved = (index: number): oauth.DeviceAuthorizationResponse => ({
    device_code: `p2.${index}`,
    user_code: `U${index}`,
    verification_uri: "http://127.0.0.1/device",
    expires_in: expiresIn,
    interval: options.interval,
  });
  if (options.client === "openid-client") {
    const config = openidConfiguration(endpoints, "p2");
    return {
      saved,
      wait: (authorization) =>
        openid
          .pollDeviceAuthorizationGrant(config, authorization as openid.DeviceAuthorizationResponse)
          .then(authorizedAnyway),
    };
  }
  if (options.client === "oauth4webapi") {
    const as = oauthServer(endpoints);
    const client: oauth.Client = { client_id: "p2" };
    return {
      saved,
      wait: (authorization) =>
        oauthWaitForToken(as, client, authorization as oauth.DeviceAuthorizationResponse).then(
          authorizedAnyway,
        ),
    };
  }
  return { saved, wait: () => delay(options.interval * 1000).then(authorizedAnyway) };
}

async function main(): Promise<ScaleResult> {
  const lib = library(await importSdk(options.sdkPath));
  const authorizations = Array.from({ length: options.flows }, (_, index) => lib.saved(index));
  const flows = authorizations.length;
  const baseline = heapAfterGc();
  gcMicros = 0;
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const cpuStart = process.cpuUsage();
  const waitStart = performance.now();

  // Shared handlers: the harness keeps one reaction per flow and no array of promises.
  const reasons = new Map<string, number>();
  let authorized = 0;
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = (reason: string | undefined) => {
    if (reason === undefined) authorized += 1;
    else count(reasons, reason);
    if (++settled === flows) allSettled();
  };
  const fail = (error: unknown) => settle(failureName(error));
  for (const authorization of authorizations) lib.wait(authorization).then(settle, fail);

  // Every library waits `interval` before its first poll: all flows are asleep now.
  const heapPerFlowFirstWait = (heapAfterGc() - baseline) / flows;

  // Between polls: once every flow's first poll is answered and before any second one is sent.
  let heapPerFlowBetweenPolls: number | null = null;
  let openFdsBetweenPolls: number | null = null;
  if (options.client !== "bare timer") {
    await new Promise<void>((resolve) => {
      const deadline = performance.now() + options.budgetMs;
      const check = () => {
        if (sent > flows || settled > 0 || performance.now() > deadline) return resolve();
        if (completed === flows && inFlight === 0) {
          // Let the last answers' bodies be read and their flows go back to sleep.
          return setTimeout(() => {
            if (sent === flows && settled === 0) {
              heapPerFlowBetweenPolls = (heapAfterGc() - baseline) / flows;
              openFdsBetweenPolls = readdirSync("/proc/self/fd").length;
            }
            resolve();
          }, 20);
        }
        setTimeout(check, 5);
      };
      check();
    });
  }

  const jank = options.jank;
  const janking = jank
    ? setInterval(() => {
        const until = performance.now() + jank.busyMs;
        while (performance.now() < until);
      }, jank.everyMs)
    : undefined;
  const budget = new Promise<void>((resolve) => setTimeout(resolve, options.budgetMs).unref());
  await Promise.race([done, budget]);
  clearInterval(janking);
  const waitSeconds = (performance.now() - waitStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  eld.disable();
  return {
    type: "result",
    client: options.client,
    flows,
    authorized,
    lost: settled - authorized,
    unfinished: flows - settled,
    lostReasons: top(reasons),
    heapPerFlowFirstWait,
    heapPerFlowBetweenPolls,
    openFdsBetweenPolls,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    tokenRequests: sent,
    failedRequests: failed,
    requestFailures: top(requestFailures),
    cpuPerPollMicros: sent > 0 ? (cpu.user + cpu.system - gcMicros) / sent : 0,
    eventLoopDelayMs: {
      p50: eld.percentile(50) / 1e6,
      p99: eld.percentile(99) / 1e6,
      max: eld.max / 1e6,
    },
    waitSeconds,
  };
}

tell(await main());
process.on("message", (raw) => {
  if ((raw as Message).type === "exit") process.exit(0);
});
process.on("disconnect", () => process.exit(0));
