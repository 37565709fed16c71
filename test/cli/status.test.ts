/**
 * `device-login status [--json]`: every saved profile with its provider, store, expiry, scope and
 * whether a refresh token is held, and never a secret (tokens, device codes, client secrets).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { fileStore } from "../../src/node/file-store.ts";
import {
  cleanUp,
  cli,
  refreshServer,
  rfcArgs,
  signIn,
  tempHome,
  tokensFile,
} from "../support/cli-profiles.ts";
import { cliArgsFor, startDeviceServer, type DeviceServer } from "../support/device-server.ts";
import type { CliResult } from "../support/run-cli.ts";

const servers: DeviceServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await cleanUp();
});

async function deviceServer(dialect: "rfc8628" | "trakt"): Promise<DeviceServer> {
  const server = await startDeviceServer({ dialect, steps: ["authorized"] });
  servers.push(server);
  return server;
}

function expectNoSecret(result: CliResult, secrets: string[]) {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

interface Status {
  profile: string;
  provider: string;
  store: string;
  location: string;
  options: Record<string, string>;
  signedIn: boolean;
  tokenType?: string;
  expiresAt?: string;
  expired?: boolean;
  scope?: string;
  refreshToken: boolean;
}

describe.concurrent("device-login status", () => {
  it("with nothing saved: says so, and --json is an empty list", async () => {
    const home = tempHome();
    const text = await cli(home, ["status"]);
    expect(text.code).toBe(EXIT_CODES.authorized);
    expect(text.stdout).toMatch(/^No saved profiles/);
    const json = await cli(home, ["status", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ profiles: [] });
  });

  it("lists every profile, its provider, expiry, scope and refresh token, and no secret", async () => {
    const home = tempHome();
    const rfc = await deviceServer("rfc8628");
    const trakt = await deviceServer("trakt");
    await cli(home, [...cliArgsFor(rfc), "--no-open", "--no-qr", "--profile", "office"]);
    // The Trakt secret is given as a flag here: it must still be written nowhere.
    await cli(home, [...cliArgsFor(trakt, "trakt"), "--no-open", "--no-qr"]);
    const secrets = [rfc, trakt].flatMap((s) => [s.accessToken, s.refreshToken, s.deviceCode]);
    expect(tokensFile(home).text).not.toContain("trakt-secret");

    const json = await cli(home, ["status", "--json"]);
    expect(json.code).toBe(EXIT_CODES.authorized);
    expectNoSecret(json, [...secrets, "trakt-secret"]);
    const { profiles } = JSON.parse(json.stdout) as { profiles: Status[] };
    expect(profiles.map((p) => [p.profile, p.provider, p.store])).toEqual([
      ["office", "rfc8628", "file"],
      ["trakt", "trakt", "file"],
    ]);
    for (const profile of profiles) {
      expect(profile).toMatchObject({
        location: tokensFile(home).path,
        signedIn: true,
        tokenType: "Bearer",
        expired: false,
        scope: "openid profile",
        refreshToken: true,
      });
      // About an hour from now (the servers' expires_in is 3600 s).
      expect(Date.parse(profile.expiresAt ?? "") - Date.now()).toBeGreaterThan(3_000_000);
    }
    expect(profiles[0]?.options).toMatchObject({ clientId: "client" });

    const text = await cli(home, ["status"]);
    expect(text.code).toBe(EXIT_CODES.authorized);
    expectNoSecret(text, [...secrets, "trakt-secret"]);
    expect(text.stdout).toMatch(
      /^office: rfc8628, in .*tokens\.json; Bearer token, expires \S+Z \(in \d+ s\), refresh token held, scope: openid profile$/m,
    );
    expect(text.stdout).toMatch(
      /^trakt: trakt, in .*tokens\.json; Bearer token, .*refresh token held/m,
    );
  });

  it("shows the account only for a token set whose ID token claims were verified", async () => {
    const home = tempHome();
    const server = await refreshServer(3600);
    await signIn(home, rfcArgs(server, "--profile", "verified"));
    await signIn(home, rfcArgs(server, "--profile", "unverified"));
    // What a verified sign-in stores (issue 14: `claims` exists only after verification), and an
    // ID token that came without verified claims.
    const store = fileStore(tokensFile(home).path);
    for (const [key, extra] of [
      ["verified", { idToken: "x.y.z", claims: { sub: "user-7", iss: "https://as", aud: "client", exp: 1, iat: 1, email: "ann@example.org" } }],
      ["unverified", { idToken: "x.y.z", idTokenError: { code: "bad_signature", message: "no" } }],
    ] as const) {
      const entry = (await store.get(key))!;
      const record = JSON.parse(entry.value) as { token: Record<string, unknown> };
      record.token = { ...record.token, ...extra };
      expect(await store.set(key, JSON.stringify(record), entry.version)).toBeDefined();
    }
    const { profiles } = JSON.parse((await cli(home, ["status", "--json"])).stdout) as { profiles: (Status & { account?: string })[] };
    expect(profiles.find((p) => p.profile === "verified")?.account).toBe("ann@example.org (user-7)");
    expect(profiles.find((p) => p.profile === "unverified")).not.toHaveProperty("account");
    const text = await cli(home, ["status"]);
    expect(text.stdout).toMatch(/^verified: .*account: ann@example\.org \(user-7\)$/m);
  });

  it("--profile shows one; an unknown one is exit 1", async () => {
    const home = tempHome();
    const server = await refreshServer(3600);
    await signIn(home, rfcArgs(server, "--profile", "a"));
    await signIn(home, rfcArgs(server, "--profile", "b"));
    const one = await cli(home, ["status", "--json", "--profile", "b"]);
    expect(
      (JSON.parse(one.stdout) as { profiles: Status[] }).profiles.map((p) => p.profile),
    ).toEqual(["b"]);
    const unknown = await cli(home, ["status", "--profile", "c"]);
    expect(unknown.code).toBe(EXIT_CODES.error);
    expect(unknown.stderr).toContain("No profile c (saved: a, b)");
  });

  it("shows an expired token as expired, and a profile whose token is gone as not signed in", async () => {
    const home = tempHome();
    const server = await refreshServer(1);
    const { token } = await signIn(home, rfcArgs(server));
    await signIn(home, rfcArgs(server, "--profile", "gone"));
    await fileStore(tokensFile(home).path).delete("gone");
    await sleep(1_100); // past the 1 s lifetime
    const json = await cli(home, ["status", "--json"]);
    const { profiles } = JSON.parse(json.stdout) as { profiles: Status[] };
    expect(profiles.find((p) => p.profile === "rfc8628")).toMatchObject({
      expired: true,
      refreshToken: true,
    });
    expect(profiles.find((p) => p.profile === "gone")).toMatchObject({
      signedIn: false,
      refreshToken: false,
    });
    const text = await cli(home, ["status"]);
    expect(text.stdout).toMatch(/^rfc8628: .*; Bearer token, expired \S+Z, refresh token held$/m);
    expect(text.stdout).toMatch(/^gone: rfc8628, .*; not signed in \(no token saved\)$/m);
    expectNoSecret(text, [token.accessToken, token.refreshToken ?? ""]);
    // status reads only: nothing was refreshed.
    expect(server.refreshRequests()).toBe(0);
  });
});
