/**
 * A hostile server tries to drive the user's terminal through the strings the CLI prints: the
 * user code, the verification URIs and error descriptions carry ANSI escapes, C0/C1 controls,
 * bidi overrides and forged lines. None may reach the output; non-http(s) pages are refused.
 * The SDK refuses a user code or URI with control characters itself; the CLI's sanitising is
 * tested end to end where the SDK lets text through, and in-process for the rest.
 */
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import {
  instructionsFor,
  showInstructions,
  type Instructions,
} from "../../src/cli/instructions.ts";
import { terminalFor, type TextSink } from "../../src/cli/terminal.ts";
import type { DeviceAuthorization } from "../../src/index.ts";
import {
  cliArgsFor,
  startDeviceServer,
  type DeviceServer,
  type ScriptOptions,
} from "../support/device-server.ts";
import { runCli, TERMINAL_CONTROL } from "../support/run-cli.ts";

const servers: DeviceServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function server(options: ScriptOptions): Promise<DeviceServer> {
  const started = await startDeviceServer(options);
  servers.push(started);
  return started;
}

const EVIL_CODE =
  "\u001b[2J\u001b[H\u001b]0;pwned\u0007WDJB\r\u001b[1AMJHT\nOpen: http://evil.example/\u009b31m\u202eKCAH\u0000";
const evilPage = (origin: string) =>
  `${origin}/device/\u001b[31m\u001b]8;;http://evil.example/\u0007x?q=\u0007\u202e\r`;
const EVIL_DESCRIPTION =
  "no\u001b[2K\r\nSigned in: Bearer token\u001b]8;;http://evil.example/\u001b\\, really\u0085\u009b2J";

function linesStarting(text: string, prefix: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(prefix));
}

describe.concurrent("device-login against a hostile server", () => {
  it.each([
    ["user code", { userCode: EVIL_CODE }, "user_code holds control characters"],
    [
      "verification URI",
      { verificationUri: evilPage },
      "verification_uri is missing or not an http(s) URL",
    ],
  ] as const)(
    "a %s carrying escapes is refused (exit 1) and none of it is printed",
    async (_what, options, message) => {
      const s = await server({ steps: ["authorized"], ...options });
      const result = await runCli([...cliArgsFor(s), "--json"]);
      expect(result.code).toBe(EXIT_CODES.error);
      expect(result.stderr).toContain(`The server's answer is unusable: ${message}`);
      expect(result.stderr).not.toMatch(TERMINAL_CONTROL);
      expect(result.stderr).not.toMatch(/pwned|evil\.example/);
      expect(linesStarting(result.stderr, "User code: ")).toEqual([]);
      expect(linesStarting(result.stderr, "Open: ")).toEqual([]);
      expect(result.stdout).toBe("");
      expect(s.polls()).toBe(0);
    },
  );

  it("strips the bidi marks the SDK lets through from the user code", async () => {
    const s = await server({ steps: ["authorized"], userCode: "WDJB\u200f-\u061cMJHT\u200e" });
    const result = await runCli(cliArgsFor(s));
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.stderr).not.toMatch(TERMINAL_CONTROL);
    expect(linesStarting(result.stderr, "User code: ")).toEqual(["User code: WDJB-MJHT"]);
  });

  it("strips escapes from error descriptions, and no line can be forged", async () => {
    const s = await server({ steps: ["denied"], description: EVIL_DESCRIPTION });
    const result = await runCli(cliArgsFor(s));
    expect(result.code).toBe(EXIT_CODES.denied);
    expect(result.stderr).not.toMatch(TERMINAL_CONTROL);
    expect(result.stderr).toMatch(/^Access denied: no\b.*Signed in: Bearer token.*really.*\.$/m);
    expect(linesStarting(result.stderr, "Signed in")).toEqual([]);
  });

  it("cuts an absurdly long user code instead of flooding the terminal", async () => {
    const s = await server({
      steps: ["authorized"],
      userCode: "A".repeat(100_000),
      verificationUriComplete: null,
    });
    const result = await runCli([...cliArgsFor(s), "--no-qr"]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(linesStarting(result.stderr, "User code: ")).toEqual([`User code: ${"A".repeat(63)}…`]);
  });

  it.each([
    [
      "verification_uri",
      { verificationUri: "javascript:alert(document.cookie)", verificationUriComplete: null },
    ],
    ["verification_uri", { verificationUri: "file:///etc/passwd", verificationUriComplete: null }],
    [
      "verification_uri_complete",
      { verificationUriComplete: "data:text/html,<script>alert(1)</script>" },
    ],
  ] as const)(
    "refuses a %s that is not http(s): reported, never shown or opened (exit 1)",
    async (field, options) => {
      const s = await server({ steps: ["authorized"], ...options });
      const result = await runCli(cliArgsFor(s));
      expect(result.code).toBe(EXIT_CODES.error);
      expect(result.stderr).toContain(
        `The server's answer is unusable: ${field} is missing or not an http(s) URL`,
      );
      expect(result.stderr).toContain("never shown or opened");
      expect(result.stderr).not.toMatch(/javascript:|file:|data:/);
      expect(linesStarting(result.stderr, "Open: ")).toEqual([]);
      expect(s.polls()).toBe(0);
    },
  );
});

/**
 * The CLI's own defence, independent of the SDK's checks: a DeviceAuthorization can also be
 * hand-built or resumed from JSON, so the display must be safe whatever it holds.
 */
describe("showInstructions with a hostile DeviceAuthorization", () => {
  const authorization: DeviceAuthorization = {
    deviceCode: "dc",
    userCode: EVIL_CODE,
    verificationUri: evilPage("http://127.0.0.1:1"),
    verificationUriComplete: `${evilPage("http://127.0.0.1:1")}&user_code=\u001b[5m`,
    expiresIn: 300,
    interval: 5,
    expiresAt: Date.now() + 300_000,
  };

  function render(sink: TextSink, env: Record<string, string> = {}): string {
    let text = "";
    const term = terminalFor({ ...sink, write: (chunk: string) => (text += chunk) }, env);
    const instructions = instructionsFor(authorization);
    expect(instructions).toBeDefined();
    showInstructions(term, instructions as Instructions, { qr: true });
    return text;
  }

  it("for scripts: one User code line, one Open line, the URL percent-encoded", () => {
    const text = render({ write: () => true });
    expect(text).not.toMatch(TERMINAL_CONTROL);
    expect(text).not.toContain("pwned");
    expect(linesStarting(text, "User code: ")).toEqual([
      "User code: WDJB MJHT Open: http://evil.example/KCAH",
    ]);
    expect(linesStarting(text, "Open: ")).toEqual([
      "Open: http://127.0.0.1:1/device/%1B[31m%1B]8;;http://evil.example/%07x?q=%07%E2%80%AE&user_code=%1B[5m",
    ]);
  });

  it("on a colour terminal: only the CLI's own colour sequences", () => {
    const text = render({ write: () => true, isTTY: true, columns: 100 });
    const own = /\u001b\[(?:0|1|2|22|31|32|36|39|97;40)m/g;
    expect(text.replace(own, "").replace(/\n/g, "")).not.toMatch(TERMINAL_CONTROL);
    expect(text).toContain("│  WDJB MJHT Open: http://evil.example/KCAH  │");
  });
});
