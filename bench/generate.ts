/**
 * Benchmark 5, `npm run generate`: wall time for all specs, and idempotence — two runs into two
 * temp dirs must be byte-identical, and identical to the committed generated/.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export interface GenerateResult {
  providers: string[];
  /** Loading scripts/generate.ts and its generators (openapi-typescript, hey-api, prettier), s. */
  importSeconds: number;
  /** generate() for all specs, first call in the process, s. */
  firstSeconds: number;
  /** The same, second call, s. */
  secondSeconds: number;
  files: number;
  /** Files that differ between the two runs (empty means idempotent). */
  runDifferences: string[];
  /** Files that differ between a run and the committed generated/. */
  committedDifferences: string[];
}

const committed = fileURLToPath(new URL("../generated", import.meta.url));

async function files(dir: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path), await readFile(path));
  }
  return found;
}

function differences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .filter((name) => !a.get(name)?.equals(b.get(name) ?? Buffer.alloc(0)) || !b.has(name))
    .sort();
}

export async function runGenerate(): Promise<GenerateResult> {
  const scratch = await mkdtemp(join(tmpdir(), "device-flow-sdk-generate-"));
  try {
    let started = performance.now();
    const { generate } = await import("../scripts/generate.ts");
    const importSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const providers = await generate(join(scratch, "first"));
    const firstSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await generate(join(scratch, "second"));
    const secondSeconds = (performance.now() - started) / 1000;
    const first = await files(join(scratch, "first"));
    const second = await files(join(scratch, "second"));
    return {
      providers,
      importSeconds,
      firstSeconds,
      secondSeconds,
      files: first.size,
      runDifferences: differences(first, second),
      committedDifferences: differences(first, await files(committed)),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
