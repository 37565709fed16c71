/**
 * Runs `device-login` (src/cli/main.ts through tsx) as a subprocess, the way a user or the demo
 * does, with a clean environment: no proxy, colour or display variables leak in from the machine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MAIN = "src/cli/main.ts";

export interface CliRun {
  child: ChildProcess;
  /** Resolves once `text` (or a match) appears on stderr; rejects after `ms` or on exit. */
  waitForStderr(pattern: string | RegExp, ms?: number): Promise<string>;
  /** Resolves when the process ends (at most `limitMs`, then it is killed). */
  done: Promise<CliResult>;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment the CLI sees: PATH and HOME only, plus what the test adds. */
/**
 * Saved sign-ins go to a folder of this test run, never to the user's own config: `device-login`
 * saves by default (DEVICE_LOGIN_HOME overrides where).
 */
const TEST_HOME = mkdtempSync(join(tmpdir(), "device-login-home-"));

export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    DEVICE_LOGIN_HOME: TEST_HOME,
    ...extra,
  };
}

export function startCli(
  args: string[],
  options: { env?: Record<string, string>; limitMs?: number } = {},
): CliRun {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), options.limitMs ?? 45_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });
  let exited = false;
  void done.then(() => (exited = true));

  function waitForStderr(pattern: string | RegExp, ms = 20_000): Promise<string> {
    const found = () =>
      typeof pattern === "string" ? stderr.includes(pattern) : pattern.test(stderr);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (found()) finish(() => resolve(stderr));
        else if (exited || child.exitCode !== null)
          finish(() => reject(new Error(`CLI exited before ${pattern}: ${stderr}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${pattern} on stderr within ${ms} ms: ${stderr}`))),
        ms,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        then();
      };
      listeners.add(check);
      check();
    });
  }

  return { child, waitForStderr, done };
}

/** Runs the CLI to the end. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; limitMs?: number } = {},
): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Characters a hostile server could use to drive a terminal: C0 (but \n), DEL, C1, bidi. */
export const TERMINAL_CONTROL =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
