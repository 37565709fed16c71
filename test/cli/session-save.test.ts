/**
 * `device-login <provider>` saves the token set by default (issue 13): under a profile in
 * tokens.json (mode 0600, its folder 0700) in DEVICE_LOGIN_HOME, with the summary naming where;
 * `--no-save` writes nothing; the profile records how to rebuild the provider, never a secret;
 * and a store that cannot keep the token is refused before a code is shown.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SECRET_ENV } from "../../src/cli/args.ts";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import {
  cleanUp,
  cli,
  refreshServer,
  rfcArgs,
  signIn,
  tempHome,
  tokensFile,
} from "../support/cli-profiles.ts";

afterAll(cleanUp);

describe.concurrent("device-login <provider> saves the sign-in", () => {
  it("by default: tokens.json (0600, folder 0700) holds the token, and the summary says where", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const { result, token } = await signIn(
      home,
      rfcArgs(server, "--scope", "openid offline_access"),
    );

    const file = tokensFile(home);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(file.text).toContain(token.accessToken);
    expect(file.text).toContain(token.refreshToken);
    expect(result.stderr).toMatch(
      new RegExp(
        `^Saved as profile rfc8628 in ${file.path.replace(/[.]/g, "\\.")} \\(mode 0600\\); 'device-login token --profile rfc8628' prints a valid access token\\.$`,
        "m",
      ),
    );
    // The token itself is on stdout (--json) only, never on stderr.
    expect(result.stderr).not.toContain(token.accessToken);
    // The profile records the subcommand and its options, so `token` can refresh later.
    const saved = JSON.parse(file.text) as unknown;
    expect(JSON.stringify(saved)).toContain("cli-client");
    expect(JSON.stringify(saved)).toContain("openid offline_access");
  });

  it("without --json or --output, the token is saved and stdout stays empty", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const result = await cli(home, rfcArgs(server, "--profile", "work"));
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Saved as profile work in ");
    expect(result.stderr).not.toContain("Use --json or --output FILE");
    // The saved profile serves the token: the same one the server issued, still valid.
    const token = await cli(home, ["token", "--profile", "work"]);
    expect(token.code).toBe(EXIT_CODES.authorized);
    expect(server.accessTokenValid(token.stdout.trim())).toBe(true);
    expect(tokensFile(home).text).toContain(token.stdout.trim());
    expect(server.refreshRequests()).toBe(0);
  });

  it("--no-save writes nothing at all, and says how to get the token", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const result = await cli(home, rfcArgs(server, "--no-save"));
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(existsSync(home)).toBe(false);
    expect(result.stderr).toContain("Use --json or --output FILE to get the token.");
    expect(result.stderr).not.toContain("Saved as profile");
  });

  it("--no-save with --profile or --store is a usage error, before any request", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const result = await cli(home, rfcArgs(server, "--no-save", "--profile", "x"));
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("--no-save saves nothing");
    expect(existsSync(home)).toBe(false);
  });

  it("refuses a profile name that is not a plain name", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    for (const name of ["../x", "a:b", "-x", "a b"]) {
      const result = await cli(home, rfcArgs(server, `--profile=${name}`));
      expect(result.code, name).toBe(EXIT_CODES.usage);
    }
    expect(existsSync(home)).toBe(false);
  });

  it("signing in again under the same profile replaces its token set", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    const first = await signIn(home, rfcArgs(server));
    const second = await signIn(home, rfcArgs(server));
    const text = tokensFile(home).text;
    expect(text).not.toContain(first.token.accessToken);
    expect(text).toContain(second.token.accessToken);
    const token = await cli(home, ["token"]);
    expect(token.stdout).toBe(`${second.token.accessToken}\n`);
  });

  it("never writes the client secret; token then needs it again from the environment", async () => {
    const server = await refreshServer(30); // inside the 60 s refresh skew: `token` must refresh
    const home = tempHome();
    const secret = `secret-${Math.random().toString(36).slice(2)}`;
    const args = rfcArgs(server, "--client-auth", "client_secret_post");
    const { result } = await signIn(home, args, { [SECRET_ENV]: secret });
    expect(result.stderr).not.toContain(secret);
    expect(tokensFile(home).text).not.toContain(secret);

    const without = await cli(home, ["token"]);
    expect(without.code).toBe(EXIT_CODES.usage);
    expect(without.stderr).toContain(`set ${SECRET_ENV}`);
    expect(without.stdout).toBe("");
    expect(server.refreshRequests()).toBe(0);

    const withSecret = await cli(home, ["token"], { [SECRET_ENV]: secret });
    expect(withSecret.code).toBe(EXIT_CODES.authorized);
    expect(server.accessTokenValid(withSecret.stdout.trim())).toBe(true);
    expect(server.refreshRequests()).toBe(1);
  });

  it("--store keychain without a usable OS keychain fails closed before any code is shown", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    // cleanEnv() has no D-Bus session address: the Secret Service cannot be reached.
    const result = await cli(home, rfcArgs(server, "--store", "keychain"));
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(
      /cannot save to the OS keychain \(service device-login\): .*use --store file or --no-save/,
    );
    expect(result.stderr).not.toContain("User code");
    // No token was written anywhere instead.
    const leftovers = existsSync(home) ? readdirSync(home) : [];
    expect(leftovers.filter((name) => name.endsWith(".json"))).toEqual([]);
  });

  it("a DEVICE_LOGIN_HOME that cannot be created is refused before any code is shown", async () => {
    const server = await refreshServer(3600);
    const home = tempHome();
    mkdirSync(home);
    const file = join(home, "a-file");
    writeFileSync(file, "");
    const result = await cli(join(file, "device-login"), rfcArgs(server));
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain(`cannot create the folder ${file}/device-login (ENOTDIR)`);
    expect(result.stderr).not.toContain("User code");
  });

  it("a token issued but not saved (the store broke during the flow) is never lost", async () => {
    const home = tempHome();
    const accessToken = `at-${Math.random().toString(36).slice(2)}`;
    // An RFC 8628 server that, while the user approves, finds tokens.json overwritten with junk.
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(200, { "Content-Type": "application/json" });
        if (request.url === "/device") {
          writeFileSync(join(home, "tokens.json"), "{ not json");
          response.end(
            JSON.stringify({
              device_code: "dc",
              user_code: "WDJB-MJHT",
              verification_uri: "http://127.0.0.1/device",
              expires_in: 60,
              interval: 1,
            }),
          );
        } else {
          response.end(
            JSON.stringify({ access_token: accessToken, token_type: "Bearer", expires_in: 3600 }),
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await cli(home, [
        "rfc8628",
        "--device-endpoint",
        `${origin}/device`,
        "--token-endpoint",
        `${origin}/token`,
        "--client-id",
        "c",
        "--no-open",
        "--no-qr",
      ]);
      expect(result.code).toBe(EXIT_CODES.error);
      const match =
        /^Signed in: Bearer token, .*, but it could not be saved as profile rfc8628 \(.*\): the token is in (\S+) \(mode 0600\)\.$/m.exec(
          result.stderr,
        );
      expect(match, result.stderr).not.toBeNull();
      const rescued = match?.[1] ?? "";
      expect(statSync(rescued).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(rescued, "utf8"))).toMatchObject({ accessToken });
      // The junk was not overwritten (fileStore never replaces a file it cannot read).
      expect(readFileSync(join(home, "tokens.json"), "utf8")).toBe("{ not json");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
