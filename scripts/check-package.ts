/**
 * `npm run check:package`: builds, then checks the package as users receive it.
 * 1. the core bundles import no Node built-in (scripts/package/core-purity.ts);
 * 2. `npm pack` holds only what users need;
 * 3. publint (strict, suggestions included) and arethetypeswrong report no problem;
 * 4. the tarball installs into a fresh project; a typed consumer and the README's examples/
 *    type-check against it (nodenext, bundler, Node types without DOM); plain JavaScript imports
 *    every entry and calls the factories; its bin prints its version.
 * Any failure exits non-zero.
 */
import { copyFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { checkCorePurity } from "./package/core-purity.ts";
import {
  addSources,
  installTarball,
  runIn,
  typeCheck,
  typeScriptSetups,
  type Consumer,
} from "./package/consumer.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The dist/ names of every entry: every export of package.json but its own file. */
const ENTRIES = Object.values(
  (JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> }).exports,
)
  .map((target) => (target as { default?: string }).default?.match(/^\.\/dist\/([\w-]+)\.js$/)?.[1])
  .filter((name): name is string => name !== undefined);
/** Node-only entries (tsdown.config.ts's node block: src/node/, src/redis/), like the CLI. */
const NODE_ENTRIES = ["node", "redis"];
/** The platform-neutral entries (tsdown.config.ts's core block), checked for purity. */
const CORE_ENTRIES = ENTRIES.filter((name) => !NODE_ENTRIES.includes(name));
/** Everything a user needs, and nothing else (no src/, tests, specs or maps of missing files). */
const ALLOWED_IN_TARBALL = /^(package\.json|README\.md|LICENSE|dist\/[\w.-]+\.(js|js\.map|d\.ts))$/;

const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const scratch = await mkdtemp(join(tmpdir(), "device-flow-sdk-pack-"));
let consumer: Consumer | undefined;
let failures = 0;

/** Runs one check; what it logs is printed, indented, under its ✓ or ✗ line. */
async function step<T>(
  name: string,
  body: (log: (line: string) => void) => T | Promise<T>,
): Promise<T | undefined> {
  const started = performance.now();
  const lines: string[] = [];
  const log = (line: string) => lines.push(...line.split("\n").map((l) => `  ${l}`.trimEnd()));
  try {
    const result = await body(log);
    console.log(`✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    if (lines.length > 0) console.log(lines.join("\n"));
    return result;
  } catch (error) {
    failures += 1;
    console.error(
      `✗ ${name}\n${lines.join("\n")}\n${error instanceof Error ? error.message : String(error)}\n`,
    );
    return undefined;
  }
}

try {
  await step("build (tsdown)", () => runIn(root, "npm", ["run", "--silent", "build"]));

  await step("core bundles: no Node built-in, no top-level side effect", async (log) => {
    const reports = await checkCorePurity(join(root, "dist"), CORE_ENTRIES);
    const problems = reports.flatMap((report) =>
      report.problems.map((problem) => `  ${report.entry}: ${problem}`),
    );
    if (problems.length > 0) throw new Error(problems.join("\n"));
    for (const report of reports) {
      log(
        `${report.entry}: ${report.inputs} modules, ${(report.bytes / 1024).toFixed(1)} KiB bundled for a neutral platform`,
      );
    }
  });

  const tarball = await step("npm pack", (log) => {
    // The build above is fresh: skip prepack's second build.
    const out = runIn(root, "npm", [
      "pack",
      "--ignore-scripts",
      "--json",
      "--pack-destination",
      scratch,
    ]);
    const [packed] = JSON.parse(out) as {
      filename: string;
      size: number;
      files: { path: string }[];
    }[];
    if (!packed) throw new Error("npm pack reported nothing");
    const stray = packed.files
      .map((file) => file.path)
      .filter((path) => !ALLOWED_IN_TARBALL.test(path));
    if (stray.length > 0) throw new Error(`unexpected files in the tarball: ${stray.join(", ")}`);
    for (const needed of [
      "LICENSE",
      "README.md",
      "dist/cli.js",
      ...ENTRIES.flatMap((e) => [`dist/${e}.js`, `dist/${e}.d.ts`]),
    ]) {
      if (!packed.files.some((file) => file.path === needed))
        throw new Error(`${needed} is missing from the tarball`);
    }
    log(`${packed.filename}: ${packed.files.length} files, ${(packed.size / 1024).toFixed(1)} KiB`);
    return join(scratch, packed.filename);
  });

  if (tarball) {
    await step("publint (strict, suggestions included)", async (log) => {
      const bytes = await readFile(tarball);
      // The tarball itself, as the registry would receive it (a file it references but does not
      // contain is reported as missing).
      const { messages, pkg: linted } = await publint({
        pack: {
          tarball: bytes.buffer.slice(
            bytes.byteOffset,
            bytes.byteOffset + bytes.byteLength,
          ) as ArrayBuffer,
        },
        level: "suggestion",
        strict: true,
      });
      if (messages.length > 0) {
        throw new Error(
          messages.map((m) => `  ${m.type}: ${formatMessage(m, linted) ?? m.code}`).join("\n"),
        );
      }
      log("publint: no problems");
    });

    // ESM only by design: the esm-only profile skips the node10 and node16-from-CommonJS
    // resolutions, where an ESM-only package cannot be required (Node < 20.19) by definition.
    await step("arethetypeswrong (profile esm-only)", (log) => {
      const out = runIn(root, process.execPath, [
        join(root, "node_modules/@arethetypeswrong/cli/dist/index.js"),
        tarball,
        "--profile",
        "esm-only",
        "--format",
        "table-flipped",
        "--no-color",
        "--no-emoji",
      ]);
      log(out.trim());
    });

    consumer = await step("install the tarball into a fresh project", () =>
      installTarball(tarball),
    );
  }

  if (consumer) {
    const installed = consumer;
    // The typed consumer, and the README's quick starts (examples/) against the published types.
    const examples = (await readdir(join(root, "examples"))).filter((file) => file.endsWith(".ts"));
    await addSources(installed, [
      join(root, "test/package/consumer/typed.ts"),
      ...examples.map((file) => join(root, "examples", file)),
    ]);
    for (const setup of Object.keys(typeScriptSetups) as (keyof typeof typeScriptSetups)[]) {
      await step(`TypeScript consumer and examples/ (${examples.length}), ${setup}`, () =>
        typeCheck(installed, setup, root),
      );
    }
    await step("plain JavaScript consumer (node)", async (log) => {
      await copyFile(
        join(root, "test/package/consumer/plain.mjs"),
        join(installed.dir, "plain.mjs"),
      );
      log(installed.run(process.execPath, ["plain.mjs"]).trim());
    });
    await step("bin: device-login --version", (log) => {
      const out = installed
        .run(join(installed.dir, "node_modules/.bin/device-login"), ["--version"])
        .trim();
      if (!out.split(/\s+/).includes(pkg.version))
        throw new Error(`expected ${pkg.version}, got ${JSON.stringify(out)}`);
      log(`device-login --version → ${out}`);
    });
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
  if (consumer) await rm(consumer.dir, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`check:package: ${failures} check(s) failed`);
  process.exitCode = 1;
} else {
  console.log(`check:package: ${pkg.name}@${pkg.version} is ready to publish`);
}
