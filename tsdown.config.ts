/**
 * The published build: ESM only, with declarations and source maps.
 * The core is platform-neutral (browsers, Deno, Bun, workerd); only the CLI targets Node.
 * `npm run check:package` verifies the result (no `node:` import in the core, publint, attw,
 * installing the packed tarball).
 */
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Rolldown } from "tsdown";

/**
 * rolldown-plugin-dts drops declaration maps when they are off but leaves each .d.ts's
 * `//# sourceMappingURL=` comment pointing at the missing file; remove the dangling comment.
 */
const noDanglingDtsMapComment: Rolldown.Plugin = {
  name: "no-dangling-dts-map-comment",
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (
        chunk.type === "chunk" &&
        chunk.fileName.endsWith(".d.ts") &&
        !bundle[`${chunk.fileName}.map`]
      ) {
        chunk.code = chunk.code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
      }
    }
  },
};

/** Entry name (its dist/ file) → source. Each provider is its own entry so importing one does not pull in another. */
const coreEntries = {
  index: "src/index.ts",
  rfc8628: "src/providers/rfc8628.ts",
  trakt: "src/providers/trakt.ts",
  transparenc: "src/providers/transparenc.ts",
  fakts: "src/providers/fakts.ts",
  github: "src/providers/github.ts",
  google: "src/providers/google.ts",
  microsoft: "src/providers/microsoft.ts",
  auth0: "src/providers/auth0.ts",
  okta: "src/providers/okta.ts",
  keycloak: "src/providers/keycloak.ts",
  twitch: "src/providers/twitch.ts",
  amazon: "src/providers/amazon.ts",
  "aws-sso": "src/providers/aws-sso.ts",
  // ID token verification: its own entry, so jose is only in bundles that verify.
  identity: "src/identity/index.ts",
};

/**
 * Node-only entries (stores that need `node:` modules or a database client): their own build, so
 * the core entries above stay platform-neutral. Entry name → source.
 */
const nodeEntries = {
  node: "src/node/index.ts",
  redis: "src/redis/index.ts",
};

/**
 * A Node entry imports the core through the package's own main entry (`device-flow-sdk`) instead
 * of bundling a second copy of it, so `instanceof DeviceFlowError` holds for what a store throws
 * and the core's code ships once. Whatever a Node entry imports from the core (values and types)
 * must therefore be exported by src/index.ts.
 */
const src = fileURLToPath(new URL("src", import.meta.url));
const coreFromPackage: Rolldown.Plugin = {
  name: "core-from-package",
  resolveId(source, importer) {
    if (!importer || !source.startsWith(".")) return null;
    const target = resolve(dirname(importer), source);
    const isNodeSide = (path: string) =>
      ["node", "redis"].some((folder) => path.startsWith(join(src, folder) + sep));
    if (isNodeSide(importer) && target.startsWith(src + sep) && !isNodeSide(target)) {
      return { id: "device-flow-sdk", external: true };
    }
    return null;
  },
  // rolldown-plugin-dts keeps the source's relative specifier for an external declaration import
  // (`"../session/store.ts"`, which does not exist in dist/): point it at the core entry too.
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type === "chunk" && chunk.fileName.endsWith(".d.ts")) {
        chunk.code = chunk.code.replace(/(from\s+)"\.\.\/[^"]+\.ts"/g, '$1"device-flow-sdk"');
      }
    }
  },
};

export default defineConfig([
  {
    name: "core",
    entry: coreEntries,
    format: "esm",
    platform: "neutral",
    // Node 20 is the oldest supported runtime; ES2022 is what every other runtime here speaks too.
    target: "es2022",
    // Declaration maps would point at src/, which is not published.
    dts: { sourcemap: false },
    plugins: [noDanglingDtsMapComment],
    // Declarations take a few seconds through tsc; known, and not worth a warning on every build.
    checks: { pluginTimings: false },
    sourcemap: true,
    // The package is "type": "module": .js and .d.ts, not .mjs/.d.mts.
    fixedExtension: false,
    // Dependencies (openapi-fetch, jose) stay imports, so an app's bundler dedupes them.
    clean: true,
  },
  {
    name: "cli",
    entry: { cli: "src/cli/main.ts" },
    format: "esm",
    platform: "node",
    target: "node20",
    // An executable, not an API: no declarations. uqr stays an import; undici (the proxy and CA
    // support, Node only, engines >=20.18.1) is bundled in, so it is a devDependency that browser,
    // Deno and workerd users of the core never install, and `npx device-login` still has it.
    // env-paths (the config folder of the saved profiles) is bundled the same way.
    noExternal: ["undici", "env-paths", "is-safe-filename"],
    inlineOnly: ["undici", "env-paths", "is-safe-filename"],
    // The keychain binding is a native module (an optional dependency): it stays an import.
    external: [/^@napi-rs\/keyring(\/|$)/],
    dts: false,
    sourcemap: true,
    fixedExtension: false,
    // The core build above owns the cleaning of dist/.
    clean: false,
  },
  {
    name: "node",
    entry: nodeEntries,
    format: "esm",
    platform: "node",
    target: "node20",
    dts: { sourcemap: false },
    plugins: [coreFromPackage, noDanglingDtsMapComment],
    checks: { pluginTimings: false },
    sourcemap: true,
    fixedExtension: false,
    // Dependencies stay imports (proper-lockfile by default); so do the optional ones, which
    // tsdown would otherwise bundle: the keychain binding (a native module) and the Redis client.
    external: [/^@napi-rs\/keyring(\/|$)/, /^redis$/, /^@redis\//],
    clean: false,
  },
]);
