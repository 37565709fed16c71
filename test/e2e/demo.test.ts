/**
 * `npm run demo`, run as a user runs it: the real server, the real `device-login` CLI in its own
 * process, and the automated approver or (for `--manual`) a person in headless Chromium. Checks
 * the exit codes, that secrets are only ever shown shortened, and that nothing is left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  approveInBrowser,
  launchLoopbackBrowser,
  type LoopbackBrowser,
} from "../support/browser.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Far below the demo's own deadline, so a hang fails here and is not mistaken for success. */
const RUN_LIMIT_MS = 90_000;

interface DemoRun {
  child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  lines: string[];
  /** Resolves with the first line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let browser: LoopbackBrowser | undefined;
const started: ChildProcess[] = [];

beforeAll(async () => {
  browser = await launchLoopbackBrowser();
});

afterAll(async () => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await browser?.close();
});

function runDemo(...args: string[]): DemoRun {
  const child = spawn(process.execPath, ["--import", "tsx", "demo/run.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
      lines.push(line);
      for (const waiter of [...waiters]) {
        const match = waiter.pattern.exec(line);
        if (match) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
    });
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
  const exit = once(child, "exit").then(([code, signal]) => {
    clearTimeout(timer);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return {
    child,
    lines,
    exit,
    waitFor(pattern) {
      const seen = lines.map((line) => pattern.exec(line)).find((match) => match !== null);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exit.then(() =>
          reject(new Error(`demo ended without a line matching ${pattern}:\n${lines.join("\n")}`)),
        );
      });
    },
  };
}

/** Processes still running with this server's URL on their command line (the CLI's --issuer). */
function survivors(serverUrl: string): string[] {
  const table = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return table.split("\n").filter((line) => line.includes(serverUrl));
}

function serverUrl(run: DemoRun): string {
  const line = run.lines.find((text) => text.includes("listening at"));
  const url = line && /listening at (\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`no server URL in:\n${run.lines.join("\n")}`);
  return url;
}

it("npm run demo: the approver approves, device-login exits 0, and the token is shown shortened", async () => {
  const run = runDemo();
  const { code } = await run.exit;
  const output = run.lines.join("\n");
  expect(code, output).toBe(0);
  expect(output).toMatch(/^\[device-login\] User code: \S+$/m);
  expect(output).toMatch(/approver: success page/);
  expect(output).toMatch(/token type: +Bearer/);
  expect(output).toMatch(/scope: +openid offline_access/);
  expect(output).toMatch(/access token: +\S{6}… \(\d+ chars\)/);
  expect(output).toMatch(/refresh token: +yes, \S{6}… \(\d+ chars\)/);
  // No whole token anywhere: the longest opaque run printed is a 21-character interaction id.
  expect(output.match(/[\w-]{30,}/g) ?? []).toEqual([]);
  expect(output).toMatch(/authorization server stopped/);
  expect(survivors(serverUrl(run))).toEqual([]);
});

it("npm run demo -- --deny: device-login exits 3 (denied)", async () => {
  const run = runDemo("--deny");
  const { code } = await run.exit;
  const output = run.lines.join("\n");
  expect(code, output).toBe(3);
  expect(output).toMatch(/approver: done, the server says denied/);
  expect(output).toMatch(/^\[device-login\] Access denied/m);
  expect(output).toMatch(/authorization server stopped/);
});

it("npm run demo -- --manual: a person approves in Chromium at the printed page", async () => {
  const run = runDemo("--manual");
  const [, url = ""] = await run.waitFor(/^\[demo\] open (\S+) in a browser/);
  const [, login = "", password = ""] = await run.waitFor(/sign in as "([^"]+)" \/ "([^"]+)"/);
  const [, userCode = ""] = await run.waitFor(/^\[device-login\] User code: (\S+)$/);
  const outcome = await approveInBrowser(browser as LoopbackBrowser, url, {
    login,
    password,
    decision: "approve",
    userCode,
  });
  expect(outcome).toEqual({ finalPage: "success", shownUserCode: userCode });

  const { code } = await run.exit;
  expect(code, run.lines.join("\n")).toBe(0);
  expect(browser?.blocked).toEqual([]);
});

it("npm run demo -- --manual, interrupted (SIGINT): stops device-login and the server, exits 130", async () => {
  const run = runDemo("--manual");
  await run.waitFor(/^\[demo\] open \S+ in a browser/);
  const url = serverUrl(run);
  expect(survivors(url).length).toBeGreaterThan(0); // the CLI is running, with --issuer <url>
  run.child.kill("SIGINT");

  const { code } = await run.exit;
  const output = run.lines.join("\n");
  expect(code, output).toBe(130);
  expect(output).toMatch(/authorization server stopped/);
  expect(survivors(url)).toEqual([]);
});
