/**
 * The `--help` texts: `device-login --help` lists every subcommand, `device-login <subcommand>
 * --help` shows that subcommand's own options. Both come from the tables the parser reads
 * (subcommands.ts, exit-codes.ts), so the help cannot disagree with the code.
 */
import { EXIT_CODES, EXIT_CODE_MEANINGS, type ExitReason } from "./exit-codes.ts";
import { HOME_ENV } from "./profiles.ts";
import {
  PROFILE_COMMAND_HELP,
  PROFILE_COMMANDS,
  PROVIDERS,
  SECRET_ENV,
  SUBCOMMANDS,
  type OptionHelp,
  type ProfileCommandName,
  type ProviderName,
} from "./subcommands.ts";

const FLAG_WIDTH = 25;
const LINE_WIDTH = 80;

/** The help for one subcommand, or (without one) the overview of all of them. */
export function helpText(provider?: ProviderName | ProfileCommandName): string {
  if (provider === undefined) return overview();
  return isProfileCommand(provider) ? profileCommandHelp(provider) : subcommandHelp(provider);
}

function overview(): string {
  const width = Math.max(...[...PROVIDERS, ...PROFILE_COMMANDS].map((name) => name.length)) + 2;
  const subcommands = PROVIDERS.map(
    (name) => `  ${name.padEnd(width)}${SUBCOMMANDS[name].summary}`,
  ).join("\n");
  const commands = PROFILE_COMMANDS.map(
    (name) => `  ${name.padEnd(width)}${PROFILE_COMMAND_HELP[name].summary}`,
  ).join("\n");
  return `Usage: device-login <subcommand> [options]
       device-login token | status | logout [--profile NAME]

Signs in with the OAuth 2.0 Device Authorization Grant (RFC 8628): shows a code and
a page to open on any device, waits for approval, then saves the token set under a
profile (--no-save: only --json and --output deliver it). Messages go to stderr.

Subcommands (device-login <subcommand> --help shows each one's options):
${subcommands}

Saved profiles:
${commands}

${commonOptions()}

Exit codes:
${exitCodes()}

${environment()}
`;
}

function subcommandHelp(provider: ProviderName): string {
  const subcommand = SUBCOMMANDS[provider];
  const options = (subcommand.options as readonly OptionHelp[]).map((option) =>
    row(`--${option.name} ${option.value}`, option.text),
  );
  return `Usage: device-login ${provider} [options]

${wrap(`Signs in with ${subcommand.summary}, by the OAuth 2.0 Device Authorization Grant (RFC 8628).`, LINE_WIDTH).join("\n")}

${provider} options:
${options.join("\n")}

${commonOptions()}

Example:
  ${subcommand.example}

Exit codes:
${exitCodes()}

${environment()}
`;
}

function profileCommandHelp(command: ProfileCommandName): string {
  const help = PROFILE_COMMAND_HELP[command];
  const options = (help.options as readonly OptionHelp[]).map((option) =>
    row(`--${option.name}${option.value === "" ? "" : ` ${option.value}`}`, option.text),
  );
  return `Usage: device-login ${command} [options]

${wrap(`${help.summary[0]?.toUpperCase()}${help.summary.slice(1)}.`, LINE_WIDTH).join("\n")}

Options:
${options.join("\n")}
${row("-h, --help", "show this help")}

Example:
  ${help.example}

Exit codes:
${exitCodes()}

${environment()}
`;
}

function environment(): string {
  return wrap(
    `Environment: ${SECRET_ENV} (also needed by token and logout when the sign-in used a client secret), ${HOME_ENV} (the folder of tokens.json), HTTPS_PROXY, HTTP_PROXY, NO_PROXY, NO_COLOR.`,
    LINE_WIDTH,
  ).join("\n");
}

function isProfileCommand(name: string): name is ProfileCommandName {
  return (PROFILE_COMMANDS as readonly string[]).includes(name);
}

/** What every subcommand takes. */
const COMMON_OPTIONS: readonly (readonly [string, string])[] = [
  [
    "--header NAME:VALUE",
    "send this header with every request (repeatable): an API key or gateway header no option covers",
  ],
  ["--json", "print the token set as JSON on stdout, nothing else"],
  [
    "--output FILE",
    "write the token set as JSON to FILE, mode 0600 (written to a new file next to it, then renamed over FILE)",
  ],
  ["--no-open", "do not open a browser (it opens only on a terminal with a display)"],
  ["--no-qr", "do not show the QR code"],
  [
    "--profile NAME",
    "save the token set under NAME (default: the subcommand's name); device-login token --profile NAME prints it",
  ],
  [
    "--store STORE",
    `file (default: tokens.json in the config folder or ${HOME_ENV}, mode 0600) or keychain (the OS credential store)`,
  ],
  ["--no-save", "do not save the token set: only --json and --output deliver it"],
  ["--timeout SEC", "give up after SEC seconds in all (exit code 4)"],
  ["--proxy URL", "HTTP(S) proxy; default: HTTPS_PROXY / HTTP_PROXY, and NO_PROXY"],
  ["--ca FILE", "also trust the PEM certificate(s) in FILE (private CA)"],
  [
    "--insecure",
    "allow plain http to hosts other than loopback (the token travels unencrypted); does not affect TLS verification",
  ],
  ["-h, --help", "show this help"],
  ["-V, --version", "show the version"],
];

function commonOptions(): string {
  return `Options of every subcommand:\n${COMMON_OPTIONS.map(([flag, text]) => row(flag, text)).join("\n")}`;
}

function exitCodes(): string {
  return (Object.keys(EXIT_CODES) as ExitReason[])
    .map((reason) => `  ${String(EXIT_CODES[reason]).padStart(3)}  ${EXIT_CODE_MEANINGS[reason]}`)
    .join("\n");
}

/**
 * One option: the flag, then its text from a fixed column (below the flag when the flag is too
 * long), wrapped at {@link LINE_WIDTH}.
 */
function row(flag: string, text: string): string {
  const left = `  ${flag}`;
  const indent = " ".repeat(FLAG_WIDTH);
  const lines = wrap(text, LINE_WIDTH - FLAG_WIDTH).map((line) => indent + line);
  if (left.length < FLAG_WIDTH) lines[0] = left.padEnd(FLAG_WIDTH) + (lines[0] ?? "").trimStart();
  else lines.unshift(left);
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
