/**
 * `device-login`, start to finish, as a function of its arguments and its I/O: parse, start the
 * flow (RFC 8628 §3.1), show the code (§3.3), wait (§3.4–3.5), deliver the token, and say how it
 * ended with an exit code from {@link EXIT_CODES}. Touches no process globals, so it can be
 * imported and driven in-process; main.ts wires it to the real process.
 */
import {
  ConfigurationError,
  DeviceFlowError,
  type DeviceAuthorization,
  type PollError,
  type PollResult,
  type Provider,
  type TerminalResult,
  type TokenSet,
} from "../index.ts";
import { parseCommand, UsageError, type LoginOptions } from "./args.ts";
import { canOpenBrowser, openBrowser } from "./browser.ts";
import { logoutCommand } from "./commands/logout.ts";
import {
  keepRegistration,
  plainFlow,
  prepareSave,
  rescueUnsaved,
  savedLine,
  savingFlow,
  type SavePlan,
} from "./commands/save.ts";
import { statusCommand } from "./commands/status.ts";
import { tokenCommand } from "./commands/token.ts";
import { EXIT_CODES, type ExitCode } from "./exit-codes.ts";
import { helpText } from "./help.ts";
import { printIdentity } from "./identity-line.ts";
import { instructionsFor, pageToOpen, showInstructions } from "./instructions.ts";
import { CaFileError, createNetwork, type Network } from "./network.ts";
import { startProgress, type Progress } from "./progress.ts";
import { providerFor } from "./provider.ts";
import { sanitize } from "./sanitize.ts";
import { terminalFor, type Terminal, type TextSink } from "./terminal.ts";
import {
  outputProblem,
  tokenJson,
  tokenSummary,
  writeFallbackFile,
  writePrivateFile,
} from "./token-output.ts";
import { packageVersion } from "./version.ts";

export interface CliIo {
  /** Only the token (or --help / --version text) is written here. */
  stdout: TextSink;
  /** Every message for people. */
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** Aborts when the user presses Ctrl-C. */
  interrupt: AbortSignal;
}

/** Runs the CLI; resolves to the exit code. Never rejects for anything a user or server does. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const term = terminalFor(io.stderr, io.env);
  let command;
  try {
    command = parseCommand(argv, io.env);
  } catch (error) {
    if (error instanceof UsageError) return usage(term, error.message);
    throw error;
  }
  if (command.kind === "help") {
    io.stdout.write(helpText(command.provider));
    return EXIT_CODES.authorized;
  }
  if (command.kind === "version") {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT_CODES.authorized;
  }
  if (command.kind !== "login") {
    // token, status, logout: the profile knows the provider and its network options.
    const profileCommand = { token: tokenCommand, status: statusCommand, logout: logoutCommand };
    try {
      return await profileCommand[command.kind](command.options, io, term);
    } catch (error) {
      term.line(term.bad(`device-login: internal error: ${sanitize(String(error))}`));
      return EXIT_CODES.error;
    }
  }

  let network: Network;
  try {
    network = await createNetwork({
      env: io.env,
      ...optional("proxy", command.options.proxy),
      ...optional("caFile", command.options.ca),
    });
  } catch (error) {
    if (error instanceof CaFileError) return usage(term, error.message);
    throw error;
  }
  try {
    return await login(command.options, io, term, network);
  } catch (error) {
    // A bug, not something a user or server did: say so briefly, without a stack trace.
    term.line(term.bad(`device-login: internal error: ${sanitize(String(error))}`));
    return EXIT_CODES.error;
  } finally {
    await network.close().catch(() => {});
  }
}

async function login(
  options: LoginOptions,
  io: CliIo,
  term: Terminal,
  network: Network,
): Promise<ExitCode> {
  let provider: Provider;
  let plan: SavePlan | undefined;
  try {
    provider = providerFor(
      options,
      { fetch: network.fetch, allowInsecureRequests: options.insecure },
      // AWS registers a client at start: saved with the profile, so `token` refreshes as it.
      { onRegistration: (registration) => plan && keepRegistration(plan, registration) },
    );
  } catch (error) {
    if (error instanceof ConfigurationError) return usage(term, error.message);
    throw error;
  }
  // Before the flow starts: an approval whose token has nowhere to go would be wasted.
  if (options.output !== undefined) {
    const problem = await outputProblem(options.output);
    if (problem !== undefined) {
      return usage(term, `cannot write --output file ${options.output}: ${problem}`);
    }
  }
  // Saved by default (--no-save: not): the store is proved usable before any code is shown.
  if (!options.noSave) {
    const prepared = await prepareSave(options, io.env);
    if ("problem" in prepared) {
      return usage(term, prepared.problem);
    }
    plan = prepared;
  }
  const signIn = plan ? savingFlow(provider, plan, options) : plainFlow(provider);

  // One signal for the whole flow: Ctrl-C, or --timeout.
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(io.interrupt.reason);
  if (io.interrupt.aborted) onInterrupt();
  io.interrupt.addEventListener("abort", onInterrupt, { once: true });
  let timedOut = false;
  const timer =
    options.timeout === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error("--timeout elapsed"));
        }, options.timeout * 1000);
  const { signal } = controller;

  // Shows the code once it is there; a page that is no http(s) URL stops the flow before any poll.
  let unusablePage = false;
  let progress: Progress | undefined;
  const onVerification = (authorization: DeviceAuthorization) => {
    const instructions = instructionsFor(authorization);
    if (instructions === undefined) {
      unusablePage = true;
      controller.abort(new Error("unusable verification URI"));
      return;
    }
    showInstructions(term, instructions, { qr: options.qr });
    if (
      options.open &&
      canOpenBrowser({ platform: io.platform, env: io.env, interactive: term.interactive })
    ) {
      if (openBrowser(pageToOpen(instructions), io.platform))
        term.line(term.dim("  Opening your browser..."));
    }
    progress = startProgress(term, authorization);
  };
  // The token as soon as it is issued: kept even when saving it fails afterwards.
  let issued: TokenSet | undefined;
  const onPoll = (poll: PollResult) => {
    if (poll.status === "authorized") issued = poll.token;
    progress?.update(poll);
  };

  try {
    let result: TerminalResult;
    try {
      result = await signIn({
        signal,
        onVerification,
        onPoll,
        ...optional("scope", options.scope),
      });
    } finally {
      progress?.stop();
    }
    return await finish(result, options, io, term, plan && savedLine(plan));
  } catch (error) {
    if (unusablePage) {
      return fail(
        term,
        "The server's verification URI is not an http(s) URL; it is not shown or opened.",
      );
    }
    if (issued !== undefined && plan !== undefined) {
      return rescueUnsaved(issued, error, plan, options, io, term);
    }
    if (io.interrupt.aborted) {
      term.line("Interrupted.");
      return EXIT_CODES.interrupted;
    }
    if (timedOut) {
      term.line(term.bad(`Timed out after ${options.timeout} s without approval.`));
      return EXIT_CODES.expired;
    }
    if (error instanceof DeviceFlowError) return fail(term, startFailure(error));
    throw error;
  } finally {
    clearTimeout(timer);
    io.interrupt.removeEventListener("abort", onInterrupt);
  }
}

/** How the wait ended → a message on stderr and the exit code. */
async function finish(
  result: TerminalResult,
  options: LoginOptions,
  io: CliIo,
  term: Terminal,
  saved?: string,
): Promise<ExitCode> {
  const because = (description: string | undefined) =>
    description ? `: ${sanitize(description)}` : "";
  switch (result.status) {
    case "authorized":
      return deliver(result.token, options, io, term, saved);
    case "denied":
      term.line(term.bad(`Access denied${because(result.description)}.`));
      return EXIT_CODES.denied;
    case "expired":
      term.line(
        term.bad(
          `The code expired before it was approved${because(result.description)}. Run device-login again for a new one.`,
        ),
      );
      return EXIT_CODES.expired;
    case "invalid_code":
      term.line(
        term.bad(`The server does not recognise the device code${because(result.description)}.`),
      );
      return EXIT_CODES.invalidCode;
    case "already_used":
      term.line(term.bad(`The device code was already used${because(result.description)}.`));
      return EXIT_CODES.invalidCode;
    case "error":
      return fail(term, `The server stopped the sign-in: ${describePollError(result)}`);
  }
}

/**
 * The token to stdout (--json) and/or a 0600 file (--output); a one-line summary to stderr, and
 * `saved` (where the profile keeps it) on the next line. The
 * user already approved, so the token is never dropped: when --output still fails (the folder
 * went away, the path became a directory), it goes to stdout with --json, else to a fallback file
 * whose path stderr names, and the exit code is 1 so a script knows --output does not hold it.
 */
async function deliver(
  token: TokenSet,
  options: LoginOptions,
  io: CliIo,
  term: Terminal,
  saved?: string,
): Promise<ExitCode> {
  const json = tokenJson(token);
  const summary = tokenSummary(token);
  if (options.output !== undefined) {
    try {
      await writePrivateFile(options.output, json);
    } catch (error) {
      return rescue(json, summary, options.output, errorCode(error), options, io, term);
    }
  }
  if (options.json) io.stdout.write(json);

  let line = summary;
  if (options.output !== undefined) line += `; saved to ${sanitize(options.output)} (mode 0600)`;
  else if (!options.json && saved === undefined)
    line += ". Use --json or --output FILE to get the token";
  term.line(term.good(`${line}.`));
  printIdentity(token, term);
  if (saved !== undefined) term.line(term.good(saved));
  return EXIT_CODES.authorized;
}

/** --output failed after approval: the token goes where it still can, and stderr says where. */
async function rescue(
  json: string,
  summary: string,
  output: string,
  code: string,
  options: LoginOptions,
  io: CliIo,
  term: Terminal,
): Promise<ExitCode> {
  const cannot = `${summary}, but cannot write --output file ${sanitize(output)} (${sanitize(code)})`;
  if (options.json) {
    io.stdout.write(json);
    return fail(term, `${cannot}: the token is on stdout only.`);
  }
  try {
    const saved = await writeFallbackFile(output, json);
    return fail(term, `${cannot}: the token was saved to ${sanitize(saved)} (mode 0600) instead.`);
  } catch (error) {
    // No folder takes a file: stdout is the last place left, and it is the token's own channel.
    io.stdout.write(json);
    return fail(
      term,
      `${cannot}, nor a fallback file (${sanitize(errorCode(error))}): the token is on stdout.`,
    );
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

function describePollError(result: PollError): string {
  const status = result.httpStatus !== undefined ? ` (HTTP ${result.httpStatus})` : "";
  const description = result.description ? `: ${result.description}` : "";
  return sanitize(`${result.error}${status}${description}`);
}

/** A typed SDK error from starting the flow (or a failed discovery), with a hint where one helps. */
function startFailure(error: DeviceFlowError): string {
  const message = sanitize(error.message);
  if (error.code === "invalid_response") {
    const never = /verification_uri/.test(error.message)
      ? " Such a page is never shown or opened."
      : "";
    return `The server's answer is unusable: ${message}.${never}`;
  }
  if (error.code === "network_error" || error.code === "timeout") {
    return `Cannot reach the server: ${message}. Check the URL, --proxy / HTTPS_PROXY and --ca.`;
  }
  return `Could not sign in: ${message}`;
}

function usage(term: Terminal, message: string): ExitCode {
  term.line(`device-login: ${sanitize(message)}`);
  term.line("Run 'device-login --help' for usage.");
  return EXIT_CODES.usage;
}

function fail(term: Terminal, message: string): ExitCode {
  term.line(term.bad(message));
  return EXIT_CODES.error;
}

/** `{ key: value }` when value is defined, else `{}` (the SDK's options are optional, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
