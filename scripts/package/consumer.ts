/**
 * A throwaway project that installs the packed tarball the way a user would, then uses it from
 * TypeScript (nodenext, bundler, and Node's own types without the DOM lib), from plain JavaScript,
 * and through its bin.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

export interface Consumer {
  dir: string;
  /** Runs a command in the project; throws with its output when it fails. */
  run(command: string, args: readonly string[]): string;
}

export function runIn(dir: string, command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? failed.message}`,
    );
  }
}

/** Creates the project and installs the tarball (from npm's cache when it can). */
export async function installTarball(tarball: string): Promise<Consumer> {
  const dir = await mkdtemp(join(tmpdir(), "device-flow-sdk-consumer-"));
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  runIn(dir, "npm", [
    "install",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    tarball,
  ]);
  return { dir, run: (command, args) => runIn(dir, command, args) };
}

/** The TypeScript setups a user may have; each compiles the same consumer file. */
export const typeScriptSetups = {
  nodenext: { module: "nodenext", moduleResolution: "nodenext", lib: ["ES2022", "DOM"], types: [] },
  bundler: { module: "esnext", moduleResolution: "bundler", lib: ["ES2022", "DOM"], types: [] },
  // A Node server without the DOM lib: fetch, Request and AbortSignal come from @types/node.
  "nodenext, @types/node, no DOM": {
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["ES2022"],
    types: ["node"],
  },
} as const;

/** Copies TypeScript files into the project's src/, where {@link typeCheck} looks. */
export async function addSources(consumer: Consumer, files: readonly string[]): Promise<void> {
  await mkdir(join(consumer.dir, "src"), { recursive: true });
  for (const file of files) await copyFile(file, join(consumer.dir, "src", basename(file)));
}

/**
 * Type-checks the project's src/ against the installed package with the repo's TypeScript.
 * skipLibCheck is off, so the published .d.ts files are checked too.
 */
export async function typeCheck(
  consumer: Consumer,
  setup: keyof typeof typeScriptSetups,
  repoRoot: string,
): Promise<void> {
  const config = `tsconfig.${Object.keys(typeScriptSetups).indexOf(setup)}.json`;
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      // @types/node (for the no-DOM setup) comes from this repository, like TypeScript itself.
      typeRoots: [join(repoRoot, "node_modules/@types")],
      ...typeScriptSetups[setup],
    },
    include: ["src"],
  };
  await writeFile(join(consumer.dir, config), JSON.stringify(tsconfig, null, 2));
  consumer.run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", config]);
}
