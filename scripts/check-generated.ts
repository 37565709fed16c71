/**
 * `npm run check:generated`: regenerates every spec into a temporary folder and fails, naming the
 * files, when generated/ differs. CI runs it so a spec change without `npm run generate` (or a
 * hand edit of generated/) cannot land.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { generate, root } from "./generate.ts";

async function files(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path), await readFile(path, "utf8"));
  }
  return found;
}

const fresh = await mkdtemp(join(tmpdir(), "generated-"));
try {
  await generate(fresh);
  const expected = await files(fresh);
  const actual = await files(join(root, "generated")).catch(() => new Map<string, string>());
  const stale = [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((file) => expected.get(file) !== actual.get(file))
    .sort();
  if (stale.length > 0) {
    console.error(`generated/ is stale; run \`npm run generate\`. Differs: ${stale.join(", ")}`);
    process.exitCode = 1;
  } else {
    console.log(`generated/ is fresh (${expected.size} files)`);
  }
} finally {
  await rm(fresh, { recursive: true, force: true });
}
