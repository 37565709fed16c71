/** The package's version, for `--version`. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "device-flow-sdk";

/**
 * Reads `version` from the nearest package.json named device-flow-sdk above this module, so it
 * works from src/cli/ in development and from dist/ once built or installed.
 */
export function packageVersion(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let depth = 0; depth < 5; depth += 1) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (isOurs(manifest)) return manifest.version;
    } catch {
      // No (readable) package.json here: look one level up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return "unknown";
}

function isOurs(manifest: unknown): manifest is { version: string } {
  if (typeof manifest !== "object" || manifest === null) return false;
  const { name, version } = manifest as Record<string, unknown>;
  return name === PACKAGE_NAME && typeof version === "string";
}
