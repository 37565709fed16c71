/**
 * The whole device flow against a real authorization server (oidc-provider) and a real browser
 * (headless Chromium), with every SDK request and every server answer validated by a Prism proxy
 * of specs/rfc8628.yaml. Polls wait oidc-provider's real interval (it sends none: 5 s).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { approveDevice } from "../../demo/approver.ts";
import {
  OAuthError,
  pollForToken,
  refreshToken,
  rfc8628,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
  type Provider,
} from "../../src/index.ts";
import {
  approveInBrowser,
  launchLoopbackBrowser,
  type LoopbackBrowser,
} from "../support/browser.ts";
import { RFC8628_SPEC, startValidatedServer, type ValidatedServer } from "../support/oidc-e2e.ts";
import {
  startPrismProxy,
  validatingFetch,
  type ValidatingFetch,
} from "../support/oidc-prism-proxy.ts";

let rig: ValidatedServer;
let browser: LoopbackBrowser;
let sdk: ValidatingFetch;
let validated = 0;

beforeAll(async () => {
  rig = await startValidatedServer({ deviceCodeTtl: 120 });
  browser = await launchLoopbackBrowser();
});

afterEach(() => {
  // Every exchange of the test just run passed the spec, both ways.
  expect(sdk.problems()).toEqual([]);
  validated += sdk.exchanges.length;
  // The pages loaded nothing from anywhere but the server.
  expect(browser.blocked).toEqual([]);
});

afterAll(async () => {
  await Promise.allSettled([browser?.close(), rig?.close()]);
  console.info(`e2e: ${validated} SDK requests validated by the Prism proxy, 0 violations`);
});

function publicClient(): Provider {
  sdk = rig.sdkFetch();
  return rfc8628({
    issuer: rig.issuer,
    clientId: rig.server.publicClient.clientId,
    fetch: sdk.fetch,
  });
}

const user = () => ({ login: rig.server.user.login, password: rig.server.user.password });

describe("discovery (RFC 8414 / OpenID Connect Discovery)", () => {
  it("finds the device authorization and token endpoints from the issuer, all on the proxy", async () => {
    const provider = publicClient();
    const authorization = await startDeviceAuthorization(provider, { scope: "openid" });

    expect(sdk.exchanges.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual([
      // oidc-provider serves only the OpenID Connect document: the RFC 8414 one is a 404.
      "GET /.well-known/oauth-authorization-server 404",
      "GET /.well-known/openid-configuration 200",
      "POST /device_authorization 200",
    ]);
    expect(new URL(authorization.verificationUri).origin).toBe(new URL(rig.issuer).origin);
    expect(authorization.verificationUriComplete).toContain(
      encodeURIComponent(authorization.userCode),
    );
    // oidc-provider sends no interval: RFC 8628 §3.2's default of 5 s applies.
    expect(authorization.interval).toBe(5);
    expect(authorization.expiresIn).toBe(120);
  });
});

describe("a person approves in Chromium", () => {
  it("gives authorized, with a refresh token that works", async () => {
    const provider = publicClient();
    const authorization = await startDeviceAuthorization(provider, {
      scope: "openid offline_access",
    });
    const polls: PollResult["status"][] = [];
    const waiting = waitForToken(provider, authorization, {
      onPoll: (result) => polls.push(result.status),
    });

    const outcome = await approveInBrowser(
      browser,
      rig.direct(authorization.verificationUriComplete as string),
      {
        ...user(),
        decision: "approve",
        userCode: authorization.userCode,
      },
    );
    expect(outcome).toEqual({ finalPage: "success", shownUserCode: authorization.userCode });

    const result = await waiting;
    expect(result.status).toBe("authorized");
    if (result.status !== "authorized") return;
    expect(polls.at(-1)).toBe("authorized");
    const { token } = result;
    expect(token.tokenType).toBe("Bearer");
    expect(token.scope?.split(" ").sort()).toEqual(["offline_access", "openid"]);
    expect(token.expiresIn).toBe(3600);
    expect(token.accessToken.length).toBeGreaterThan(20);
    expect(token.idToken?.split(".")).toHaveLength(3);
    expect(token.refreshToken).toBeTruthy();

    const refreshed = await refreshToken(provider, token.refreshToken as string);
    expect(refreshed.status).toBe("authorized");
    if (refreshed.status !== "authorized") return;
    expect(refreshed.token.accessToken).not.toBe(token.accessToken);
    expect(refreshed.token.refreshToken).toBeTruthy();
    expect(sdk.exchanges.filter((exchange) => exchange.path === "/token").at(-1)?.status).toBe(200);
  });

  it("a used refresh token of a public client is refused after rotation, as an error result", async () => {
    const provider = publicClient();
    const authorization = await startDeviceAuthorization(provider, {
      scope: "openid offline_access",
    });
    const waiting = waitForToken(provider, authorization);
    await approveDevice(rig.direct(authorization.verificationUriComplete as string), { ...user() });
    const result = await waiting;
    if (result.status !== "authorized")
      throw new Error(`expected authorized, got ${result.status}`);
    const first = result.token.refreshToken as string;

    const refreshed = await refreshToken(provider, first);
    expect(refreshed.status).toBe("authorized");
    if (refreshed.status !== "authorized") return;
    // oidc-provider rotates a public client's refresh token; the SDK keeps the new one.
    expect(refreshed.token.refreshToken).not.toBe(first);
    expect(await refreshToken(provider, first)).toMatchObject({
      status: "error",
      error: "invalid_grant",
      httpStatus: 400,
    });
  });

  it("gives denied when the person denies on the consent page", async () => {
    const provider = publicClient();
    const authorization = await startDeviceAuthorization(provider, { scope: "openid" });
    const waiting = waitForToken(provider, authorization);

    const outcome = await approveInBrowser(
      browser,
      rig.direct(authorization.verificationUriComplete as string),
      {
        ...user(),
        decision: "deny",
        userCode: authorization.userCode,
      },
    );
    expect(outcome.finalPage).toBe("aborted");

    expect(await waiting).toMatchObject({ status: "denied" });
    expect(sdk.exchanges.at(-1)).toMatchObject({ path: "/token", status: 400 });
  });
});

describe("a confidential client (client_secret_basic)", () => {
  const confidential = (clientSecret: string) => {
    sdk = rig.sdkFetch();
    return rfc8628({
      issuer: rig.issuer,
      clientId: rig.server.confidentialClient.clientId,
      clientSecret,
      clientAuth: "client_secret_basic",
      fetch: sdk.fetch,
    });
  };

  it("authenticates with a secret that needs form-encoding (space, ':', '+', '%', '&', '=', '/')", async () => {
    const provider = confidential(rig.server.confidentialClient.clientSecret);
    expect(rig.server.confidentialClient.clientSecret).toMatch(/ .*:.*\+.*%.*&.*=.*\//);
    const authorization = await startDeviceAuthorization(provider, { scope: "openid" });
    const waiting = waitForToken(provider, authorization);

    const outcome = await approveInBrowser(
      browser,
      rig.direct(authorization.verificationUriComplete as string),
      {
        ...user(),
        decision: "approve",
        userCode: authorization.userCode,
      },
    );
    expect(outcome.finalPage).toBe("success");
    const result = await waiting;
    expect(result.status).toBe("authorized");
    if (result.status !== "authorized") return;
    // RFC 6749 §2.3.1: the secret went in the Authorization header only; the id is in the body
    // as well (§3.2.1 allows it, and servers such as Authlib need it), and oidc-provider accepts it.
    const calls = sdk.exchanges.filter((exchange) => exchange.method === "POST");
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      expect(call.authScheme).toBe("Basic");
      expect(call.formFields).not.toContain("client_secret");
      expect(call.formFields).toContain("client_id");
    }
    // The device code grant issues refresh tokens on this server; the confidential client can use one.
    expect(await refreshToken(provider, result.token.refreshToken as string)).toMatchObject({
      status: "authorized",
    });
  });

  it("is refused with invalid_client (HTTP 401) for a wrong secret", async () => {
    const provider = confidential(`${rig.server.confidentialClient.clientSecret}x`);
    const failure = await startDeviceAuthorization(provider, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure).toMatchObject({ code: "invalid_client", httpStatus: 401 });
    expect(sdk.exchanges.at(-1)).toMatchObject({ path: "/device_authorization", status: 401 });
  });
});

describe("the automated approver of npm run demo", () => {
  it("approves and denies through the same pages, over plain HTTP", async () => {
    const provider = publicClient();
    const [approved, denied] = await Promise.all([
      startDeviceAuthorization(provider, { scope: "openid" }),
      startDeviceAuthorization(provider, { scope: "openid" }),
    ]);
    const waiting = Promise.all([waitForToken(provider, approved), waitForToken(provider, denied)]);

    // Approve from the plain verification_uri, typing the code; deny with the confirmation
    // page's Deny button (RFC 8628 §5.4: "this is not the code on my device").
    expect(
      await approveDevice(rig.direct(approved.verificationUri), {
        ...user(),
        userCode: approved.userCode,
      }),
    ).toBe("approved");
    expect(
      await approveDevice(rig.direct(denied.verificationUriComplete as string), {
        ...user(),
        decision: "deny",
      }),
    ).toBe("denied");

    const [first, second] = await waiting;
    expect(first.status).toBe("authorized");
    expect(second).toMatchObject({ status: "denied" });
  });

  it("is told when the user code is wrong", async () => {
    sdk = rig.sdkFetch();
    const failure = approveDevice(rig.direct(`${rig.issuer}/device`), {
      ...user(),
      userCode: "BCDF-GHJK",
    });
    await expect(failure).rejects.toThrow(/did not accept the user code/);
  });
});

describe("the Prism proxy", () => {
  it("does report a request that breaks the spec (so zero violations above means something)", async () => {
    sdk = rig.sdkFetch();
    const broken = rig.sdkFetch();
    const response = await broken.fetch(
      new Request(`${rig.issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
      }),
    );
    // In proxy mode Prism answers an invalid request itself (422 problem) and does not forward it.
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/device_code/);
    expect(broken.problems()).toEqual(["POST /token → 422: Prism's own problem answer"]);
  });

  it("does report an answer that breaks the spec", async () => {
    sdk = rig.sdkFetch();
    // A stand-in upstream whose token answer has an empty access_token: no token at all.
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"access_token":"","token_type":"Bearer"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const proxy = await startPrismProxy(
      RFC8628_SPEC,
      `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    );
    try {
      const checked = validatingFetch(proxy.url);
      const response = await checked.fetch(
        new Request(`${proxy.url}/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=refresh_token&refresh_token=r&client_id=c",
        }),
      );
      expect(response.status).toBe(500);
      expect(checked.problems().join("\n")).toMatch(/sl-violations.*access_token/);
    } finally {
      await proxy.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it("refuses SDK traffic that would bypass it", async () => {
    sdk = rig.sdkFetch();
    const provider = rfc8628({
      deviceAuthorizationEndpoint: `${rig.server.url}/device_authorization`,
      tokenEndpoint: `${rig.server.url}/token`,
      clientId: rig.server.publicClient.clientId,
      fetch: sdk.fetch,
    });
    await expect(startDeviceAuthorization(provider, {})).rejects.toMatchObject({
      code: "network_error",
    });
    expect(sdk.exchanges).toHaveLength(0);
  });
});

describe("pollForToken on a real server", () => {
  it("says pending before anyone acts, and invalid_code for a code the server never issued", async () => {
    const provider = publicClient();
    const authorization = await startDeviceAuthorization(provider, { scope: "openid" });
    expect(await pollForToken(provider, authorization)).toEqual({ status: "pending" });
    expect(
      await pollForToken(provider, {
        ...authorization,
        deviceCode: "not-a-code-this-server-issued",
      }),
    ).toMatchObject({
      status: "invalid_code",
    });
  });
});
