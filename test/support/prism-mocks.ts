/** The specs the contract project mocks: one Prism server per file in specs/. */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export const specsDir = fileURLToPath(new URL("../../specs", import.meta.url));

/** Every spec in specs/, by name (`trakt` for specs/trakt.yaml). */
export function specNames(): string[] {
  return readdirSync(specsDir)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => basename(file, ".yaml"))
    .sort();
}

export const specPath = (spec: string): string => join(specsDir, `${spec}.yaml`);
