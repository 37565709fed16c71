/**
 * What the user is told to do (RFC 8628 §3.3): the user code, large, the page to open, and a QR
 * code of it. Every string the server sent is sanitised before it is shown.
 */
import { renderUnicodeCompact } from "uqr";
import type { DeviceAuthorization } from "../index.ts";
import { safeWebUrl, sanitize } from "./sanitize.ts";
import type { Terminal } from "./terminal.ts";

/** The printable, checked form of a device authorization. */
export interface Instructions {
  userCode: string;
  /** `verification_uri`, normalised. */
  page: string;
  /** `verification_uri_complete`, normalised, when the server sent one. */
  pageWithCode?: string;
}

/** Longest user code shown; RFC 8628 §6.1 codes are a handful of characters. */
const MAX_USER_CODE = 64;

/**
 * Sanitises what the server sent. Returns undefined when a verification URI is not http(s): the
 * SDK already refuses those, and this keeps the CLI from ever showing or opening one regardless.
 */
export function instructionsFor(authorization: DeviceAuthorization): Instructions | undefined {
  const page = safeWebUrl(authorization.verificationUri);
  if (page === undefined) return undefined;
  const instructions: Instructions = {
    userCode: sanitize(authorization.userCode, MAX_USER_CODE),
    page,
  };
  if (authorization.verificationUriComplete !== undefined) {
    const pageWithCode = safeWebUrl(authorization.verificationUriComplete);
    if (pageWithCode === undefined) return undefined;
    instructions.pageWithCode = pageWithCode;
  }
  return instructions;
}

/** The page to open: the one with the code filled in, when there is one (RFC 8628 §3.3.1). */
export function pageToOpen(instructions: Instructions): string {
  return instructions.pageWithCode ?? instructions.page;
}

/**
 * Prints the instructions. Not on a terminal, the lines `User code: <code>` and
 * `Open: <url>` always appear, each on its own line, for scripts (the demo's approver) to read.
 */
export function showInstructions(
  term: Terminal,
  instructions: Instructions,
  options: { qr: boolean },
): void {
  const open = pageToOpen(instructions);
  const other = instructions.pageWithCode ? instructions.page : undefined;
  if (term.interactive) {
    term.line();
    term.line(`  To sign in, open this page on any device:`);
    term.line();
    term.line(`    ${term.bold(term.accent(open))}`);
    term.line();
    term.line(other ? "  and check that it shows this code:" : "  and enter this code:");
    term.line();
    for (const row of codeBox(instructions.userCode)) term.line(`    ${term.bold(row)}`);
    term.line();
    if (other) term.line(term.dim(`  (or go to ${other} and type the code)`));
  } else {
    term.line("To sign in, open the page below on any device and confirm the code.");
    term.line(`User code: ${instructions.userCode}`);
    term.line(`Open: ${open}`);
    if (other) term.line(`Or go to ${other} and enter the code.`);
  }
  if (options.qr) {
    term.line();
    for (const row of qrRows(open, term.color)) term.line(`  ${row}`);
    term.line();
  }
}

/**
 * The code framed, letters spaced out when short enough (`W D J B - M J H T`), so it is easy
 * to read from across a room.
 */
export function codeBox(code: string): string[] {
  const chars = [...code];
  const text = chars.length <= 16 ? chars.join(" ") : code;
  const width = [...text].length + 4;
  return [`╭${"─".repeat(width)}╮`, `│  ${text}  │`, `╰${"─".repeat(width)}╯`];
}

/**
 * The QR code in half-block characters (two modules per character). uqr draws light modules as
 * blocks, right on dark terminals; with colour allowed each row is painted white on black, so it
 * scans on light themes too.
 */
export function qrRows(url: string, color: boolean): string[] {
  const rows = renderUnicodeCompact(url, { border: 2 }).split("\n");
  return color ? rows.map((row) => `\u001b[97;40m${row}\u001b[0m`) : rows;
}
