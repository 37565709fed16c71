/** What a runtime's conformance run reports, and how run.ts drives one runtime. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoopbackServer } from "./server.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** conformance.js's result. */
export interface Report {
  checks: Check[];
}

export interface Runtime {
  name: string;
  /** Runs conformance.js against the server; rejects when the runtime cannot run it at all. */
  run(server: LoopbackServer): Promise<{ version: string; report: Report }>;
}

/** Longest one runtime may take, start-up included. */
export const RUNTIME_TIMEOUT_MS = 90_000;
export const root = fileURLToPath(new URL("../../", import.meta.url));
export const here = join(root, "test/runtimes");
export const bin = (name: string) => join(root, "node_modules/.bin", name);
