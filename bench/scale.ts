/**
 * Benchmark 3, scale: many concurrent device flows in one client process against a loopback
 * server in another (interval 1 s, two pendings, then a token), once per client library and per
 * setup. Runs are sequential, so no two measure CPU at once.
 */
import { execFileSync } from "node:child_process";
import { forkModule } from "./child.ts";
import type { ScaleClient, ScaleClientOptions, ScaleResult } from "./scale-client.ts";
import type { TokenServerOptions, TokenServerStats } from "./token-server.ts";

export interface ScaleSetup {
  name: string;
  what: string;
  flows: number;
  clients: ScaleClient[];
  server: TokenServerOptions;
  connections: number | null;
}

export interface ScaleRow extends ScaleResult {
  setup: string;
  serverConnections: number;
  /** Requests the server dropped on connections idle past `idleCloseMs`. */
  serverDropped: number;
}

/** Sockets per origin in the many-flows setup (undici Agent `connections`). */
export const CONNECTIONS = 256;
const libraries: ScaleClient[] = ["device-flow-sdk", "openid-client", "oauth4webapi"];

/**
 * The setups, for `flows` concurrent flows and `idleFlows` in the idle-close one.
 *
 * Many flows: Node's default server (idle sockets live 5 s and `Keep-Alive: timeout=5` says so), so
 * no socket closes under a client polling every second. All clients share one undici Agent capped
 * at {@link CONNECTIONS} sockets for the origin: Node's default Agent has no cap, and 10,000
 * requests at once would open 10,000 sockets in one burst, overflowing the listen backlog.
 *
 * Idle close: connections idle 900 ms are dead without the client being told (a NAT or load
 * balancer in front of a server announcing 5 s keep-alive), so a poll reusing one after the 1 s
 * interval is dropped: "other side closed". Node's default Agent (no cap). Lowering Node's own
 * `server.keepAliveTimeout` to 900 ms does not do it: Node 20 closes a second later than set, and
 * a closed socket's FIN reaches an idle client before its next poll, so undici reconnects.
 */
export function scaleSetups(flows: number, idleFlows: number): ScaleSetup[] {
  return [
    {
      name: `${flows.toLocaleString("en")} flows, keep-alive 5 s`,
      what:
        "Node's default server (keep-alive 5 s, announced); all clients share one undici Agent (undici 7 from npm, as " +
        `global dispatcher) capped at ${CONNECTIONS} sockets per origin`,
      flows,
      clients: [...libraries, "bare timer"],
      server: { interval: 1, expiresIn: 120 },
      connections: CONNECTIONS,
    },
    {
      name: `${idleFlows.toLocaleString("en")} flows, idle connections die at 900 ms`,
      what:
        "Connections idle for 900 ms are dead without the client being told, as behind a NAT or load balancer " +
        "whose idle timeout is shorter than the server's announced keep-alive (5 s): the next request on one is " +
        "dropped unanswered (\"other side closed\"). Node's default Agent (no socket cap). Lowering Node's own " +
        "`server.keepAliveTimeout` to 900 ms does not reproduce it: Node 20 closes such sockets after 1.9 s, and " +
        "a closed socket's FIN that reaches an idle client before its next poll makes undici reconnect",
      flows: idleFlows,
      clients: libraries,
      server: { interval: 1, expiresIn: 120, idleCloseMs: 900 },
      connections: null,
    },
  ];
}

export interface FileLimit {
  /** `ulimit -n` (soft) in the processes the benchmark starts. */
  soft: number;
  /** The flows that fit: one socket each on both sides at worst, plus a reserve. */
  flows: number;
  note?: string;
}

/** Each side may hold one socket per flow: fewer flows when `ulimit -n` is lower than that. */
export function fitFlows(wanted: number): FileLimit {
  const soft = Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  const reserve = 512;
  if (!Number.isFinite(soft) || soft >= wanted + reserve) return { soft, flows: wanted };
  const flows = Math.max(100, soft - reserve);
  return { soft, flows, note: `ulimit -n is ${soft}: ran ${flows} flows instead of ${wanted}` };
}

export async function runScale(
  sdkPath: string,
  setups: ScaleSetup[],
  budgetMs = 120_000,
): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const setup of setups) {
    for (const client of setup.clients) {
      const server = forkModule(new URL("./token-server.ts", import.meta.url), setup.server);
      try {
        const { port } = await server.next<{ type: string; port: number }>("ready");
        const options: ScaleClientOptions = {
          client,
          sdkPath,
          flows: setup.flows,
          port,
          interval: setup.server.interval,
          connections: setup.connections,
          budgetMs,
        };
        const child = forkModule(new URL("./scale-client.ts", import.meta.url), options, [
          "--expose-gc",
        ]);
        try {
          const result = await child.next<ScaleResult>("result", budgetMs + 60_000);
          server.send({ type: "stats" });
          const stats = await server.next<TokenServerStats>("stats");
          rows.push({
            ...result,
            setup: setup.name,
            serverConnections: stats.connections,
            serverDropped: stats.dropped,
          });
        } finally {
          await child.stop();
        }
      } finally {
        await server.stop();
      }
    }
  }
  return rows;
}
