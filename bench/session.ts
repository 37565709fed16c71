/**
 * Benchmark 6, the session's hot path: `getAccessToken()` while the session holds a valid token,
 * over `memoryStore()` and over `fileStore()`, against the same call's floor (an already-resolved
 * promise, awaited). The token comes from a real sign-in (`session.signIn()`) against the loopback
 * token server, so the session is in the state a signed-in app is in. The SDK runs as it ships:
 * the core bundle (bench/sdk.ts) and a second bundle of src/node/index.ts that imports that core
 * bundle instead of a copy of it, as tsdown.config.ts builds the `node` entry.
 *
 * What is counted during the hot loop: calls to the store object's methods (it is wrapped), and
 * for both stores calls to the `node:fs/promises` functions the file store uses (wrapped, then
 * `syncBuiltinESMExports()` so the bundle's ESM imports see the wrappers). Lock directories
 * (proper-lockfile, callback `fs`) are not counted at the fs level; `store.lock` calls are.
 * A new session's first call must read the store once: that is the counters' positive control.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { forkModule } from "./child.ts";
import { endpointsAt } from "./peers.ts";
import { importSdk, type Sdk } from "./sdk.ts";
import type { TokenServerOptions } from "./token-server.ts";

type NodeSdk = typeof import("../src/node/index.ts");
type TokenStore = import("../src/index.ts").TokenStore;

export interface SessionBenchOptions {
  rounds: number;
  /** Time per candidate per round, ms: half for batched calls, half for individually timed ones. */
  timePerRoundMs: number;
}

export interface SessionRow {
  name: "floor" | "memory store" | "file store";
  how: string;
  /** Per call, µs: median of batch means (batches of {@link BATCH} calls, no clock read inside). */
  p50Micros: number;
  /** Per call, µs: 99th percentile of individually timed calls (two clock reads included). */
  p99Micros: number;
  /** Calls made in the hot loop (batched + individually timed). */
  calls: number;
  /** `store.get` calls during the hot loop, and all store calls (get, set, delete, lock). */
  storeReads: number;
  storeCalls: number;
  /** `node:fs/promises` calls during the hot loop (readFile, open, stat, …). */
  fsCalls: number;
  /** A new session over the already-filled store, its first call: median µs and reads per call. */
  firstCall?: { micros: number; storeReads: number; fsCalls: number; samples: number };
}

export interface SessionResult {
  rows: SessionRow[];
  rounds: number;
  batch: number;
}

/** Calls per timed batch: long enough that two clock reads are noise, short enough for many batches. */
export const BATCH = 1_000;
/** Upper bounds per candidate per round, whatever the time budget says. */
const MAX_BATCHES = 2_000;
const MAX_SINGLES = 200_000;
/** New sessions opened for the first-call figure (each reads the store once). */
const FIRST_CALLS = 30;

/** The fs/promises functions the file store (and a store that checks a file's mtime) would call. */
const FS_FUNCTIONS = [
  "readFile",
  "open",
  "stat",
  "lstat",
  "readdir",
  "access",
  "mkdir",
  "rename",
  "unlink",
  "writeFile",
] as const;

export async function runSession(
  sdkPath: string,
  options: SessionBenchOptions,
): Promise<SessionResult> {
  const sdk = await importSdk(sdkPath);
  const nodeDir = await mkdtemp(join(tmpdir(), "device-flow-sdk-bench-node-"));
  const dataDir = await mkdtemp(join(tmpdir(), "device-flow-sdk-bench-session-"));
  const server = forkModule(new URL("./token-server.ts", import.meta.url), {
    interval: 1,
    expiresIn: 600,
  } satisfies TokenServerOptions);
  const fs = countFsCalls();
  try {
    const node = (await import(pathToFileURL(await buildNode(sdkPath, nodeDir)).href)) as NodeSdk;
    const { port } = await server.next<{ type: string; port: number }>("ready");
    const { deviceAuthorizationEndpoint, tokenEndpoint } = endpointsAt(`http://127.0.0.1:${port}`);
    // client_id p0: the server answers the first poll with a token (after the 1 s interval).
    const provider = sdk.rfc8628({ deviceAuthorizationEndpoint, tokenEndpoint, clientId: "p0" });
    const file = join(dataDir, "tokens.json");

    const memory = counted(sdk.memoryStore());
    const onDisk = counted(node.fileStore(file));
    const [memorySession, fileSession] = (await Promise.all(
      [memory, onDisk].map(async (store) => {
        const session = sdk.createSession(provider, { store: store.store, key: "bench" });
        const result = await session.signIn();
        if (result.status !== "authorized")
          throw new Error(`session bench: sign-in ended ${result.status}`);
        return { session, token: result.token.accessToken };
      }),
    )) as [Signed, Signed];

    const floorToken = memorySession.token;
    const candidates: Candidate[] = [
      {
        name: "floor",
        how: "`await Promise.resolve(token)`",
        token: floorToken,
        run: () => Promise.resolve(floorToken),
      },
      {
        name: "memory store",
        how: "`memoryStore()` (core), after `signIn()`",
        token: memorySession.token,
        store: memory,
        run: () => memorySession.session.getAccessToken(),
      },
      {
        name: "file store",
        how: "`fileStore(path)` (device-flow-sdk/node), after `signIn()`",
        token: fileSession.token,
        store: onDisk,
        run: () => fileSession.session.getAccessToken(),
      },
    ];
    const samples = new Map(
      candidates.map((c) => [
        c,
        { batches: [] as number[], singles: [] as number[], reads: 0, storeCalls: 0, fsCalls: 0 },
      ]),
    );

    // Warm-up, so the JIT has compiled the path before anything is timed.
    for (const candidate of candidates) await timeBatches(candidate, 50, Infinity);

    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round, so no candidate always runs first after a pause.
      const order = candidates.map((_, i) => candidates[(i + round) % candidates.length]!);
      for (const candidate of order) {
        const s = samples.get(candidate)!;
        const reads = candidate.store?.counts.get ?? 0;
        const storeCalls = total(candidate.store?.counts);
        const fsCalls = fs.calls();
        for (const ns of await timeBatches(candidate, MAX_BATCHES, options.timePerRoundMs / 2))
          s.batches.push(ns);
        for (const ns of await timeSingles(candidate, MAX_SINGLES, options.timePerRoundMs / 2))
          s.singles.push(ns);
        s.reads += (candidate.store?.counts.get ?? 0) - reads;
        s.storeCalls += total(candidate.store?.counts) - storeCalls;
        s.fsCalls += fs.calls() - fsCalls;
      }
    }

    // A new session over the filled store: a process that starts signed in. Its first call has to
    // read the store, which proves the counters see reads when there are some.
    const stores = { "memory store": memory, "file store": counted(node.fileStore(file)) };
    const rows: SessionRow[] = [];
    for (const candidate of candidates) {
      const s = samples.get(candidate)!;
      const row: SessionRow = {
        name: candidate.name,
        how: candidate.how,
        p50Micros: median(s.batches) / 1000,
        p99Micros: percentile(s.singles, 0.99) / 1000,
        calls: s.batches.length * BATCH + s.singles.length,
        storeReads: s.reads,
        storeCalls: s.storeCalls,
        fsCalls: s.fsCalls,
      };
      if (candidate.name !== "floor") {
        const store = stores[candidate.name];
        row.firstCall = await firstCalls(sdk, provider, store, candidate.token, fs);
        if (row.firstCall.storeReads !== 1)
          throw new Error(
            `session bench: a new session's first call made ${row.firstCall.storeReads} store reads, expected 1`,
          );
        if (candidate.name === "file store" && row.firstCall.fsCalls < 1)
          throw new Error("session bench: the fs counter did not see the file store's read");
      }
      rows.push(row);
    }
    return { rows, rounds: options.rounds, batch: BATCH };
  } finally {
    fs.restore();
    await server.stop();
    await rm(nodeDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface Signed {
  session: ReturnType<Sdk["createSession"]>;
  token: string;
}

interface Candidate {
  name: SessionRow["name"];
  how: string;
  /** What every call must resolve to. */
  token: string;
  store?: Counted;
  run(): Promise<string>;
}

/** Per-call ns of up to `maxBatches` batches, stopping once `budgetMs` has passed. */
async function timeBatches(
  candidate: Candidate,
  maxBatches: number,
  budgetMs: number,
): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + budgetMs;
  for (let b = 0; b < maxBatches && performance.now() < end; b++) {
    let last = "";
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) last = await candidate.run();
    out.push(Number(process.hrtime.bigint() - start) / BATCH);
    if (last !== candidate.token)
      throw new Error(`session bench: ${candidate.name} returned another token`);
  }
  return out;
}

/** ns of up to `maxCalls` individually timed calls, stopping once `budgetMs` has passed. */
async function timeSingles(
  candidate: Candidate,
  maxCalls: number,
  budgetMs: number,
): Promise<Float64Array> {
  // Allocated up front, so growing it allocates nothing (and triggers no GC) while timing.
  const out = new Float64Array(maxCalls);
  const end = performance.now() + budgetMs;
  let i = 0;
  // The time budget is checked every 1,000 calls, so checking it costs nothing per call.
  for (; i < maxCalls && (i % 1_000 !== 0 || performance.now() < end); i++) {
    const start = process.hrtime.bigint();
    const token = await candidate.run();
    out[i] = Number(process.hrtime.bigint() - start);
    if (token !== candidate.token)
      throw new Error(`session bench: ${candidate.name} returned another token`);
  }
  return out.subarray(0, i);
}

/** The first call of {@link FIRST_CALLS} new sessions over `store`: median µs, reads per call. */
async function firstCalls(
  sdk: Sdk,
  provider: ReturnType<Sdk["rfc8628"]>,
  store: Counted,
  token: string,
  fs: FsCounter,
): Promise<NonNullable<SessionRow["firstCall"]>> {
  const times: number[] = [];
  const reads = store.counts.get;
  const fsCalls = fs.calls();
  for (let i = 0; i < FIRST_CALLS; i++) {
    const session = sdk.createSession(provider, { store: store.store, key: "bench" });
    const start = process.hrtime.bigint();
    const got = await session.getAccessToken();
    times.push(Number(process.hrtime.bigint() - start) / 1000);
    if (got !== token) throw new Error("session bench: a new session returned another token");
  }
  return {
    micros: median(times),
    storeReads: (store.counts.get - reads) / FIRST_CALLS,
    fsCalls: (fs.calls() - fsCalls) / FIRST_CALLS,
    samples: FIRST_CALLS,
  };
}

interface Counted {
  store: TokenStore;
  counts: { get: number; set: number; delete: number; lock: number };
}

/** The store with every method call counted; the session sees only this object. */
function counted(inner: TokenStore): Counted {
  const counts = { get: 0, set: 0, delete: 0, lock: 0 };
  const store: TokenStore = {
    get: (key) => (counts.get++, inner.get(key)),
    set: (key, value, expected) => (counts.set++, inner.set(key, value, expected)),
    delete: (key) => (counts.delete++, inner.delete(key)),
    lock: (key, ttlMs, signal) => (counts.lock++, inner.lock(key, ttlMs, signal)),
  };
  return { store, counts };
}

const total = (counts: Counted["counts"] | undefined) =>
  counts ? counts.get + counts.set + counts.delete + counts.lock : 0;

interface FsCounter {
  calls(): number;
  restore(): void;
}

/**
 * Counts calls to {@link FS_FUNCTIONS} of `node:fs/promises` from anywhere in this process, ESM
 * importers included (`syncBuiltinESMExports` rebinds their named imports). Module loading reads
 * files too, so only spans without an import are compared.
 */
function countFsCalls(): FsCounter {
  const fsp = createRequire(import.meta.url)("node:fs/promises") as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  let calls = 0;
  for (const name of FS_FUNCTIONS) {
    const original = fsp[name];
    if (typeof original !== "function") continue;
    originals.set(name, original);
    fsp[name] = function (this: unknown, ...args: unknown[]) {
      calls++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  syncBuiltinESMExports();
  return {
    calls: () => calls,
    restore() {
      for (const [name, original] of originals) fsp[name] = original;
      syncBuiltinESMExports();
    },
  };
}

const src = fileURLToPath(new URL("../src", import.meta.url));
const nodeSide = (path: string) =>
  ["node", "redis"].some((folder) => path.startsWith(join(src, folder) + sep));

/**
 * Bundles src/node/index.ts as tsdown.config.ts's `node` build does: imports of the core become
 * imports of the core bundle at `sdkPath` (one copy of the core, so `instanceof DeviceFlowError`
 * holds), and packages stay imports (resolved here to node_modules, since the bundle is in a temp dir).
 */
async function buildNode(sdkPath: string, outDir: string): Promise<string> {
  const requireFromSrc = createRequire(join(src, "node", "index.ts"));
  const ship: Plugin = {
    name: "ship-like-tsdown",
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (!nodeSide(args.importer) || nodeSide(target)) return undefined;
        return { path: pathToFileURL(sdkPath).href, external: true };
      });
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        try {
          return { path: pathToFileURL(requireFromSrc.resolve(args.path)).href, external: true };
        } catch {
          // An optional dependency that is not installed (a lazy import): left as it is.
          return { path: args.path, external: true };
        }
      });
    },
  };
  const outfile = join(outDir, "node.mjs");
  await build({
    entryPoints: [join(src, "node", "index.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile,
    plugins: [ship],
    logLevel: "error",
  });
  return outfile;
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

/** Nearest-rank percentile (0.5 of an even count: the mean of the two middle values). */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (p === 0.5) {
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
