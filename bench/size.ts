/**
 * Benchmark 4, size: what a bundler ships for an import, minified and gzipped (level 9), with
 * esbuild's metafile saying which file contributed what. Reusable from tests: the size budget and
 * "importing one provider pulls in no other provider's code" are both checked on these numbers.
 */
import { relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const PROVIDERS = [
  "rfc8628",
  "trakt",
  "transparenc",
  "fakts",
  "github",
  "google",
  "microsoft",
  "auth0",
  "okta",
  "keycloak",
  "aws-sso",
  "amazon",
  "twitch",
] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Presets over the RFC 8628 dialect: importing one may pull in that dialect, nothing else. */
const OVER_RFC8628: readonly ProviderName[] = ["github", "google", "microsoft", "auth0", "okta", "keycloak"];

/** The providers a bundle of `provider` may hold: itself, and the dialect it extends. */
export function allowedWith(provider: ProviderName): ProviderName[] {
  return OVER_RFC8628.includes(provider) ? ["rfc8628", provider] : [provider];
}

/** The export name of a provider's factory (`aws-sso` → `awsSso`). */
const factoryOf = (provider: ProviderName) => provider.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** Issue 15's goal for pollForToken + waitForToken + rfc8628, gzipped (and below openid-client). */
export const SIZE_BUDGET_BYTES = 6.5 * 1024;
/** Issue 15: each preset over bundle (a), and a session (createSession + memoryStore) over it. */
export const PRESET_OVER_A_BYTES = 0.8 * 1024;
export const SESSION_OVER_A_BYTES = 1.5 * 1024;

/** The presets: over the RFC 8628 dialect, or a spec and adapter of their own. */
export const PRESETS: readonly ProviderName[] = [...OVER_RFC8628, "aws-sso", "amazon", "twitch"];
/** The presets that verify ID tokens by default (issue 14): they carry jose and the verifier. */
export const OPENID_PRESETS: readonly ProviderName[] = ["google", "microsoft", "auth0", "okta", "keycloak"];

export interface BundleSize {
  /** Minified bytes. */
  minified: number;
  /** Minified, then gzipped at level 9. */
  gzip: number;
  /** Every input file with bytes in the output (repo-relative or node_modules path) → bytes. */
  inputs: Record<string, number>;
}

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Bundles an entry module given as source for the browser, the strictest place the core runs:
 * minified ESM, tree-shaken, dependencies included. Imports resolve from `resolveDir` (the repo
 * root by default; a scratch copy of it for experiments).
 */
export async function bundleSize(entrySource: string, resolveDir = root): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: entrySource, resolveDir, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "error",
  });
  const code = result.outputFiles[0]!.contents;
  const output = Object.values(result.metafile.outputs)[0]!;
  const inputs: Record<string, number> = {};
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    // Paths are relative to the working directory: make them relative to resolveDir.
    if (bytesInOutput > 0) inputs[relative(resolveDir, resolve(path))] = bytesInOutput;
  }
  return { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, inputs };
}

/** pollForToken + waitForToken + the given providers, imported from the package entry. */
export function sdkBundleSize(
  providers: readonly ProviderName[],
  resolveDir = root,
): Promise<BundleSize> {
  return bundleSize(
    `export { pollForToken, waitForToken, ${providers.map(factoryOf).join(", ")} } from "./src/index.ts";`,
    resolveDir,
  );
}

/** The providers whose adapter or generated code made it into a bundle. */
export function providersIn(size: BundleSize): ProviderName[] {
  return PROVIDERS.filter((name) =>
    Object.keys(size.inputs).some(
      (path) =>
        path === `src/providers/${name}.ts` ||
        // The RFC 8628 dialect the presets extend is rfc8628's code.
        (name === "rfc8628" && path === "src/providers/rfc8628-dialect.ts") ||
        path.startsWith(`generated/${name}/`),
    ),
  );
}

/** Minified bytes per origin: a dependency's name, `generated`, or `src`. */
export function bytesByOrigin(size: BundleSize): Record<string, number> {
  const origins: Record<string, number> = {};
  for (const [path, bytes] of Object.entries(size.inputs)) {
    const packagePath = path.split("node_modules/").at(-1)!;
    const origin = path.includes("node_modules/")
      ? packagePath.startsWith("@")
        ? packagePath.split("/").slice(0, 2).join("/")
        : packagePath.split("/")[0]!
      : path.startsWith("generated/")
        ? "generated"
        : path.startsWith("src/")
          ? "src"
          : path;
    origins[origin] = (origins[origin] ?? 0) + bytes;
  }
  return origins;
}

export interface SizeRow {
  name: string;
  what: string;
  size: BundleSize;
  /** For SDK rows: the providers found in the bundle (must be exactly the ones imported). */
  providers?: ProviderName[];
  expectedProviders?: ProviderName[];
}

/** Every row of the size table: the SDK with each provider, all four, and the two peers. */
export async function measureSizes(): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  const sdk = async (name: string, providers: ProviderName[]) => {
    const size = await sdkBundleSize(providers);
    rows.push({
      name,
      what: `pollForToken + waitForToken + ${providers.join(" + ")}`,
      size,
      providers: providersIn(size),
      expectedProviders: [...new Set(providers.flatMap(allowedWith))].sort(),
    });
  };
  await sdk("(a) device-flow-sdk, rfc8628", ["rfc8628"]);
  for (const provider of PROVIDERS.slice(1))
    await sdk(`(b) device-flow-sdk, ${provider}`, [provider]);
  await sdk(`device-flow-sdk, all ${PROVIDERS.length} providers`, [...PROVIDERS]);
  // Issue 15: what each preset adds to bundle (a) when an app imports both.
  for (const preset of PRESETS) {
    const size = await sdkBundleSize(["rfc8628", preset]);
    rows.push({
      name: `(p) device-flow-sdk, rfc8628 + ${preset}`,
      what: `pollForToken + waitForToken + rfc8628 + ${preset}`,
      size,
      providers: providersIn(size),
      expectedProviders: [...new Set<ProviderName>(["rfc8628", preset])].sort(),
    });
  }
  // Issue 13 and 14: what a session and ID-token verification add to bundle (a).
  rows.push({
    name: "(s) device-flow-sdk, rfc8628 + session",
    what: "pollForToken + waitForToken + rfc8628 + createSession + memoryStore",
    size: await bundleSize(
      `export { pollForToken, waitForToken, rfc8628, createSession, memoryStore } from "./src/index.ts";`,
    ),
  });
  rows.push({
    name: "(i) device-flow-sdk, rfc8628 + identity",
    what: "pollForToken + waitForToken + rfc8628 + idTokenVerifier (jose)",
    size: await bundleSize(
      `export { pollForToken, waitForToken, rfc8628 } from "./src/index.ts"; export { idTokenVerifier } from "./src/identity/index.ts";`,
    ),
  });
  rows.push({
    name: "oauth4webapi",
    what: "deviceAuthorizationRequest, processDeviceAuthorizationResponse, deviceCodeGrantRequest, processDeviceCodeResponse, discoveryRequest, processDiscoveryResponse",
    size: await bundleSize(
      `export { deviceAuthorizationRequest, processDeviceAuthorizationResponse, deviceCodeGrantRequest, processDeviceCodeResponse, discoveryRequest, processDiscoveryResponse } from "oauth4webapi";`,
    ),
  });
  rows.push({
    name: "openid-client",
    what: "discovery, initiateDeviceAuthorization, pollDeviceAuthorizationGrant",
    size: await bundleSize(
      `export { discovery, initiateDeviceAuthorization, pollDeviceAuthorizationGrant } from "openid-client";`,
    ),
  });
  return rows;
}
