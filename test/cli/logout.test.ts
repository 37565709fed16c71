/**
 * `device-login logout`: revokes the profile's tokens at a revocation endpoint (RFC 7009: the
 * refresh token, then the access token, with their type hints), then deletes the token set and
 * the profile, and deletes them even when revocation fails or the provider cannot revoke.
 */
import { afterAll, describe, expect, it } from "vitest";
import { SECRET_ENV } from "../../src/cli/args.ts";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import {
  cleanUp,
  cli,
  refreshServer,
  revocationServer,
  rfcArgs,
  signIn,
  tempHome,
  tokensFile,
} from "../support/cli-profiles.ts";

afterAll(cleanUp);

/** The profile and its tokens are gone: status lists nothing, token says sign in. */
async function expectGone(home: string, tokens: { accessToken: string; refreshToken?: string }) {
  const text = tokensFile(home).text;
  expect(text).not.toContain(tokens.accessToken);
  expect(text).not.toContain(tokens.refreshToken);
  const status = await cli(home, ["status", "--json"]);
  expect(JSON.parse(status.stdout)).toEqual({ profiles: [] });
  expect((await cli(home, ["token"])).code).toBe(EXIT_CODES.signInRequired);
}

describe.concurrent("device-login logout", () => {
  it("revokes the refresh and the access token, then deletes the profile", async () => {
    const server = await refreshServer(3600);
    const revocation = await revocationServer();
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server, "--revocation-endpoint", revocation.url));

    const result = await cli(home, ["logout", "--profile", "rfc8628"]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.stderr).toContain(
      "Revoked profile rfc8628's tokens at rfc8628 and deleted them.",
    );
    expect(revocation.requests).toEqual([
      { token: token.refreshToken, hint: "refresh_token", clientId: "cli-client" },
      { token: token.accessToken, hint: "access_token", clientId: "cli-client" },
    ]);
    expect(result.stderr).not.toContain(token.accessToken);
    await expectGone(home, token);
  });

  it("still deletes when revocation fails, and says so with exit 1", async () => {
    const server = await refreshServer(3600);
    const revocation = await revocationServer(503);
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server, "--revocation-endpoint", revocation.url));

    const result = await cli(home, ["logout"]);
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stderr).toMatch(
      /^Deleted profile rfc8628, but revocation failed \(.*503.*\): the server may accept its tokens until they expire\.$/m,
    );
    expect(revocation.requests.length).toBeGreaterThan(0);
    await expectGone(home, token);
  });

  it("a provider without a revocation endpoint: deleted, and says the tokens were not revoked", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server));
    const result = await cli(home, ["logout"]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.stderr).toContain(
      "Deleted profile rfc8628. rfc8628 has no revocation endpoint, so its tokens were forgotten, not revoked",
    );
    await expectGone(home, token);
  });

  it("keeps the other profiles", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    await signIn(home, rfcArgs(server, "--profile", "a"));
    const b = await signIn(home, rfcArgs(server, "--profile", "b"));
    expect((await cli(home, ["logout", "--profile", "a"])).code).toBe(EXIT_CODES.authorized);
    const status = await cli(home, ["status", "--json"]);
    const { profiles } = JSON.parse(status.stdout) as { profiles: { profile: string }[] };
    expect(profiles.map((p) => p.profile)).toEqual(["b"]);
    expect((await cli(home, ["token"])).stdout).toBe(`${b.token.accessToken}\n`);
  });

  it("a profile signed in with a client secret needs it again to revoke: nothing deleted without", async () => {
    const server = await refreshServer(3600);
    const revocation = await revocationServer();
    const home = tempHome();
    const secret = "logout-secret-1";
    const args = rfcArgs(
      server,
      "--client-auth",
      "client_secret_post",
      "--revocation-endpoint",
      revocation.url,
    );
    const { token } = await signIn(home, args, { [SECRET_ENV]: secret });

    const without = await cli(home, ["logout"]);
    expect(without.code).toBe(EXIT_CODES.usage);
    expect(without.stderr).toContain(`set ${SECRET_ENV}`);
    expect(revocation.requests).toEqual([]);
    expect(tokensFile(home).text).toContain(token.accessToken);

    const withSecret = await cli(home, ["logout"], { [SECRET_ENV]: secret });
    expect(withSecret.code).toBe(EXIT_CODES.authorized);
    expect(revocation.requests.map((r) => r.hint)).toEqual(["refresh_token", "access_token"]);
    await expectGone(home, token);
  });

  it("an unknown profile is exit 1, and nothing changes", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server));
    const result = await cli(home, ["logout", "--profile", "other"]);
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stderr).toContain("No profile other (saved: rfc8628)");
    expect(tokensFile(home).text).toContain(token.accessToken);
  });
});
