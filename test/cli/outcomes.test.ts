/**
 * device-login against a scripted RFC 8628 server: every way a flow can end, and where the
 * token (and only the token) goes.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SECRET_ENV } from "../../src/cli/args.ts";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { qrRows } from "../../src/cli/instructions.ts";
import {
  cliArgsFor,
  startDeviceServer,
  type DeviceServer,
  type ScriptOptions,
} from "../support/device-server.ts";
import { cleanEnv, runCli, startCli, type CliResult } from "../support/run-cli.ts";

const servers: DeviceServer[] = [];
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
  const dir = mkdtempSync(join(tmpdir(), "device-login-out-"));
  dirs.push(dir);
  return dir;
}

/** No secret of the flow may reach stderr. */
function expectNoSecrets(result: CliResult, s: DeviceServer, ...more: string[]) {
  for (const secret of [s.deviceCode, s.accessToken, s.refreshToken, ...more]) {
    expect(result.stderr).not.toContain(secret);
  }
}

describe.concurrent("device-login rfc8628", () => {
  it("--json: stdout is exactly the TokenSet as JSON; messages go to stderr", async () => {
    const s = await server({ steps: ["pending", "authorized"] });
    const result = await runCli([...cliArgsFor(s), "--json"]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    const token = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(token).toEqual({
      accessToken: s.accessToken,
      tokenType: "Bearer",
      expiresIn: 3600,
      expiresAt: expect.any(Number),
      refreshToken: s.refreshToken,
      scope: "openid profile",
      raw: {
        access_token: s.accessToken,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: s.refreshToken,
        scope: "openid profile",
      },
    });
    expect(s.polls()).toBe(2);
    // The lines the demo's approver reads, each on a line of its own.
    expect(result.stderr).toMatch(/^User code: WDJB-MJHT$/m);
    expect(result.stderr).toMatch(
      new RegExp(`^Open: ${s.origin}/device\\?user_code=WDJB-MJHT$`, "m"),
    );
    expect(result.stderr).toMatch(/^Signed in: Bearer token, expires .* with a refresh token\.$/m);
    expectNoSecrets(result, s);
  });

  it("without --json or --output, prints no token at all and says where it saved it", async () => {
    const s = await server({ steps: ["authorized"] });
    const result = await runCli(cliArgsFor(s));
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/Saved as profile \S+ in \S+tokens\.json \(mode 0600\)/);
    expectNoSecrets(result, s);
  });

  it("--output writes the TokenSet to a new file with mode 0600, replacing an existing one", async () => {
    const s = await server({ steps: ["authorized"] });
    const dir = tempDir();
    const file = join(dir, "token.json");
    writeFileSync(file, "old", { mode: 0o644 });
    const result = await runCli([...cliArgsFor(s), "--output", file]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    expect(saved).toMatchObject({
      accessToken: s.accessToken,
      refreshToken: s.refreshToken,
      tokenType: "Bearer",
    });
    expect(readdirSync(dir)).toEqual(["token.json"]); // no temporary file left behind
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`saved to ${file} (mode 0600)`);
    expectNoSecrets(result, s);
  });

  it("--output and --json together: the same JSON in both places", async () => {
    const s = await server({ steps: ["authorized"] });
    const file = join(tempDir(), "token.json");
    const result = await runCli([...cliArgsFor(s), "--output", file, "--json"]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(readFileSync(file, "utf8")).toBe(result.stdout);
  });

  it("an --output file that cannot be written is refused before anyone is asked to approve (exit 2)", async () => {
    const s = await server({ steps: ["authorized"] });
    const result = await runCli([
      ...cliArgsFor(s),
      "--output",
      join(tempDir(), "missing-dir", "token.json"),
      "--json",
    ]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(
      /^device-login: cannot write --output file .*token\.json: its folder .*missing-dir does not exist \(ENOENT\)$/m,
    );
    expect(s.requests).toHaveLength(0); // no device code, so no approval is wasted
    expect(result.stdout).toBe("");
  });

  it("an --output file that fails after sign-in never loses the token: --json still prints it (exit 1)", async () => {
    const s = await server({ steps: ["pending", "authorized"] });
    const dir = tempDir();
    const file = join(dir, "token.json");
    const cli = startCli([...cliArgsFor(s), "--output", file, "--json"]);
    await cli.waitForStderr("Waiting for approval");
    mkdirSync(file); // the target becomes a directory while the user approves
    const result = await cli.done;
    expect(result.code).toBe(EXIT_CODES.error);
    expect(JSON.parse(result.stdout)).toMatchObject({ accessToken: s.accessToken });
    expect(result.stderr).toMatch(
      /but cannot write --output file .*token\.json \(EISDIR\): the token is on stdout only\.$/m,
    );
    expectNoSecrets(result, s);
  });

  it.each([
    ["denied", EXIT_CODES.denied, /^Access denied: the user said no\.$/m],
    [
      "expired",
      EXIT_CODES.expired,
      /^The code expired before it was approved: the user said no\. Run device-login again/m,
    ],
    [
      "invalid",
      EXIT_CODES.invalidCode,
      /^The server does not recognise the device code: the user said no\.$/m,
    ],
    [
      "error",
      EXIT_CODES.error,
      /^The server stopped the sign-in: invalid_client \(HTTP 401\): the user said no$/m,
    ],
  ] as const)("answer %s exits %i", async (step, code, message) => {
    const s = await server({ steps: ["pending", step], description: "the user said no" });
    const result = await runCli([...cliArgsFor(s), "--json"]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
    expect(s.polls()).toBe(2); // stopped polling at once (RFC 8628 §3.5)
    expectNoSecrets(result, s);
  });

  it("says when the server slows polling down (RFC 8628 §3.5: +5 s) and when it retries after a failure", async () => {
    const s = await server({ steps: ["unavailable", "slow_down", "authorized"] });
    const result = await runCli(cliArgsFor(s));
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.stderr).toMatch(/^Temporary problem \(server_error, HTTP 503\), retrying\.$/m);
    expect(result.stderr).toMatch(/^Server asked to slow down: polling every 6 s\.$/m);
    expect(s.polls()).toBe(3);
  });

  it("a code that expires while pending exits 4 without polling past its lifetime", async () => {
    const s = await server({ steps: ["pending"], expiresIn: 2 });
    const result = await runCli([...cliArgsFor(s), "--json"]);
    expect(result.code).toBe(EXIT_CODES.expired);
    expect(result.stderr).toContain(
      "The code expired before it was approved. Run device-login again",
    );
    expect(s.polls()).toBeLessThanOrEqual(2);
  });

  it("--timeout gives up early with exit 4 and says it timed out", async () => {
    const s = await server({ steps: ["pending"], expiresIn: 600 });
    const result = await runCli([...cliArgsFor(s), "--timeout", "1.5"]);
    expect(result.code).toBe(EXIT_CODES.expired);
    expect(result.stderr).toContain("Timed out after 1.5 s without approval.");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(s.polls()).toBeLessThanOrEqual(2);
  });

  it("Ctrl-C (SIGINT) stops cleanly: exit 130, no stack trace, no token", async () => {
    const s = await server({ steps: ["pending"], expiresIn: 600 });
    const cli = startCli([...cliArgsFor(s), "--json"]);
    await cli.waitForStderr("Waiting for approval");
    cli.child.kill("SIGINT");
    const result = await cli.done;
    expect(result.code).toBe(EXIT_CODES.interrupted);
    expect(result.stderr).toMatch(/^Interrupted\.$/m);
    expect(result.stderr).not.toMatch(/^\s+at |Error|node:internal/m);
    expect(result.stdout).toBe("");
  });

  it("the secret from DEVICE_LOGIN_CLIENT_SECRET authenticates the client and is never printed", async () => {
    const secret = "s3cr3t-from-env-0b7e";
    const s = await server({ steps: ["pending", "authorized"], clientSecret: secret });
    const result = await runCli([...cliArgsFor(s), "--json"], {
      env: cleanEnv({ [SECRET_ENV]: secret }),
    });
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(s.requests.every((request) => request.headers.authorization !== undefined)).toBe(true);
    expectNoSecrets(result, s, secret);
  });

  it("a secret given as a flag is not printed either, even when the server rejects it", async () => {
    const s = await server({ clientSecret: "the-right-one" });
    const wrong = "w7ong-s3cret-flag-9f1c";
    const result = await runCli([...cliArgsFor(s), "--client-secret", wrong]);
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stderr).toContain("invalid_client");
    expectNoSecrets(result, s, wrong, Buffer.from(`client:${wrong}`).toString("base64"));
  });

  it("--issuer finds the endpoints by discovery (RFC 8414)", async () => {
    const s = await server({ steps: ["authorized"] });
    const result = await runCli([
      "rfc8628",
      "--issuer",
      s.origin,
      "--client-id",
      "client",
      "--json",
      "--scope",
      "openid",
    ]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(s.requests[0]?.path).toBe("/.well-known/oauth-authorization-server");
    expect(new URLSearchParams(s.requests[1]?.body).get("scope")).toBe("openid");
  });

  it("shows a QR code of the page with the code filled in; --no-qr hides it", async () => {
    const s = await server({ steps: ["authorized"] });
    const shown = await runCli(cliArgsFor(s));
    for (const row of qrRows(`${s.origin}/device?user_code=WDJB-MJHT`, false))
      expect(shown.stderr).toContain(row);
    const hidden = await runCli([...cliArgsFor(s), "--no-qr"]);
    expect(hidden.code).toBe(EXIT_CODES.authorized);
    expect(hidden.stderr).not.toContain("▀");
    expect(hidden.stderr).not.toContain("█");
  });

  it("without verification_uri_complete, opens (and shows in the QR) the plain page", async () => {
    const s = await server({ steps: ["authorized"], verificationUriComplete: null });
    const result = await runCli(cliArgsFor(s));
    expect(result.stderr).toMatch(new RegExp(`^Open: ${s.origin}/device$`, "m"));
    for (const row of qrRows(`${s.origin}/device`, false)) expect(result.stderr).toContain(row);
  });

  it("a server that cannot be reached is an error (exit 1) naming the cause", async () => {
    const s = await server();
    await s.close();
    const result = await runCli(cliArgsFor(s));
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stderr).toMatch(/Cannot reach the server: .*ECONNREFUSED/);
  });
});
