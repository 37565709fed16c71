/**
 * The core must run where there is no Node (browsers, workerd): each core entry in dist/ is bundled
 * with its dependencies for a neutral platform. Any `node:`/built-in import, in our code or a
 * dependency's, fails to resolve there. Node-only globals are searched for in our own output
 * (dependencies may feature-test them, e.g. openapi-fetch's `typeof process === "object"`; the
 * runtime matrix runs them in a browser and workerd). Each of our modules must also be free of
 * top-level side effects, as package.json's `"sideEffects": false` promises.
 */
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { build, transform, type Message } from "esbuild";
import { topLevelEffects } from "./side-effects.ts";

/** Node-only globals: referencing one crashes a browser or a worker at run time. */
const NODE_GLOBALS =
  /\b(?:process\s*\.|Buffer\s*\.|require\s*\(|__dirname\b|__filename\b|setImmediate\s*\()/;

const isBuiltin = (specifier: string) =>
  specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0] ?? specifier);

export interface PurityReport {
  entry: string;
  problems: string[];
  /** Files that went into the bundle (ours and the dependencies'). */
  inputs: number;
  bytes: number;
}

export async function checkCorePurity(
  distDir: string,
  entries: readonly string[],
): Promise<PurityReport[]> {
  const reports: PurityReport[] = [];
  for (const entry of entries) {
    const problems: string[] = [];
    const result = await build({
      entryPoints: [join(distDir, `${entry}.js`)],
      bundle: true,
      write: false,
      metafile: true,
      platform: "neutral",
      format: "esm",
      // Neutral means no default main fields or conditions: name the ones a browser bundler uses.
      mainFields: ["module", "main"],
      conditions: ["import", "default"],
      minifyWhitespace: true,
      legalComments: "none",
      logLevel: "silent",
    }).catch((error: { errors?: Message[] }) => {
      for (const message of error.errors ?? [{ text: String(error) } as Message]) {
        problems.push(
          message.location ? `${message.location.file}: ${message.text}` : message.text,
        );
      }
      return undefined;
    });
    if (result) {
      for (const [path, input] of Object.entries(result.metafile.inputs)) {
        for (const imported of input.imports) {
          if (imported.external || isBuiltin(imported.path))
            problems.push(`${path} imports ${imported.path}`);
        }
      }
      const ours = Object.keys(result.metafile.inputs).filter((path) =>
        resolve(path).startsWith(resolve(distDir)),
      );
      for (const path of ours) {
        // Minified, so comments ("…resumed in another process.") cannot match.
        const { code } = await transform(await readFile(path, "utf8"), {
          minifyWhitespace: true,
          loader: "js",
        });
        const global = code.match(NODE_GLOBALS);
        if (global) problems.push(`${path} uses the Node-only global \`${global[0]}\``);
        for (const effect of await topLevelEffects(path)) {
          problems.push(
            `${path} does something on load, but package.json says "sideEffects": false: ${effect}`,
          );
        }
      }
    }
    reports.push({
      entry,
      problems,
      inputs: result ? Object.keys(result.metafile.inputs).length : 0,
      bytes: result?.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0) ?? 0,
    });
  }
  return reports;
}
