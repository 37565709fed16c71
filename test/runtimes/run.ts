/**
 * `npm run test:runtimes`: the built bundle (dist/index.js) against the loopback server on Node,
 * Deno, Bun, workerd (Miniflare) and headless Chromium, one conformance script for all
 * (conformance.js). Prints one row per runtime; any failure, or a runtime that cannot start,
 * fails the command. Runtimes run one after another: the machine is shared.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "./chromium.ts";
import { processRuntimes } from "./processes.ts";
import { root, type Report, type Runtime } from "./report.ts";
import { startLoopbackServer } from "./server.ts";
import { workerd } from "./workerd.ts";

interface Row {
  runtime: string;
  version: string;
  report?: Report;
  error?: string;
  seconds: number;
}

const runtimes: Runtime[] = [...processRuntimes, workerd, chromium];

if (!existsSync(join(root, "dist/index.js"))) {
  console.error("dist/index.js is missing: run `npm run build` first (npm run test:package does).");
  process.exit(1);
}

const server = await startLoopbackServer();
const rows: Row[] = [];
try {
  for (const runtime of runtimes) {
    const started = performance.now();
    const row: Row = { runtime: runtime.name, version: "?", seconds: 0 };
    try {
      const { version, report } = await runtime.run(server);
      row.version = version;
      row.report = report;
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    }
    row.seconds = (performance.now() - started) / 1000;
    rows.push(row);
  }
} finally {
  await server.close();
}

const passed = (row: Row) =>
  !row.error &&
  !!row.report &&
  row.report.checks.length > 0 &&
  row.report.checks.every((c) => c.ok);
const table = rows.map((row) => ({
  runtime: row.runtime,
  version: row.version,
  result: passed(row) ? "pass" : "FAIL",
  checks: row.report
    ? `${row.report.checks.filter((c) => c.ok).length}/${row.report.checks.length}`
    : "-",
  time: `${row.seconds.toFixed(1)} s`,
}));
const columns = ["runtime", "version", "result", "checks", "time"] as const;
const widths = columns.map((column) =>
  Math.max(column.length, ...table.map((line) => line[column].length)),
);
const format = (cells: readonly string[]) =>
  `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
console.log(format(columns));
console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
for (const line of table) console.log(format(columns.map((column) => line[column])));

for (const row of rows.filter((r) => !passed(r))) {
  console.error(`\n${row.runtime}:`);
  if (row.error) console.error(`  could not run: ${row.error}`);
  for (const check of row.report?.checks.filter((c) => !c.ok) ?? [])
    console.error(`  ✗ ${check.name}: ${check.detail}`);
}
const preflights = [...server.counts]
  .filter(([kind]) => kind.startsWith("OPTIONS"))
  .reduce((sum, [, n]) => sum + n, 0);
console.log(
  `\nloopback server: ${[...server.counts.values()].reduce((a, b) => a + b, 0)} requests, ${preflights} CORS preflights`,
);
const failed = rows.filter((row) => !passed(row)).length;
console.log(
  failed === 0
    ? `${rows.length} of ${rows.length} runtimes pass`
    : `${failed} of ${rows.length} runtimes FAIL`,
);
process.exitCode = failed === 0 ? 0 : 1;
