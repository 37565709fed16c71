/**
 * Benchmark 2, per-poll overhead: one token request answered 400 authorization_pending, made by
 * each client against the same loopback server in another process (so only client CPU is
 * counted here). Candidates are measured in interleaved rounds, so drift on a shared machine
 * hits them alike: wall time per poll with mitata's `measure`, and client CPU per poll with
 * `process.cpuUsage()` around a fixed batch of sequential polls.
 */
import { measure } from "mitata";
import * as oauth from "oauth4webapi";
import * as openid from "openid-client";
import { forkModule } from "./child.ts";
import { endpointsAt, oauthPoll, oauthServer, openidConfiguration } from "./peers.ts";
import type { Sdk } from "./sdk.ts";
import type { TokenServerOptions, TokenServerStats } from "./token-server.ts";

export interface OverheadOptions {
  rounds: number;
  /** mitata's minimum measured time per candidate per round, ms. */
  timePerRoundMs: number;
  /** Sequential polls per CPU batch. */
  cpuBatch: number;
}

export interface OverheadRow {
  /** `content-length` or `chunked`: how the server framed its answers; ratios are within a group. */
  framing: Framing;
  client: string;
  how: string;
  /** Median and mean wall time per poll, µs. */
  p50Micros: number;
  avgMicros: number;
  /** Client CPU (user + system) per poll, µs: median over rounds. */
  cpuMicros: number;
  samples: number;
}

/** openid-client has no single-poll call: its loop runs with interval 0 over this many polls. */
const OPENID_POLLS_PER_CALL = 16;

export type Framing = "content-length" | "chunked";

/** The raw-fetch row that also carries a timeout's signal and timer. */
export const RAW_WITH_TIMEOUT = "raw fetch + timeout";

interface Candidate {
  framing: Framing;
  client: string;
  how: string;
  /** Polls made by one call of `run`. */
  polls: number;
  run(): Promise<unknown>;
}

export async function runOverhead(sdk: Sdk, options: OverheadOptions): Promise<OverheadRow[]> {
  const server = forkModule(new URL("./token-server.ts", import.meta.url), {
    interval: 1,
    expiresIn: 600,
  } satisfies TokenServerOptions);
  try {
    const { port } = await server.next<{ type: string; port: number }>("ready");
    const endpoints = endpointsAt(`http://127.0.0.1:${port}`);
    const candidates = await prepare(sdk, endpoints);
    for (const candidate of candidates) await check(candidate, server);

    const times = new Map<Candidate, number[]>(candidates.map((c) => [c, []]));
    const cpu = new Map<Candidate, number[]>(candidates.map((c) => [c, []]));
    for (const candidate of candidates)
      for (let i = 0; i < 200 / candidate.polls; i++) await candidate.run();

    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round, so no candidate always runs first after a pause.
      const order = candidates.map((_, i) => candidates[(i + round) % candidates.length]!);
      for (const candidate of order) {
        const stats = await measure(() => candidate.run(), {
          min_cpu_time: options.timePerRoundMs * 1e6,
          warmup_samples: 4,
          min_samples: 20,
        });
        times.get(candidate)!.push(...stats.samples.map((ns) => ns / candidate.polls));
      }
      for (const candidate of order) {
        const calls = Math.ceil(options.cpuBatch / candidate.polls);
        const before = process.cpuUsage();
        for (let i = 0; i < calls; i++) await candidate.run();
        const used = process.cpuUsage(before);
        cpu.get(candidate)!.push((used.user + used.system) / (calls * candidate.polls));
      }
    }

    return candidates.map((candidate) => {
      const samples = times.get(candidate)!;
      return {
        framing: candidate.framing,
        client: candidate.client,
        how: candidate.how,
        p50Micros: median(samples) / 1000,
        avgMicros: samples.reduce((a, b) => a + b, 0) / samples.length / 1000,
        cpuMicros: median(cpu.get(candidate)!),
        samples: samples.length,
      };
    });
  } finally {
    await server.stop();
  }
}

async function prepare(sdk: Sdk, endpoints: ReturnType<typeof endpointsAt>): Promise<Candidate[]> {
  const { deviceAuthorizationEndpoint, tokenEndpoint } = endpoints;
  const provider = sdk.rfc8628({ deviceAuthorizationEndpoint, tokenEndpoint, clientId: "pinf" });
  const authorization = await sdk.startDeviceAuthorization(provider);
  const deviceCode = authorization.deviceCode;
  const body = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    device_code: deviceCode,
    client_id: "pinf",
  }).toString();
  const as = oauthServer(endpoints);
  const client: oauth.Client = { client_id: "pinf" };
  const config = openidConfiguration(endpoints, "pinf");
  let batch = 0;

  const chunkedProvider = sdk.rfc8628({
    deviceAuthorizationEndpoint,
    tokenEndpoint: `${tokenEndpoint}/chunked`,
    clientId: "pinf",
  });
  const raw = (framing: Framing, url: string): Candidate => ({
    framing,
    client: "raw fetch",
    how: "`fetch` + `response.json()`",
    polls: 1,
    async run() {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body,
      });
      const json = (await response.json()) as { error?: string };
      if (json.error !== "authorization_pending") throw new Error("raw fetch: not pending");
      return json;
    },
  });
  // What any client with a per-request timeout does (the SDK's default is 30 s): a signal for
  // fetch and a timer that aborts it. It separates the cost of that wiring from the rest.
  const rawWithTimeout: Candidate = {
    framing: "content-length",
    client: RAW_WITH_TIMEOUT,
    how: "`fetch` with an AbortController's signal, a 30 s timer to abort it, + `response.json()`",
    polls: 1,
    async run() {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      try {
        const response = await fetch(tokenEndpoint, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body,
          signal: controller.signal,
        });
        const json = (await response.json()) as { error?: string };
        if (json.error !== "authorization_pending") throw new Error("raw fetch: not pending");
        return json;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  const ours = (framing: Framing, on: typeof provider): Candidate => ({
    framing,
    client: "device-flow-sdk",
    how: "`pollForToken`",
    polls: 1,
    async run() {
      const result = await sdk.pollForToken(on, authorization);
      if (result.status !== "pending") throw new Error(`sdk: ${result.status}`);
      return result;
    },
  });

  return [
    raw("content-length", tokenEndpoint),
    rawWithTimeout,
    ours("content-length", provider),
    {
      framing: "content-length",
      client: "oauth4webapi",
      how: "`deviceCodeGrantRequest` + `processDeviceCodeResponse` (throws on pending)",
      polls: 1,
      async run() {
        try {
          await oauthPoll(as, client, deviceCode);
        } catch (error) {
          if (error instanceof oauth.ResponseBodyError && error.error === "authorization_pending")
            return error;
          throw error;
        }
        throw new Error("oauth4webapi: not pending");
      },
    },
    {
      framing: "content-length",
      client: "openid-client",
      how: `\`pollDeviceAuthorizationGrant\`, interval 0, ${OPENID_POLLS_PER_CALL} polls per call (${OPENID_POLLS_PER_CALL - 1} pending, then access_denied), per poll`,
      polls: OPENID_POLLS_PER_CALL,
      async run() {
        batch += 1;
        const code = `d${OPENID_POLLS_PER_CALL}.${batch}`;
        try {
          await openid.pollDeviceAuthorizationGrant(config, {
            device_code: code,
            user_code: "U",
            verification_uri: "http://127.0.0.1/device",
            expires_in: 600,
            interval: 0,
          });
        } catch (error) {
          if (error instanceof oauth.ResponseBodyError && error.error === "access_denied")
            return error;
          throw error;
        }
        throw new Error("openid-client: not denied");
      },
    },
    raw("chunked", `${tokenEndpoint}/chunked`),
    ours("chunked", chunkedProvider),
  ];
}

/** Proves each candidate really sends the polls it claims, counted at the server. */
async function check(candidate: Candidate, server: ReturnType<typeof forkModule>): Promise<void> {
  server.send({ type: "stats" });
  const before = await server.next<TokenServerStats>("stats");
  await candidate.run();
  server.send({ type: "stats" });
  const after = await server.next<TokenServerStats>("stats");
  const sent = after.tokenRequests - before.tokenRequests;
  if (sent !== candidate.polls)
    throw new Error(`${candidate.client}: ${sent} requests, expected ${candidate.polls}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
