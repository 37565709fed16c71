/**
 * device-login on a real terminal: a pseudo-terminal made by util-linux `script` (Debian's
 * bsdutils, an essential package). Shows the live countdown redrawn in place, the boxed code,
 * colour and NO_COLOR, Ctrl-C typed on the terminal, and the browser being opened (through a
 * stand-in `xdg-open` on PATH that records its argument: the one mock, as no browser can be
 * watched opening here).
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import {
  cliArgsFor,
  startDeviceServer,
  type DeviceServer,
  type ScriptOptions,
} from "../support/device-server.ts";
import { cleanEnv, MAIN, ROOT, runCli, TERMINAL_CONTROL } from "../support/run-cli.ts";

let dir: string;
let fakeBin: string;
const servers: DeviceServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "device-login-tty-"));
  // A stand-in xdg-open that writes its arguments to $OPENED_LOG.
  const script = join(dir, "xdg-open");
  writeFileSync(script, '#!/bin/sh\nprintf "%s\\n" "$@" >> "$OPENED_LOG"\n');
  chmodSync(script, 0o755);
  fakeBin = dir;
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(options: ScriptOptions = {}): Promise<DeviceServer> {
  const started = await startDeviceServer(options);
  servers.push(started);
  return started;
}

interface PtyResult {
  code: number | null;
  /** What the terminal received, with the terminal's own "\r\n" for "\n" turned back into "\n". */
  output: string;
}

const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/** Runs the CLI on a pseudo-terminal; `typed` is sent as keystrokes once `after` is on screen. */
function runOnTerminal(
  args: string[],
  env: Record<string, string>,
  typed?: { after: string; keys: string },
): Promise<PtyResult> {
  const command = [process.execPath, "--import", "tsx", MAIN, ...args].map(quote).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let sent = false;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    if (typed && !sent && output.includes(typed.after)) {
      sent = true;
      child.stdin.write(typed.keys);
    }
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), 45_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(limit);
      resolve({ code, output: output.replace(/\r\n/g, "\n") });
    });
  });
}

function terminalEnv(extra: Record<string, string> = {}): Record<string, string> {
  return cleanEnv({
    TERM: "xterm-256color",
    DISPLAY: ":99",
    PATH: `${fakeBin}:${process.env.PATH}`,
    ...extra,
  });
}

/** The escape sequences device-login itself writes (SGR: bold, dim, colours, reset). */
const OWN_SEQUENCES = /\u001b\[(?:0|1|2|22|31|32|36|39|97;40)m/g;

describe.concurrent("device-login on a terminal", () => {
  it("draws the boxed code, a live countdown in place, and opens the browser on the page", async () => {
    const s = await server({ steps: ["pending", "pending", "authorized"] });
    const log = join(dir, "opened-1.log");
    const result = await runOnTerminal(cliArgsFor(s), terminalEnv({ OPENED_LOG: log }));
    expect(result.code).toBe(EXIT_CODES.authorized);
    const plain = result.output.replace(OWN_SEQUENCES, "");
    expect(plain).toContain("│  W D J B - M J H T  │");
    expect(plain).toContain("Opening your browser...");
    // Redrawn in place ("\r", no new line) with the time left, at least twice.
    const countdowns = [
      ...plain.matchAll(/\r(?:\S+ )?Waiting for approval · code expires in (\d+:\d\d)/g),
    ].map((m) => m[1]);
    expect(countdowns.length).toBeGreaterThanOrEqual(2);
    expect(new Set(countdowns).size).toBeGreaterThanOrEqual(2);
    expect(result.output).toMatch(/\u001b\[1m/); // colour is on
    expect(readFileSync(log, "utf8")).toBe(`${s.origin}/device?user_code=WDJB-MJHT\n`);
  });

  it("NO_COLOR: not one escape sequence, the countdown still redrawn with a carriage return", async () => {
    const s = await server({ steps: ["pending", "authorized"] });
    const result = await runOnTerminal(
      [...cliArgsFor(s), "--no-open"],
      terminalEnv({ NO_COLOR: "1", OPENED_LOG: join(dir, "unused.log") }),
    );
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.output).not.toContain("\u001b");
    expect(result.output).toMatch(/\rWaiting for approval · code expires in \d+:\d\d/);
    expect(result.output).toContain("█"); // the QR code, uncoloured
  });

  it("--no-open, or no display, or no terminal: no browser", async () => {
    const s = await server({ steps: ["authorized"] });
    const logs = [join(dir, "no-open.log"), join(dir, "no-display.log"), join(dir, "no-tty.log")];
    const noDisplay = terminalEnv({ OPENED_LOG: logs[1] as string });
    delete noDisplay.DISPLAY;
    const results = await Promise.all([
      runOnTerminal(
        [...cliArgsFor(s), "--no-open"],
        terminalEnv({ OPENED_LOG: logs[0] as string }),
      ),
      runOnTerminal(cliArgsFor(s), noDisplay),
      runCli(cliArgsFor(s), { env: terminalEnv({ OPENED_LOG: logs[2] as string }) }),
    ]);
    expect(results.map((result) => result.code)).toEqual([0, 0, 0]);
    // The stand-in writes within milliseconds of being started; each CLI ran for about a second after.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const log of logs) expect(existsSync(log)).toBe(false);
  });

  it("Ctrl-C typed on the terminal: exit 130, the line cleared, no stack trace", async () => {
    const s = await server({ steps: ["pending"], expiresIn: 600 });
    const result = await runOnTerminal(
      [...cliArgsFor(s), "--no-open"],
      terminalEnv({ OPENED_LOG: join(dir, "unused.log") }),
      {
        after: "Waiting for approval",
        keys: "\u0003",
      },
    );
    expect(result.code).toBe(EXIT_CODES.interrupted);
    // The live line is blanked out and the cursor put back before the last message.
    expect(result.output).toMatch(/\r {20,}\rInterrupted\.\n/);
    expect(result.output).not.toMatch(/^\s+at |node:internal/m);
  });

  it("a hostile server's escapes never reach the terminal: only device-login's own colours do", async () => {
    const s = await server({
      steps: ["pending", "denied"],
      // The SDK refuses control characters in a user code; bidi marks get through to the CLI.
      userCode: "AB\u200fCD\u061c",
      description: "\u001b]0;pwned\u0007\u001b[2K\rAccess granted\u001b[0m\u009b2J",
    });
    const result = await runOnTerminal(
      [...cliArgsFor(s), "--no-open"],
      terminalEnv({ OPENED_LOG: join(dir, "unused.log") }),
    );
    expect(result.code).toBe(EXIT_CODES.denied);
    const rest = result.output.replace(OWN_SEQUENCES, "").replace(/[\r\n]/g, "");
    expect(rest).not.toMatch(TERMINAL_CONTROL);
    expect(result.output).toContain("│  A B C D  │");
    expect(result.output).toMatch(/Access denied: .*Access granted.*\./);
    expect(result.output).not.toMatch(/\nAccess granted/);
  });
});
