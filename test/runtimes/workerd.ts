/**
 * workerd, through Miniflare: dist/ as published runs as a module worker; a request to it runs
 * conformance.js inside the worker, whose outbound fetch reaches the loopback server.
 */
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { exec } from "./processes.ts";
import { here, root, RUNTIME_TIMEOUT_MS, type Report, type Runtime } from "./report.ts";

/** What the `workerd` package exports (it ships no types). */
interface WorkerdPackage {
  /** The binary's path. */
  default: string;
  version: string;
  compatibilityDate: string;
}

/**
 * jose (the OpenID presets import it) is a tree of ESM files: its entry is registered as
 * dist/jose, where the bare import resolves, and every other file at its path relative to the
 * entry, where the entry's relative imports resolve.
 */
async function joseModules() {
  const entry = fileURLToPath(import.meta.resolve("jose"));
  const webapi = dirname(entry);
  const files = (await readdir(webapi, { recursive: true })).filter((file) => file.endsWith(".js"));
  return Promise.all(
    files.map(async (file) => ({
      type: "ESModule" as const,
      path: file === "index.js" ? join(root, "dist", "jose") : join(root, "dist", file),
      contents: await readFile(join(webapi, file), "utf8"),
    })),
  );
}

export const workerd: Runtime = {
  name: "workerd (Miniflare)",
  run: async (server) => {
    // The binary Miniflare runs: workerd's own package finds it (in its platform package when
    // no install script placed it), and says which version and compatibility date it has.
    const workerdPackage = createRequire(import.meta.url)("workerd") as WorkerdPackage;
    await exec(workerdPackage.default, ["--version"]); // fails clearly if the binary cannot run
    // The platform-neutral bundles: not the CLI, nor the Node-only stores (node, redis).
    const distFiles = (await readdir(join(root, "dist"))).filter(
      (file) => file.endsWith(".js") && !["cli.js", "node.js", "redis.js"].includes(file),
    );
    // workerd resolves a bare import against the importing module's folder, so the two
    // dependencies the bundle imports are registered as dist/valibot and dist/openapi-fetch.
    const dependency = async (specifier: string) => ({
      type: "ESModule" as const,
      path: join(root, "dist", specifier),
      contents: await readFile(fileURLToPath(import.meta.resolve(specifier)), "utf8"),
    });
    const mf = new Miniflare({
      modulesRoot: root,
      modules: [
        { type: "ESModule", path: join(here, "worker.js") },
        { type: "ESModule", path: join(here, "conformance.js") },
        ...distFiles.map((file) => ({
          type: "ESModule" as const,
          path: join(root, "dist", file),
        })),
        await dependency("valibot"),
        await dependency("openapi-fetch"),
        ...(await joseModules()),
      ],
      compatibilityDate: workerdPackage.compatibilityDate,
    });
    try {
      const response = await mf.dispatchFetch(
        `http://worker.invalid/?issuer=${encodeURIComponent(server.issuer)}`,
        {
          signal: AbortSignal.timeout(RUNTIME_TIMEOUT_MS),
        },
      );
      const text = await response.text();
      if (response.status !== 200)
        throw new Error(`worker answered ${response.status}: ${text.slice(0, 500)}`);
      return { version: workerdPackage.version, report: JSON.parse(text) as Report };
    } finally {
      await mf.dispose();
    }
  },
};
