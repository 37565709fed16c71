/** The CLI's small modules, in-process: browser choice, countdown, code box, private file. */
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { browserCommand, canOpenBrowser, openBrowser } from "../../src/cli/browser.ts";
import { codeBox } from "../../src/cli/instructions.ts";
import { countdown } from "../../src/cli/progress.ts";
import { terminalFor } from "../../src/cli/terminal.ts";
import { tokenJson, writePrivateFile } from "../../src/cli/token-output.ts";
import { tokenSet } from "../../src/result.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("browser", () => {
  it.each([
    ["linux", { DISPLAY: ":0" }, true, true],
    ["linux", { WAYLAND_DISPLAY: "wayland-0" }, true, true],
    ["linux", {}, true, false],
    ["freebsd", {}, true, false],
    ["linux", { DISPLAY: ":0" }, false, false],
    ["darwin", {}, true, true],
    ["win32", {}, true, true],
    ["darwin", {}, false, false],
  ] as const)("on %s with %j, interactive=%s: opens=%s", (platform, env, interactive, expected) => {
    expect(canOpenBrowser({ platform, env, interactive })).toBe(expected);
  });

  it("uses open, rundll32 or xdg-open, with the URL as one argument and no shell", () => {
    const url = "https://as.example/device?user_code=A&x=1";
    expect(browserCommand(url, "darwin")).toEqual(["open", [url]]);
    expect(browserCommand(url, "win32")).toEqual([
      "rundll32",
      ["url.dll,FileProtocolHandler", url],
    ]);
    expect(browserCommand(url, "linux")).toEqual(["xdg-open", [url]]);
  });

  it.each(["javascript:alert(1)", "file:///etc/passwd", "vbscript:x", "not a url"])(
    "never opens %j",
    (url) => {
      expect(openBrowser(url, "linux")).toBe(false);
    },
  );
});

describe("countdown", () => {
  it.each([
    [299_001, "5:00"],
    [59_000, "0:59"],
    [3_600_000, "1:00:00"],
    [3_725_000, "1:02:05"],
    [-5_000, "0:00"],
  ])("%i ms → %s", (ms, text) => {
    expect(countdown(ms)).toBe(text);
  });
});

describe("codeBox", () => {
  it("spaces out a short code and frames it", () => {
    expect(codeBox("WDJB-MJHT")).toEqual([
      "╭─────────────────────╮",
      "│  W D J B - M J H T  │",
      "╰─────────────────────╯",
    ]);
  });

  it("leaves a long code unspaced", () => {
    const code = "0123456789abcdef0";
    expect(codeBox(code)[1]).toBe(`│  ${code}  │`);
  });
});

describe("terminalFor", () => {
  it("colours only a terminal, and not with NO_COLOR or TERM=dumb", () => {
    expect(terminalFor({ write: () => true, isTTY: true }, {}).color).toBe(true);
    expect(terminalFor({ write: () => true, isTTY: true }, { NO_COLOR: "1" }).color).toBe(false);
    expect(terminalFor({ write: () => true, isTTY: true }, { NO_COLOR: "" }).color).toBe(true);
    expect(terminalFor({ write: () => true, isTTY: true }, { TERM: "dumb" }).color).toBe(false);
    expect(terminalFor({ write: () => true }, {}).color).toBe(false);
  });
});

describe("token output", () => {
  const token = tokenSet({
    accessToken: "at-1",
    tokenType: "Bearer",
    refreshToken: "rt-1",
    raw: { access_token: "at-1" },
  });

  it("serialises every field of the TokenSet, secrets included (they are what the caller asked for)", () => {
    expect(JSON.parse(tokenJson(token))).toEqual({
      accessToken: "at-1",
      tokenType: "Bearer",
      refreshToken: "rt-1",
      raw: { access_token: "at-1" },
    });
  });

  it("replaces a symlink planted at the target instead of writing through it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "device-login-file-"));
    dirs.push(dir);
    const victim = join(dir, "victim");
    writeFileSync(victim, "untouched", { mode: 0o644 });
    const file = join(dir, "token.json");
    symlinkSync(victim, file);
    await writePrivateFile(file, tokenJson(token));
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ accessToken: "at-1" });
  });
});
