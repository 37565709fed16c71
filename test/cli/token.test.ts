/**
 * `device-login token`: a valid access token on stdout and nothing else; a refresh after expiry
 * (one request, the rotated refresh token saved: the server's are single-use); exit code 6
 * "sign in again" when the refresh token is refused, without retrying; and the profile choice.
 */
import { copyFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { PROFILES_KEY, registrationKey } from "../../src/cli/profiles.ts";
import { fileStore } from "../../src/node/file-store.ts";
import { startImitation, type Imitation } from "../support/cli-imitations.ts";
import {
  cleanUp,
  cli,
  refreshServer,
  rfcArgs,
  signIn,
  tempHome,
  tokensFile,
} from "../support/cli-profiles.ts";

const imitations: Imitation[] = [];
afterAll(async () => {
  await Promise.all(imitations.map((imitation) => imitation.close()));
  await cleanUp();
});

describe.concurrent("device-login token", () => {
  it("prints the saved access token while it is fresh, with no request", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server));
    const result = await cli(home, ["token", "--profile", "rfc8628"]);
    expect(result).toMatchObject({
      code: EXIT_CODES.authorized,
      stdout: `${token.accessToken}\n`,
      stderr: "",
    });
    expect(server.refreshRequests()).toBe(0);
  });

  it("refreshes an expired token with one request and saves the rotated refresh token", async () => {
    // 30 s tokens are inside the 60 s refresh skew: every `token` call has to refresh.
    const server = await refreshServer(30);
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server));

    const first = await cli(home, ["token"]);
    expect(first.code).toBe(EXIT_CODES.authorized);
    const refreshed = first.stdout.trim();
    expect(refreshed).not.toBe(token.accessToken);
    expect(server.accessTokenValid(refreshed)).toBe(true);
    expect(server.refreshRequests()).toBe(1);
    const saved = tokensFile(home).text;
    expect(saved).toContain(refreshed);
    expect(saved).not.toContain(token.refreshToken); // spent, replaced by the rotated one

    // Single-use refresh tokens: this works only because the rotated one was saved.
    const second = await cli(home, ["token"]);
    expect(second.code).toBe(EXIT_CODES.authorized);
    expect(second.stdout.trim()).not.toBe(refreshed);
    expect(server.accessTokenValid(second.stdout.trim())).toBe(true);
    expect(server.refreshRequests()).toBe(2);
  });

  it("a refused refresh token is exit 6 'sign in again', once: the dead token is forgotten", async () => {
    const server = await refreshServer(30);
    const home = tempHome();
    await signIn(home, rfcArgs(server, "--scope", "openid offline_access"));
    // A stale copy of the store (a backup, another machine) holds a refresh token already spent.
    const { path } = tokensFile(home);
    copyFileSync(path, `${path}.stale`);
    expect((await cli(home, ["token"])).code).toBe(EXIT_CODES.authorized);
    copyFileSync(`${path}.stale`, path);

    const refused = await cli(home, ["token"]);
    expect(refused.code).toBe(EXIT_CODES.signInRequired);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(
      /^Profile rfc8628: sign in again: the refresh token was refused/m,
    );
    // The way back, with the recorded options (quoted where the shell needs it).
    expect(refused.stderr).toContain(
      `Sign in again: device-login rfc8628 --device-endpoint ${server.deviceEndpoint} --token-endpoint ${server.tokenEndpoint} --client-id cli-client --scope 'openid offline_access' --profile rfc8628`,
    );
    expect(server.refreshRequests()).toBe(2);

    // No loop of failing refreshes: the next call knows without asking the server.
    const again = await cli(home, ["token"]);
    expect(again.code).toBe(EXIT_CODES.signInRequired);
    expect(again.stderr).toContain("sign in again");
    expect(server.refreshRequests()).toBe(2);
  });

  it("with no saved profile: exit 6, saying to sign in", async () => {
    const result = await cli(tempHome(), ["token"]);
    expect(result.code).toBe(EXIT_CODES.signInRequired);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Not signed in: no profile is saved");
  });

  it("an unknown --profile is exit 6 and lists the saved ones", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    await signIn(home, rfcArgs(server, "--profile", "work"));
    const result = await cli(home, ["token", "--profile", "home"]);
    expect(result.code).toBe(EXIT_CODES.signInRequired);
    expect(result.stderr).toContain("No profile home (saved: work)");
  });

  it("with several profiles, --profile picks one; without it, a usage error", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const work = await signIn(home, rfcArgs(server, "--profile", "work"));
    const play = await signIn(home, rfcArgs(server, "--profile", "play"));
    expect((await cli(home, ["token", "--profile", "work"])).stdout).toBe(
      `${work.token.accessToken}\n`,
    );
    expect((await cli(home, ["token", "--profile", "play"])).stdout).toBe(
      `${play.token.accessToken}\n`,
    );
    const neither = await cli(home, ["token"]);
    expect(neither.code).toBe(EXIT_CODES.usage);
    expect(neither.stderr).toContain(
      "several profiles are saved (play, work): give --profile NAME",
    );
  });

  it("a server that cannot be reached is exit 1, the token kept for the next try", async () => {
    const server = await refreshServer(30);
    const home = tempHome();
    const { token } = await signIn(home, rfcArgs(server));
    await server.close();
    const result = await cli(home, ["token"]);
    expect(result.code).toBe(EXIT_CODES.error);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^Profile rfc8628: cannot get a token: .*try again later/m);
    expect(tokensFile(home).text).toContain(token.refreshToken);
  });

  it("takes only its own options", async () => {
    const result = await cli(tempHome(), ["token", "--client-id", "x"]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("--client-id does not apply to token");
  });

  it("aws: refreshes as the client registered at sign-in (AW1), kept beside the tokens, not in the profile", async () => {
    // 30 s tokens, inside the refresh skew: `token` refreshes.
    const imitation = await startImitation("aws", {
      steps: ["authorized"],
      tokenBody: (i) => ({
        accessToken: i.accessToken,
        tokenType: "Bearer",
        expiresIn: 30,
        refreshToken: i.refreshToken,
      }),
    });
    imitations.push(imitation);
    const home = tempHome();
    const login = await cli(home, [
      "aws",
      "--region",
      "eu-west-1",
      "--start-url",
      "https://d-1234567890.awsapps.com/start",
      "--base-url",
      imitation.origin,
      "--no-open",
      "--no-qr",
    ]);
    expect(login.code, login.stderr).toBe(EXIT_CODES.authorized);
    const store = fileStore(tokensFile(home).path);
    expect((await store.get(PROFILES_KEY))?.value).not.toContain("aws-client-secret");
    expect((await store.get(registrationKey("aws")))?.value).toContain("aws-client-secret");

    const result = await cli(home, ["token", "--profile", "aws"]);
    expect(result).toMatchObject({
      code: EXIT_CODES.authorized,
      stdout: `${imitation.accessToken}\n`,
    });
    expect(imitation.to("/client/register")).toHaveLength(1); // not registered again
    const refresh = imitation.to("/token").at(-1);
    expect(refresh?.fields).toMatchObject({
      grantType: "refresh_token",
      refreshToken: imitation.refreshToken,
      clientId: "aws-client-id",
      clientSecret: "aws-client-secret",
    });

    // logout forgets the registration too (AWS has no revocation endpoint).
    expect((await cli(home, ["logout"])).code).toBe(EXIT_CODES.authorized);
    expect(await store.get(registrationKey("aws"))).toBeUndefined();
  });
});
