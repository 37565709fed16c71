/**
 * Who signed in, end to end: the real authorization server of the demo (oidc-provider) issues ID
 * tokens signed with its own fresh keys, and the SDK verifies them against the `jwks_uri` its
 * discovery found: `token.claims.sub` is the test user's, for `rfc8628({ issuer, idTokens })` and
 * for the CLI's "Signed in as …". The server is used directly (no Prism proxy): its JWKS is not an
 * operation of specs/rfc8628.yaml. Polls wait oidc-provider's real interval (it sends none: 5 s).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { approveDevice } from "../../demo/approver.ts";
import {
  startAuthorizationServer,
  type AuthorizationServer,
} from "../../demo/authorization-server.ts";
import { idTokenVerifier, verifyIdToken } from "../../src/identity/index.ts";
import { refreshToken, rfc8628, startDeviceAuthorization, waitForToken } from "../../src/index.ts";
import { cleanEnv, startCli } from "../support/run-cli.ts";

let server: AuthorizationServer;

beforeAll(async () => {
  server = await startAuthorizationServer({ deviceCodeTtl: 120 });
});

afterAll(async () => {
  await server?.close();
});

const user = () => ({ login: server.user.login, password: server.user.password });

it("rfc8628 by discovery with idTokens: token.claims.sub is the user's, on sign-in and on refresh", async () => {
  const provider = rfc8628({
    issuer: server.issuer,
    clientId: server.publicClient.clientId,
    idTokens: idTokenVerifier(),
  });
  const authorization = await startDeviceAuthorization(provider, { scope: "openid profile" });
  const waiting = waitForToken(provider, authorization);
  await approveDevice(authorization.verificationUriComplete as string, user());
  const result = await waiting;
  if (result.status !== "authorized") throw new Error(`expected authorized, got ${result.status}`);
  const { token } = result;

  expect(token.idTokenError).toBeUndefined();
  expect(token.claims).toMatchObject({
    iss: server.issuer,
    sub: "alice",
    aud: server.publicClient.clientId,
  });
  // oidc-provider keeps profile claims for userinfo when an access token is issued (its
  // conformIdTokenClaims default), so the ID token names the user by `sub` only.
  expect(token.claims?.name).toBeUndefined();
  // A stored ID token verifies again with the same provider.
  expect(await verifyIdToken(provider, token.idToken as string)).toMatchObject({
    claims: { sub: "alice" },
  });

  const refreshed = await refreshToken(provider, token.refreshToken as string);
  if (refreshed.status !== "authorized") throw new Error(`refresh: ${refreshed.status}`);
  expect(refreshed.token.claims?.sub).toBe("alice");
});

it("the CLI's rfc8628 --issuer prints Signed in as <sub> from the verified claims", async () => {
  // A HOME of its own: the CLI saves the sign-in as a profile there.
  const home = await mkdtemp(join(tmpdir(), "identity-e2e-"));
  const run = startCli(
    [
      "rfc8628",
      "--issuer",
      server.issuer,
      "--client-id",
      server.publicClient.clientId,
      "--scope",
      "openid profile",
    ],
    {
      env: cleanEnv({
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        DEVICE_LOGIN_HOME: home,
      }),
      limitMs: 60_000,
    },
  );
  const shown = await run.waitForStderr(/^Open: \S+$/m);
  const open = /^Open: (\S+)$/m.exec(shown)?.[1] as string;
  const userCode = /^User code: (\S+)$/m.exec(shown)?.[1];
  await approveDevice(open, { ...user(), ...(userCode !== undefined && { userCode }) });
  const result = await run.done;
  await rm(home, { recursive: true, force: true });

  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/^Signed in as alice$/m);
  expect(result.stderr).not.toMatch(/Warning: the ID token/);
});
