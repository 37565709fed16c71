/**
 * `npm run bench`: every benchmark of issue 7, one after the other (none measures while another
 * loads the CPU), then BENCHMARKS.md from this one run.
 *
 *   npm run bench                      the reference run: rewrites BENCHMARKS.md
 *   npm run bench -- --quick           small sizes, for development: writes .tmp/BENCHMARKS.quick.md
 *   npm run bench -- --only=size,generate   some sections only (also written to .tmp/)
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runDiscipline } from "./discipline.ts";
import { runGenerate } from "./generate.ts";
import { runOverhead } from "./overhead.ts";
import { currentLoad, machine, render, type Results } from "./report.ts";
import { fitFlows, runScale, scaleSetups } from "./scale.ts";
import { buildSdk, importSdk } from "./sdk.ts";
import { runSession } from "./session.ts";
import { measureSizes } from "./size.ts";

const SECTIONS = ["size", "generate", "discipline", "overhead", "session", "scale"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const quick = values.quick ?? false;
const only = values.only?.split(",").map((s) => s.trim()) as Section[] | undefined;
for (const section of only ?? []) {
  if (!SECTIONS.includes(section))
    throw new Error(`unknown section ${section}; known: ${SECTIONS.join(", ")}`);
}
const wanted = (section: Section) => !only || only.includes(section);
const partial = quick || only !== undefined;
const root = fileURLToPath(new URL("..", import.meta.url));
const out = values.out ?? `${root}${partial ? ".tmp/BENCHMARKS.quick.md" : "BENCHMARKS.md"}`;

const sizes = quick
  ? { flows: 1_000, idleFlows: 300, rounds: 2, timePerRoundMs: 150, cpuBatch: 100 }
  : { flows: 10_000, idleFlows: 1_000, rounds: 6, timePerRoundMs: 250, cpuBatch: 300 };

const started = performance.now();
const log = (message: string) =>
  console.log(
    `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`,
  );

const results: Results = {
  quick: partial,
  machine: machine(),
  startedAt: new Date(),
  seconds: 0,
  loadBefore: currentLoad(),
  loadAfter: [],
};

const sdkPath = await buildSdk();
if (wanted("size")) {
  log("size: esbuild bundles");
  results.size = await measureSizes();
}
if (wanted("generate")) {
  log("generate: all specs, twice");
  results.generate = await runGenerate();
}
if (wanted("discipline")) {
  log("discipline: scripted scenarios (about 20 s)");
  results.discipline = await runDiscipline(await importSdk(sdkPath));
}
if (wanted("overhead")) {
  log(`overhead: ${sizes.rounds} interleaved rounds`);
  const rows = await runOverhead(await importSdk(sdkPath), sizes);
  results.overhead = { rows, rounds: sizes.rounds };
}
if (wanted("session")) {
  log(`session: getAccessToken() with a cached token, ${sizes.rounds} interleaved rounds`);
  results.session = await runSession(sdkPath, sizes);
}
if (wanted("scale")) {
  const limit = fitFlows(sizes.flows);
  const setups = scaleSetups(limit.flows, Math.min(sizes.idleFlows, limit.flows));
  log(`scale: ${setups.map((s) => `${s.name} × ${s.clients.length}`).join("; ")}`);
  results.scale = { rows: await runScale(sdkPath, setups), setups, limit };
}

await rm(dirname(sdkPath), { recursive: true, force: true });
results.seconds = (performance.now() - started) / 1000;
results.loadAfter = currentLoad();
await mkdir(dirname(out), { recursive: true });
await writeFile(out, render(results));
log(`wrote ${out}`);
