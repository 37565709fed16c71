/**
 * Issue 12, the CLI's side: a token is never lost after the user approved (--output checked
 * before the flow, and a rescue when it still fails), the summary cannot crash on a huge expiry,
 * and escape sequences from the server leave no printable remnant. Each test failed on 583ea41.
 */
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { tokenSummary } from "../../src/cli/token-output.ts";
import {
  cliArgsFor,
  startDeviceServer,
  type DeviceServer,
  type ScriptOptions,
} from "../support/device-server.ts";
import { cleanEnv, MAIN, ROOT, runCli, startCli, type CliResult } from "../support/run-cli.ts";

const servers: { close(): Promise<void> }[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function server(options: ScriptOptions = {}): Promise<DeviceServer> {
  const started = await startDeviceServer(options);
  servers.push(started);
  return started;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "device-login-hardening-"));
  dirs.push(dir);
  return dir;
}

function expectNoSecretsOnStderr(result: CliResult, s: DeviceServer) {
  for (const secret of [s.deviceCode, s.accessToken, s.refreshToken])
    expect(result.stderr).not.toContain(secret);
}

/** The CLI run from another working directory (run-cli.ts always uses the repository's). */
function runCliIn(cwd: string, args: string[]): Promise<CliResult> {
  const child = spawn(
    process.execPath,
    ["--import", join(ROOT, "node_modules/tsx/dist/loader.mjs"), join(ROOT, MAIN), ...args],
    { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const limit = setTimeout(() => child.kill("SIGKILL"), 45_000);
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

describe.concurrent("--output is checked before the flow starts (exit 2)", () => {
  it.each([
    [
      "a missing folder",
      (dir: string) => join(dir, "missing", "token.json"),
      /its folder .*missing does not exist \(ENOENT\)/,
    ],
    ["a directory", (dir: string) => dir, /: it is a directory/],
    [
      "a folder that is a file",
      (dir: string) => {
        writeFileSync(join(dir, "plain-file"), "x");
        return join(dir, "plain-file", "token.json");
      },
      /plain-file (is not a folder|does not exist \(ENOTDIR\))/,
    ],
  ])("%s", async (_name, target, message) => {
    const s = await server({ steps: ["authorized"] });
    const dir = tempDir();
    const result = await runCli([...cliArgsFor(s), "--output", target(dir), "--json"]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(/^device-login: cannot write --output file /m);
    expect(result.stderr).toMatch(message);
    // No device code was asked for: nobody is asked to approve a sign-in that cannot be kept.
    expect(s.requests).toHaveLength(0);
    expect(result.stdout).toBe("");
  });
});

describe.concurrent("--output that fails after approval never drops the token (exit 1)", () => {
  /** Starts the CLI; once it waits for approval, `sabotage` runs; the token comes at poll 2. */
  async function approvedThenBroken(
    args: (s: DeviceServer, dir: string) => string[],
    sabotage: (dir: string) => void,
  ) {
    const s = await server({ steps: ["pending", "authorized"] });
    const dir = tempDir();
    const cli = startCli([...cliArgsFor(s), ...args(s, dir)]);
    await cli.waitForStderr("Waiting for approval");
    sabotage(dir);
    return { s, dir, result: await cli.done };
  }

  it("with --json: the token is printed on stdout, and stderr says --output does not hold it", async () => {
    const { s, result } = await approvedThenBroken(
      (_s, dir) => {
        // The folder exists at the check, and is removed while the CLI waits for approval.
        mkdirSync(join(dir, "sub"));
        return ["--json", "--output", join(dir, "sub", "token.json")];
      },
      (dir) => rmSync(join(dir, "sub"), { recursive: true }),
    );
    expect(result.code).toBe(EXIT_CODES.error);
    expect(JSON.parse(result.stdout)).toMatchObject({
      accessToken: s.accessToken,
      refreshToken: s.refreshToken,
    });
    expect(result.stderr).toMatch(
      /^Signed in: Bearer token, .*, but cannot write --output file .*token\.json \(ENOENT\): the token is on stdout only\.$/m,
    );
    expectNoSecretsOnStderr(result, s);
  });

  it("without --json: the token goes to a 0600 file beside the target, named on stderr", async () => {
    const { s, dir, result } = await approvedThenBroken(
      (_s, dir) => ["--output", join(dir, "token.json")],
      // The target turns into a directory: the rename over it fails, the folder still works.
      (dir) => mkdirSync(join(dir, "token.json")),
    );
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stdout).toBe("");
    const match = /the token was saved to (\S+) \(mode 0600\) instead\.$/m.exec(result.stderr);
    expect(match, result.stderr).not.toBeNull();
    const saved = match?.[1] as string;
    expect(saved.startsWith(join(dir, "token.json.device-login-"))).toBe(true);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(saved, "utf8"))).toMatchObject({ accessToken: s.accessToken });
    // Only the fallback file and the directory that took the target's place: no temporary left.
    expect(readdirSync(dir).sort()).toEqual(["token.json", saved.slice(dir.length + 1)].sort());
    expectNoSecretsOnStderr(result, s);
  });

  it("without --json, when the target's folder is gone: the fallback file is in the current folder", async () => {
    const s = await server({ steps: ["pending", "authorized"] });
    const cwd = tempDir();
    const target = join(tempDir(), "token.json");
    const running = runCliIn(cwd, [...cliArgsFor(s), "--output", target]);
    // The folder exists at the check (before any request); it is removed once the flow started.
    const until = Date.now() + 20_000;
    while (s.requests.length === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    rmSync(join(target, ".."), { recursive: true });
    const result = await running;
    expect(result.code).toBe(EXIT_CODES.error);
    const match = /the token was saved to (\S+) \(mode 0600\) instead\.$/m.exec(result.stderr);
    expect(match, result.stderr).not.toBeNull();
    const saved = match?.[1] as string;
    expect(saved.startsWith(join(cwd, "token.json.device-login-"))).toBe(true);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(saved, "utf8"))).toMatchObject({ accessToken: s.accessToken });
  });
});

/** An RFC 8628 server whose token answer is `token`, so the CLI's summary sees it. */
async function tokenServer(token: Record<string, unknown>): Promise<string> {
  let origin = "";
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on("end", () => {
      const body =
        request.url === "/device"
          ? {
              device_code: "dc",
              user_code: "WDJB-MJHT",
              verification_uri: `${origin}/activate`,
              expires_in: 300,
              interval: 1,
            }
          : token;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
  return origin;
}

describe.concurrent("the summary cannot crash after the token was delivered", () => {
  it.each([1e13, 1e300, 8.64e12])(
    "expires_in %s: exit 0, token on stdout, a summary",
    async (expiresIn) => {
      const origin = await tokenServer({
        access_token: "at-huge",
        token_type: "Bearer",
        expires_in: expiresIn,
      });
      const result = await runCli([
        "rfc8628",
        "--device-endpoint",
        `${origin}/device`,
        "--token-endpoint",
        `${origin}/token`,
        "--client-id",
        "c",
        "--json",
      ]);
      expect(result.stderr).not.toContain("internal error");
      expect(result.code).toBe(EXIT_CODES.authorized);
      expect(JSON.parse(result.stdout)).toMatchObject({ accessToken: "at-huge" });
      expect(result.stderr).toMatch(/^Signed in: Bearer token/m);
    },
  );

  it("tokenSummary never throws, whatever the expiry fields hold", () => {
    for (const [expiresAt, expiresIn] of [
      [1e20, 1e17],
      [8.64e15 + 1, 1e13],
      [Number.NaN, Number.NaN],
      [Infinity, Infinity],
      [-1e20, -1],
      ["soon" as unknown as number, undefined],
    ] as const) {
      const summary = tokenSummary({ tokenType: "Bearer", expiresAt, expiresIn });
      expect(summary).toMatch(/^Signed in: Bearer token/);
      expect(summary).not.toContain("expires");
    }
    expect(
      tokenSummary({ tokenType: "Bearer", expiresAt: Date.UTC(2030, 0, 1), expiresIn: 60 }),
    ).toBe("Signed in: Bearer token, expires 2030-01-01T00:00:00.000Z (in 60 s)");
  });
});

describe.concurrent("escape sequences from the server leave no remnant in the CLI's output", () => {
  it.each([
    ["OSC title (BEL)", "\u001b]0;pwned\u0007", ["]0;pwned", "pwned"]],
    ["OSC title (ST)", "\u001b]0;pwned\u001b\\", ["]0;pwned", "pwned"]],
    ["clear screen", "\u001b[2J", ["[2J"]],
    ["8-bit CSI", "\u009b2J", ["2J"]],
  ])("%s in error_description", async (_name, sequence, remnants) => {
    const s = await server({ steps: ["pending", "denied"], description: `no ${sequence}thanks` });
    const result = await runCli([...cliArgsFor(s), "--json"]);
    expect(result.code).toBe(EXIT_CODES.denied);
    expect(result.stderr).toMatch(/^Access denied: no ?thanks\.$/m);
    for (const remnant of remnants) expect(result.stderr).not.toContain(remnant);
  });
});
