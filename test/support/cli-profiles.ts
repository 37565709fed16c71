/**
 * For the CLI's saved-profile tests (test/cli/session*, token*, status*, logout*): a fresh
 * DEVICE_LOGIN_HOME per test, a sign-in against the loopback refresh server (single-use refresh
 * tokens, test/support/refresh-server.ts), a revocation endpoint (RFC 7009) that records what it
 * is sent, and a look inside tokens.json.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRefreshServer, type RefreshServer } from "./refresh-server.ts";
import { cleanEnv, runCli, type CliResult } from "./run-cli.ts";

const cleanups: (() => Promise<void> | void)[] = [];

/** Closes every server and removes every folder made by this module; call it in afterAll. */
export async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup();
}

/** A new, empty folder for DEVICE_LOGIN_HOME (the folder itself is not created: the CLI does it). */
export function tempHome(): string {
  const parent = mkdtempSync(join(tmpdir(), "device-login-home-"));
  cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
  return join(parent, "config");
}

export async function refreshServer(accessTtlSeconds: number): Promise<RefreshServer> {
  const server = await startRefreshServer({ accessTtlSeconds });
  cleanups.push(() => server.close());
  return server;
}

/** Runs the CLI with DEVICE_LOGIN_HOME set to `home`, plus `env`. */
export function cli(home: string, args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env: cleanEnv({ DEVICE_LOGIN_HOME: home, ...env }) });
}

/** The rfc8628 subcommand against the refresh server, by its two endpoints. */
export function rfcArgs(server: RefreshServer, ...extra: string[]): string[] {
  return [
    "rfc8628",
    "--device-endpoint",
    server.deviceEndpoint,
    "--token-endpoint",
    server.tokenEndpoint,
    "--client-id",
    "cli-client",
    "--no-open",
    "--no-qr",
    ...extra,
  ];
}

/** Signs in with --json too, so the test knows the token set that was issued. */
export async function signIn(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ result: CliResult; token: { accessToken: string; refreshToken?: string } }> {
  const result = await cli(home, [...args, "--json"], env);
  if (result.code !== 0) throw new Error(`sign-in failed (${result.code}): ${result.stderr}`);
  return { result, token: JSON.parse(result.stdout) as { accessToken: string } };
}

/** tokens.json as parsed JSON, and as text (to look for secrets). */
export function tokensFile(home: string): { text: string; path: string } {
  const path = join(home, "tokens.json");
  return { path, text: readFileSync(path, "utf8") };
}

export interface RevokeRequest {
  token: string | null;
  hint: string | null;
  clientId: string | null;
}

export interface RevocationServer {
  url: string;
  requests: RevokeRequest[];
}

/**
 * An RFC 7009 revocation endpoint on 127.0.0.1: 200 with an empty body (§2.2), or `failWith` as
 * the status (e.g. 503, "temporarily unavailable", §2.2.1).
 */
export async function revocationServer(failWith?: number): Promise<RevocationServer> {
  const requests: RevokeRequest[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    requests.push({
      token: form.get("token"),
      hint: form.get("token_type_hint"),
      clientId: form.get("client_id"),
    });
    if (failWith !== undefined) {
      response.writeHead(failWith, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ error: "temporarily_unavailable" }));
      return;
    }
    response.writeHead(200);
    response.end();
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/revoke`, requests };
}
