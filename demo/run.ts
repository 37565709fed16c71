/**
 * `npm run demo`: a device login from start to finish on this machine. It starts a real
 * authorization server (oidc-provider, demo/authorization-server.ts), runs the real
 * `device-login` CLI against it, and plays the user: once the CLI shows its code, the automated
 * approver (demo/approver.ts) opens the page, signs in and approves. The CLI's exit code is the
 * demo's.
 *
 *   npm run demo                  the approver approves
 *   npm run demo -- --deny        the approver denies (the CLI exits 3)
 *   npm run demo -- --manual      you approve, in a browser on this machine
 *
 * It always ends by itself: after the device code's lifetime plus a margin, the CLI is stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { approveDevice } from "./approver.ts";
import { startAuthorizationServer, type AuthorizationServer } from "./authorization-server.ts";
import { summariseToken } from "./token-summary.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
/** Seconds the device code lives: short for the automated run, long enough for a person. */
const TTL_S = { automatic: 120, manual: 600 } as const;
/** Past the code's lifetime, how long the CLI gets to finish before it is stopped. */
const MARGIN_S = 15;
const EXIT_FAILURE = 1;
const EXIT_INTERRUPTED = 130;

const USAGE = `Usage: npm run demo [-- --manual | --deny]

  (default)   the automated approver approves through the server's pages
  --deny      the automated approver denies (the CLI exits with 3)
  --manual    nothing is automated: open the printed page and approve yourself
`;

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      options: {
        manual: { type: "boolean" },
        deny: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.manual && flags.deny) {
    process.stderr.write(`--manual and --deny do not go together\n${USAGE}`);
    return 2;
  }
  const manual = flags.manual ?? false;
  const ttl = manual ? TTL_S.manual : TTL_S.automatic;

  const server = await startAuthorizationServer({ deviceCodeTtl: ttl });
  const stopApprover = new AbortController();
  let child: ChildProcess | undefined;
  const onSigint = () => {
    // Ctrl-C reaches the CLI too (same process group); let it end cleanly, then the server closes.
    say("interrupted: waiting for device-login to stop");
    stopApprover.abort();
    child?.kill("SIGINT");
  };
  process.on("SIGINT", onSigint);
  try {
    introduce(server, manual, ttl);
    child = spawnCli(server);
    return await supervise(child, server, {
      manual,
      deny: flags.deny ?? false,
      deadlineMs: (ttl + MARGIN_S) * 1000,
      stopApprover,
    });
  } finally {
    process.off("SIGINT", onSigint);
    stopApprover.abort();
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await server.close();
    say("authorization server stopped");
  }
}

function introduce(server: AuthorizationServer, manual: boolean, ttl: number): void {
  say(`authorization server (oidc-provider) listening at ${server.url}`);
  say(`  discovery: ${server.issuer}/.well-known/openid-configuration`);
  say(`  public client: ${server.publicClient.clientId}; device codes live ${ttl} s`);
  say(`  test user: login "${server.user.login}", password "${server.user.password}"`);
  say(
    manual
      ? "manual mode: you approve in a browser on this machine"
      : "the automated approver will act as the user",
  );
}

/** The CLI's arguments: the public client, discovery from the issuer, the token as JSON. */
function cliArgs(server: AuthorizationServer): string[] {
  return [
    "rfc8628",
    "--issuer",
    server.issuer,
    "--client-id",
    server.publicClient.clientId,
    "--scope",
    "openid offline_access",
    "--no-open",
    "--no-qr",
    "--json",
    // The demo's sign-in is a throwaway: nothing is saved to your config folder.
    "--no-save",
  ];
}

function spawnCli(server: AuthorizationServer): ChildProcess {
  const args = cliArgs(server);
  const shown = args.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(" ");
  say(`starting: device-login ${shown}`);
  return spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });
}

interface SupervisionOptions {
  manual: boolean;
  deny: boolean;
  deadlineMs: number;
  /** Aborted once the CLI has exited: the user's part no longer matters. */
  stopApprover: AbortController;
}

/**
 * Echoes the CLI's messages, starts the approver once the CLI has shown `User code:` and `Open:`
 * (its documented lines when stderr is not a terminal), and resolves to the CLI's exit code.
 */
async function supervise(
  child: ChildProcess,
  server: AuthorizationServer,
  options: SupervisionOptions,
): Promise<number> {
  const stdout: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;

  let userCode: string | undefined;
  let openUrl: string | undefined;
  let approval: Promise<void> | undefined;
  const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  lines.on("line", (line) => {
    process.stderr.write(`[device-login] ${line}\n`);
    userCode ??= /^User code: (\S+)$/.exec(line)?.[1];
    openUrl ??= /^Open: (\S+)$/.exec(line)?.[1];
    if (approval || !userCode || !openUrl) return;
    if (options.manual) {
      say(`open ${openUrl} in a browser on this machine, check the code ${userCode},`);
      say(`sign in as "${server.user.login}" / "${server.user.password}" and allow access`);
      approval = Promise.resolve();
      return;
    }
    approval = runApprover(child, openUrl, userCode, server, options);
  });

  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    say(`no result after ${options.deadlineMs / 1000} s: stopping device-login`);
    child.kill("SIGTERM");
  }, options.deadlineMs);
  try {
    const [code, signal] = await exited;
    options.stopApprover.abort();
    await approval;
    if (timedOut) return EXIT_FAILURE;
    if (code === null) return signal === "SIGINT" ? EXIT_INTERRUPTED : EXIT_FAILURE;
    report(code, Buffer.concat(stdout).toString("utf8"));
    return code;
  } finally {
    clearTimeout(deadline);
    lines.close();
  }
}

async function runApprover(
  child: ChildProcess,
  openUrl: string,
  userCode: string,
  server: AuthorizationServer,
  options: SupervisionOptions,
): Promise<void> {
  const decision = options.deny ? "deny" : "approve";
  say(`approver: opening ${openUrl} to ${decision} code ${userCode}`);
  try {
    const outcome = await approveDevice(openUrl, {
      login: server.user.login,
      password: server.user.password,
      decision,
      signal: options.stopApprover.signal,
      onPage: (page, url) => say(`approver: ${page} page (${new URL(url).pathname})`),
    });
    say(`approver: done, the server says ${outcome}; device-login sees it at its next poll`);
  } catch (error) {
    if (options.stopApprover.signal.aborted) return;
    say(`approver failed: ${error instanceof Error ? error.message : String(error)}`);
    child.kill("SIGTERM");
  }
}

function report(code: number, stdout: string): void {
  if (code !== 0) {
    say(`device-login exited with ${code}`);
    return;
  }
  say("device-login exited with 0: signed in. The token it printed (--json), secrets shortened:");
  for (const line of summariseToken(stdout)) say(`  ${line}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `[demo] failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = EXIT_FAILURE;
  },
);
