/**
 * Text a server sent (user code, URLs, error descriptions) made safe to print: a hostile server
 * must not be able to move the cursor, clear the screen, retitle the window, forge a line of its
 * own (`\nOpen: https://evil`) or reorder text with bidi overrides.
 */
import { stripVTControlCharacters } from "node:util";

// C0 controls, DEL and C1 controls (U+0080–U+009F: 8-bit CSI, OSC…).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Line and tab characters become a space, so words stay apart but no new line starts.
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// Bidi embeddings, overrides, isolates and marks: they reorder what the user reads.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Default cap on printed server text, so a megabyte of description cannot flood the terminal. */
export const MAX_SANITIZED_LENGTH = 500;

/**
 * Removes ANSI escape sequences (CSI, OSC, DCS… via Node's own `stripVTControlCharacters`), then
 * any remaining control or bidi character; turns line breaks and tabs into one space; trims; and
 * cuts the result to `maxLength` characters (code points), ending with "…" when cut.
 */
export function sanitize(text: string, maxLength = MAX_SANITIZED_LENGTH): string {
  const clean = stripVTControlCharacters(text)
    .replace(LINE_BREAKS, " ")
    .replace(CONTROL, "")
    .replace(BIDI, "")
    .trim();
  const chars = [...clean];
  return chars.length <= maxLength
    ? clean
    : `${chars.slice(0, Math.max(maxLength - 1, 0)).join("")}…`;
}

/**
 * An http(s) URL as the WHATWG parser serialises it (`href`): control characters, spaces and
 * non-ASCII are percent-encoded there, so what is printed, put in the QR code and opened is one
 * and the same escape-free string. Anything else (`javascript:`, `file:`, garbage) is undefined.
 */
export function safeWebUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  // href is printable ASCII already; sanitising again costs nothing and guards the assumption.
  return sanitize(url.href, Number.MAX_SAFE_INTEGER);
}
