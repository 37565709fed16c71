/**
 * Node, Deno and Bun: each runs cli-entry.js as its own process, with the issuer as argument, and
 * prints the report as its last line. A process must also exit on its own: a timer or socket the
 * SDK left behind would keep it alive until the timeout.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bin, here, root, RUNTIME_TIMEOUT_MS, type Report, type Runtime } from "./report.ts";

/** Runs a program from the repo root; resolves to its stdout, rejects with its stderr (or the timeout). */
export function exec(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: root,
        timeout: RUNTIME_TIMEOUT_MS,
        maxBuffer: 4 << 20,
        env: { ...process.env, NO_COLOR: "1", ...env },
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${error.killed ? "timed out or killed" : `exit ${error.code}`}: ${stderr || stdout || error.message}`.trim(),
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

/** The last line of stdout is the report (a runtime may print warnings before it). */
function parseReport(stdout: string): Report {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Report;
  } catch {
    throw new Error(`no report in the output: ${stdout.slice(0, 500)}`);
  }
}

/**
 * The deno binary: the `deno` package's bin when installed, else the platform package that ships
 * the binary itself (`@deno/linux-x64-glibc` and friends), which package.json installs directly.
 */
function denoBinary(): string {
  if (process.env.DENO_BINARY) return process.env.DENO_BINARY;
  if (existsSync(bin("deno"))) return bin("deno");
  const platform = `@deno/${process.platform}-${process.arch}`;
  const candidates = [`${platform}-glibc`, `${platform}-musl`, platform];
  const binary = candidates
    .map((name) => packageFile(name, process.platform === "win32" ? "deno.exe" : "deno"))
    .find((path) => path !== undefined);
  if (!binary) throw new Error(`no deno binary: install deno or one of ${candidates.join(", ")}`);
  return binary;
}

/**
 * The bun binary: the `bun` package's bin once its install script has put the binary there, else
 * the platform package the binary comes from (`@oven/bun-linux-x64` and friends).
 */
function bunBinary(): string {
  if (process.env.BUN_BINARY) return process.env.BUN_BINARY;
  const platform = `@oven/bun-${process.platform}-${process.arch}`;
  const candidates = [platform, `${platform}-baseline`, `${platform}-musl`];
  const fromPlatformPackage = candidates
    .map((name) => packageFile(name, process.platform === "win32" ? "bin/bun.exe" : "bin/bun"))
    .find((path) => path !== undefined);
  // Without its install script, bun's own bin is a placeholder, and the binary stays here.
  return fromPlatformPackage ?? bin("bun");
}

/** `file` inside the installed package `name`, if both exist. */
function packageFile(name: string, file: string): string | undefined {
  try {
    const path = join(
      dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)),
      file,
    );
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const cliEntry = join(here, "cli-entry.js");

export const processRuntimes: Runtime[] = [
  {
    name: "Node",
    run: async (server) => ({
      version: process.version,
      report: parseReport(await exec(process.execPath, [cliEntry, server.issuer])),
    }),
  },
  {
    name: "Deno",
    run: async (server) => {
      const deno = denoBinary();
      const env = {
        DENO_NO_UPDATE_CHECK: "1",
        DENO_DIR: await mkdtemp(join(tmpdir(), "deno-dir-")),
      };
      try {
        const version = /deno (\S+)/.exec(await exec(deno, ["--version"], env))?.[1] ?? "?";
        // Network to the loopback server only; no file, env or subprocess access.
        const out = await exec(
          deno,
          ["run", "--no-prompt", "--no-remote", `--allow-net=127.0.0.1`, cliEntry, server.issuer],
          env,
        );
        return { version, report: parseReport(out) };
      } finally {
        await rm(env.DENO_DIR, { recursive: true, force: true });
      }
    },
  },
  {
    name: "Bun",
    run: async (server) => {
      const bun = bunBinary();
      return {
        version: (await exec(bun, ["--version"])).trim(),
        report: parseReport(await exec(bun, ["run", "--no-install", cliEntry, server.issuer])),
      };
    },
  },
];
