/**
 * The SDK as its users run it: src/ bundled by esbuild, as a build would ship it. Running src/
 * through tsx instead would add tsx's `keepNames` helper call to every closure the SDK creates
 * per request, a cost no user pays and the peers (plain JS in node_modules) never bear.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export type Sdk = typeof import("../src/index.ts");

/** Bundles src/index.ts (dependencies included) into a temp dir; returns the file's path. */
export async function buildSdk(): Promise<string> {
  const outfile = join(await mkdtemp(join(tmpdir(), "device-flow-sdk-bench-")), "index.mjs");
  await build({
    entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile,
    logLevel: "error",
  });
  return outfile;
}

export async function importSdk(path: string): Promise<Sdk> {
  return (await import(pathToFileURL(path).href)) as Sdk;
}
