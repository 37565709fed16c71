/**
 * device-login with each provider's options, against a scripted server of that dialect: the
 * options reach the wire, and each provider's answers end with the right exit code.
 */
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import {
  cliArgsFor,
  PATHS,
  startDeviceServer,
  type DeviceServer,
  type Dialect,
  type Step,
} from "../support/device-server.ts";
import { cleanEnv, runCli } from "../support/run-cli.ts";

const servers: DeviceServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function run(dialect: Dialect, steps: Step[], extra: string[] = []) {
  const server = await startDeviceServer({ dialect, steps });
  servers.push(server);
  const result = await runCli([...cliArgsFor(server, dialect), "--json", ...extra]);
  return { server, result };
}

describe.concurrent("device-login per provider", () => {
  it("trakt: JSON bodies with the client id and secret, pending as HTTP 400, then the token", async () => {
    const { server, result } = await run("trakt", ["pending", "authorized"]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(JSON.parse(result.stdout)).toMatchObject({
      accessToken: server.accessToken,
      tokenType: "Bearer",
    });
    const poll = server.requests.find((request) => request.path === PATHS.trakt.token);
    expect(JSON.parse(poll?.body ?? "{}")).toEqual({
      code: server.deviceCode,
      client_id: "client",
      client_secret: "trakt-secret",
    });
    expect(result.stderr).not.toContain("trakt-secret");
  });

  it("trakt: 409 (code already used) exits 5", async () => {
    const { result } = await run("trakt", ["pending", "already_used"]);
    expect(result.code).toBe(EXIT_CODES.invalidCode);
    expect(result.stderr).toContain("The device code was already used.");
  });

  it("trakt: 418 (denied) exits 3", async () => {
    const { result } = await run("trakt", ["denied"]);
    expect(result.code).toBe(EXIT_CODES.denied);
  });

  it("trakt: the secret can come from DEVICE_LOGIN_CLIENT_SECRET", async () => {
    const server = await startDeviceServer({ dialect: "trakt", steps: ["authorized"] });
    servers.push(server);
    const args = ["trakt", "--base-url", server.origin, "--client-id", "client", "--json"];
    const result = await runCli(args, {
      env: cleanEnv({ DEVICE_LOGIN_CLIENT_SECRET: "env-secret-71" }),
    });
    expect(result.code).toBe(EXIT_CODES.authorized);
    const poll = server.requests.find((request) => request.path === PATHS.trakt.token);
    expect(JSON.parse(poll?.body ?? "{}")).toMatchObject({ client_secret: "env-secret-71" });
    expect(result.stderr).not.toContain("env-secret-71");
  });

  it("transparenc: device type, OS and scope go in the form; the token comes back", async () => {
    const { server, result } = await run(
      "transparenc",
      ["pending", "authorized"],
      ["--scope", "read"],
    );
    expect(result.code).toBe(EXIT_CODES.authorized);
    const start = new URLSearchParams(server.requests[0]?.body);
    expect(Object.fromEntries(start)).toEqual({
      client_id: "client",
      device_type: "tv",
      device_os: "linux",
      scope: "read",
    });
    expect(JSON.parse(result.stdout)).toMatchObject({ accessToken: server.accessToken });
    expect(result.stderr).toMatch(new RegExp(`^Open: ${server.origin}/device$`, "m"));
  });

  it("transparenc: expired_token exits 4", async () => {
    const { result } = await run("transparenc", ["expired"]);
    expect(result.code).toBe(EXIT_CODES.expired);
  });

  it("fakts: the manifest goes to start/, the user opens configure/ with the code", async () => {
    const { server, result } = await run(
      "fakts",
      ["pending", "authorized"],
      ["--scope", "read write"],
    );
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(JSON.parse(server.requests[0]?.body ?? "{}")).toMatchObject({
      manifest: { identifier: "org.example.cli", version: "1.0.0", scopes: ["read", "write"] },
      requested_client_kind: "development",
    });
    expect(result.stderr).toMatch(
      new RegExp(
        `^Open: ${server.origin}/f/configure/\\?device_code=${server.deviceCode}&grant=device_code$`,
        "m",
      ),
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      accessToken: server.accessToken,
      tokenType: "fakts",
    });
  });

  it("fakts: denied ends the flow with exit 3 (fakts' own client loops forever)", async () => {
    const { result } = await run("fakts", ["pending", "denied"]);
    expect(result.code).toBe(EXIT_CODES.denied);
  });

  it("fakts: an unknown code (status error) exits 5", async () => {
    const { result } = await run("fakts", ["invalid"]);
    expect(result.code).toBe(EXIT_CODES.invalidCode);
  });
});
