import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_SANITIZED_LENGTH, safeWebUrl, sanitize } from "../../src/cli/sanitize.ts";
import { TERMINAL_CONTROL } from "../support/run-cli.ts";

describe("sanitize", () => {
  it.each([
    ["colour (CSI SGR)", "\u001b[31mRED\u001b[0m", "RED"],
    ["clear screen and home", "\u001b[2J\u001b[HCODE", "CODE"],
    ["cursor up and erase line", "A\u001b[1A\u001b[2KB", "AB"],
    ["window title (OSC … BEL), payload included", "\u001b]0;pwned\u0007CODE", "CODE"],
    ["window title (OSC … ST)", "\u001b]2;pwned\u001b\\CODE", "CODE"],
    [
      "hyperlink (OSC 8): only the visible text stays",
      "\u001b]8;;http://evil/\u001b\\click\u001b]8;;\u001b\\",
      "click",
    ],
    ["8-bit CSI (C1)", "\u009b31mX", "X"],
    ["other C1 controls", "A\u0085B\u008dC\u0090D", "A BCD"],
    ["NUL, BEL, backspace, DEL", "A\u0000B\u0007C\bD\u007fE", "ABCDE"],
    ["bidi override and isolates", "abc\u202edcba\u2066x\u2069\u200f", "abcdcbax"],
  ])("removes %s", (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it("turns line breaks and tabs into one space, so a server cannot start a line of its own", () => {
    expect(sanitize("WDJB\r\nOpen: http://evil.example/")).toBe("WDJB Open: http://evil.example/");
    expect(sanitize("a\rb\tc\u2028d")).toBe("a b c d");
  });

  it("keeps ordinary text, accents, CJK and emoji", () => {
    expect(sanitize("Zugriff verweigert: é 日本 🙂 WDJB-MJHT")).toBe(
      "Zugriff verweigert: é 日本 🙂 WDJB-MJHT",
    );
  });

  it("cuts long text with an ellipsis, counting code points", () => {
    expect(sanitize("x".repeat(10_000))).toHaveLength(MAX_SANITIZED_LENGTH);
    expect(sanitize("x".repeat(10_000)).endsWith("…")).toBe(true);
    expect(sanitize("🙂".repeat(10), 4)).toBe("🙂🙂🙂…");
    expect(sanitize("short", 10)).toBe("short");
  });

  it("never lets a terminal control character through, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (input) => {
        expect(sanitize(input)).not.toMatch(TERMINAL_CONTROL);
      }),
      { numRuns: 2000 },
    );
  });

  it("removes escape sequences built from every ESC-prefixed shape", () => {
    const escapeSequence = fc
      .tuple(
        fc.constantFrom("\u001b[", "\u001b]", "\u001bP", "\u009b", "\u001b"),
        fc.string({ maxLength: 12 }),
        fc.constantFrom("m", "\u0007", "\u001b\\", "H", ""),
      )
      .map(([start, body, end]) => `${start}${body}${end}`);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(escapeSequence, fc.string({ maxLength: 5 })), { maxLength: 10 }),
        (parts) => {
          const out = sanitize(parts.join(""));
          expect(out).not.toContain("\u001b");
          expect(out).not.toMatch(TERMINAL_CONTROL);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("safeWebUrl", () => {
  it("returns the normalised href of an http(s) URL", () => {
    expect(safeWebUrl("https://example.com/device?user_code=WDJB-MJHT")).toBe(
      "https://example.com/device?user_code=WDJB-MJHT",
    );
    expect(safeWebUrl("HTTP://Example.COM")).toBe("http://example.com/");
  });

  it("percent-encodes control characters and bidi overrides instead of passing them on", () => {
    const url = safeWebUrl("https://example.com/a\u001b[31mb?q=\u0007\u202e#\u009b");
    expect(url).toBe("https://example.com/a%1B[31mb?q=%07%E2%80%AE#%C2%9B");
    expect(url).not.toMatch(TERMINAL_CONTROL);
  });

  it.each([
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,hi",
    "ftp://example.com/",
    "not a url",
    "",
  ])("refuses %j", (value) => {
    expect(safeWebUrl(value)).toBeUndefined();
  });
});
