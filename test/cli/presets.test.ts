/**
 * `device-login <preset>` as a subprocess against a loopback imitation of that provider's wire
 * (test/support/cli-imitations.ts): start → pending → token ends with exit 0 and the token on
 * stdout, and the imitation saw exactly the requests the provider documents.
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import {
  startImitation,
  type Imitation,
  type ImitationOptions,
  type Preset,
} from "../support/cli-imitations.ts";
import { cleanEnv, runCli } from "../support/run-cli.ts";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const OUTPUT = ["--json", "--no-open", "--no-qr"];

const imitations: Imitation[] = [];
afterAll(async () => {
  await Promise.all(imitations.map((imitation) => imitation.close()));
});

async function login(
  preset: Preset,
  args: (origin: string) => string[],
  options: ImitationOptions & { env?: Record<string, string> } = {},
) {
  const imitation = await startImitation(preset, options);
  imitations.push(imitation);
  const result = await runCli([...args(imitation.origin), ...OUTPUT], {
    env: cleanEnv(options.env),
  });
  return { imitation, result };
}

/** Each request as `METHOD /path`, in order. */
const trail = (imitation: Imitation) =>
  imitation.requests.map((seen) => `${seen.method} ${seen.path}`);

/** The start, then two polls (pending, then the token). */
const startAndTwoPolls = (imitation: Imitation) => [
  `POST ${imitation.devicePath}`,
  `POST ${imitation.tokenPath}`,
  `POST ${imitation.tokenPath}`,
];

interface Case {
  preset: Preset;
  args: (origin: string) => string[];
  options?: ImitationOptions & { env?: Record<string, string> };
  /** The requests, in order (default: start and two polls). */
  trail?: (imitation: Imitation) => string[];
  /** The device request's fields. */
  start: (imitation: Imitation) => Record<string, unknown>;
  /** Each poll's fields. */
  poll: (imitation: Imitation) => Record<string, unknown>;
  /** Fields of the printed TokenSet beyond the access token. */
  token: (imitation: Imitation) => Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  "github, with GitHub's default form-urlencoded answers": {
    preset: "github",
    args: (origin) => [
      "github",
      "--base-url",
      origin,
      "--client-id",
      "Iv1.gh",
      "--scope",
      "repo read:org",
    ],
    start: () => ({ client_id: "Iv1.gh", scope: "repo read:org" }),
    poll: (i) => ({
      client_id: "Iv1.gh",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    // GH1: comma-separated scope, lowercase bearer, no expires_in.
    token: () => ({ tokenType: "Bearer", scope: "repo gist" }),
  },
  "github, with JSON answers (Accept: application/json)": {
    preset: "github-json",
    args: (origin) => ["github", "--base-url", origin, "--client-id", "Iv1.gh"],
    start: () => ({ client_id: "Iv1.gh" }),
    poll: (i) => ({
      client_id: "Iv1.gh",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    token: () => ({ tokenType: "Bearer", scope: "repo gist" }),
  },
  "google, the secret from DEVICE_LOGIN_CLIENT_SECRET in both bodies": {
    preset: "google",
    args: (origin) => [
      "google",
      "--base-url",
      origin,
      "--client-id",
      "g.apps",
      "--scope",
      "openid email",
    ],
    options: { env: { DEVICE_LOGIN_CLIENT_SECRET: "google-secret-5" } },
    start: () => ({ client_id: "g.apps", client_secret: "google-secret-5", scope: "openid email" }),
    poll: (i) => ({
      client_id: "g.apps",
      client_secret: "google-secret-5",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    token: (i) => ({
      refreshToken: i.refreshToken,
      expiresIn: 3599,
      idToken: "eyJhbGciOiJSUzI1NiJ9.e30.sig",
    }),
  },
  "microsoft, the tenant in both paths": {
    preset: "microsoft",
    options: { tenant: "organizations" },
    args: (origin) => [
      "microsoft",
      "--base-url",
      origin,
      "--tenant",
      "organizations",
      "--client-id",
      "ms-app",
      "--scope",
      "openid offline_access",
    ],
    start: () => ({ client_id: "ms-app", scope: "openid offline_access" }),
    poll: (i) => ({
      client_id: "ms-app",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    token: (i) => ({
      refreshToken: i.refreshToken,
      expiresIn: 3599,
      scope: "openid profile User.Read",
    }),
  },
  "auth0, the domain an origin URL, the audience in both bodies": {
    preset: "auth0",
    args: (origin) => [
      "auth0",
      "--domain",
      origin,
      "--client-id",
      "a0",
      "--audience",
      "https://api.example.com",
      "--scope",
      "openid offline_access",
    ],
    start: () => ({
      client_id: "a0",
      audience: "https://api.example.com",
      scope: "openid offline_access",
    }),
    poll: (i) => ({
      client_id: "a0",
      audience: "https://api.example.com",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    token: (i) => ({ refreshToken: i.refreshToken, expiresIn: 86400 }),
  },
  "okta, the endpoints by discovery from the issuer": {
    preset: "okta",
    args: (origin) => [
      "okta",
      "--issuer",
      `${origin}/oauth2/default`,
      "--client-id",
      "okta-app",
      "--scope",
      "openid",
    ],
    // RFC 8414 §3's URL first (absent at Okta's path), then OpenID Connect Discovery's.
    trail: (i) => [
      "GET /.well-known/oauth-authorization-server/oauth2/default",
      "GET /oauth2/default/.well-known/openid-configuration",
      ...startAndTwoPolls(i),
    ],
    start: () => ({ client_id: "okta-app", scope: "openid" }),
    poll: (i) => ({
      client_id: "okta-app",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    token: (i) => ({ refreshToken: i.refreshToken, expiresIn: 3600 }),
  },
  "keycloak, the realm in both paths": {
    preset: "keycloak",
    options: { realm: "staff" },
    args: (origin) => [
      "keycloak",
      "--base-url",
      origin,
      "--realm",
      "staff",
      "--client-id",
      "kc-cli",
      "--scope",
      "profile",
    ],
    start: () => ({ client_id: "kc-cli", scope: "profile" }),
    poll: (i) => ({
      client_id: "kc-cli",
      device_code: i.deviceCode,
      grant_type: DEVICE_CODE_GRANT,
    }),
    token: (i) => ({ refreshToken: i.refreshToken, expiresIn: 300, scope: "profile email" }),
  },
  "aws, registering a public client first, camelCase JSON": {
    preset: "aws",
    args: (origin) => [
      "aws",
      "--base-url",
      origin,
      "--region",
      "eu-west-1",
      "--start-url",
      "https://d-1234567890.awsapps.com/start",
      "--client-name",
      "device-login-test",
    ],
    trail: (i) => ["POST /client/register", ...startAndTwoPolls(i)],
    start: () => ({
      clientId: "aws-client-id",
      clientSecret: "aws-client-secret",
      startUrl: "https://d-1234567890.awsapps.com/start",
    }),
    poll: (i) => ({
      clientId: "aws-client-id",
      clientSecret: "aws-client-secret",
      grantType: DEVICE_CODE_GRANT,
      deviceCode: i.deviceCode,
    }),
    token: (i) => ({ tokenType: "Bearer", refreshToken: i.refreshToken, expiresIn: 28800 }),
  },
  "amazon, response_type and the user code on the poll": {
    preset: "amazon",
    args: (origin) => [
      "amazon",
      "--base-url",
      origin,
      "--client-id",
      "amzn1.app",
      "--scope",
      "profile",
    ],
    start: () => ({ response_type: "device_code", client_id: "amzn1.app", scope: "profile" }),
    poll: (i) => ({
      grant_type: "device_code",
      device_code: i.deviceCode,
      user_code: i.userCode,
      client_id: "amzn1.app",
    }),
    token: (i) => ({ tokenType: "Bearer", refreshToken: i.refreshToken, expiresIn: 3600 }),
  },
  "twitch, scopes plural, errors in message, an array scope": {
    preset: "twitch",
    args: (origin) => [
      "twitch",
      "--base-url",
      origin,
      "--client-id",
      "tw",
      "--scope",
      "user:read:email chat:read",
    ],
    start: () => ({ client_id: "tw", scopes: "user:read:email chat:read" }),
    poll: (i) => ({ client_id: "tw", device_code: i.deviceCode, grant_type: DEVICE_CODE_GRANT }),
    token: (i) => ({
      tokenType: "Bearer",
      refreshToken: i.refreshToken,
      scope: "user:read:email chat:read",
    }),
  },
};

// The AWS preset is written by another change; its case runs as soon as the module exists.
const AWS_PRESET = existsSync(new URL("../../src/providers/aws-sso.ts", import.meta.url));

describe.concurrent("device-login <preset> against an imitation of its provider", () => {
  const cases = Object.entries(CASES).filter(([, test]) => test.preset !== "aws" || AWS_PRESET);
  it.each(cases)("%s: start, pending, token", async (_, test) => {
    const { imitation, result } = await login(test.preset, test.args, test.options);
    expect(result.stderr).toContain("User code: WDJB-MJHT");
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(JSON.parse(result.stdout)).toMatchObject({
      accessToken: imitation.accessToken,
      ...test.token(imitation),
    });
    expect(trail(imitation)).toEqual((test.trail ?? startAndTwoPolls)(imitation));
    expect(imitation.to(imitation.devicePath).map((seen) => seen.fields)).toEqual([
      test.start(imitation),
    ]);
    const poll = test.poll(imitation);
    expect(imitation.to(imitation.tokenPath).map((seen) => seen.fields)).toEqual([poll, poll]);
    for (const seen of imitation.requests) expect(seen.headers.accept).toBe("application/json");
    // The token goes to stdout only; stderr holds no secret of the flow.
    for (const secret of [imitation.accessToken, imitation.deviceCode, "google-secret-5"]) {
      expect(result.stderr).not.toContain(secret);
    }
  });

  it("github: the form imitation really answered form-urlencoded, the JSON one JSON", async () => {
    // Guards the two cases above: each proves a different reader only if the wire differed.
    const form = await startImitation("github");
    const negotiated = await startImitation("github-json");
    imitations.push(form, negotiated);
    const ask = (origin: string) =>
      fetch(`${origin}/login/device/code`, {
        method: "POST",
        headers: { Accept: "application/json" },
      });
    expect((await ask(form.origin)).headers.get("content-type")).toMatch(
      /^application\/x-www-form-urlencoded/,
    );
    expect((await ask(negotiated.origin)).headers.get("content-type")).toBe("application/json");
  });

  it("microsoft: authorization_declined is a denial, exit 3", async () => {
    const { imitation, result } = await login(
      "microsoft",
      (origin) => ["microsoft", "--base-url", origin, "--client-id", "ms-app", "--scope", "openid"],
      { steps: ["pending", "denied"] },
    );
    expect(result.code).toBe(EXIT_CODES.denied);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "Access denied: AADSTS70000: The user declined the authorization request.",
    );
    expect(imitation.to(imitation.tokenPath)).toHaveLength(2);
    // The default tenant.
    expect(imitation.devicePath).toBe("/common/oauth2/v2.0/devicecode");
  });

  it("keycloak: a confidential client sends HTTP Basic on both requests, client_id in the body too", async () => {
    const { imitation, result } = await login(
      "keycloak",
      (origin) => ["keycloak", "--base-url", origin, "--realm", "main", "--client-id", "kc app"],
      { env: { DEVICE_LOGIN_CLIENT_SECRET: "kc:secret" }, steps: ["authorized"] },
    );
    expect(result.code).toBe(EXIT_CODES.authorized);
    // RFC 6749 §2.3.1: each part form-url-encoded, then base64.
    const basic = `Basic ${Buffer.from("kc+app:kc%3Asecret").toString("base64")}`;
    expect(imitation.requests.map((seen) => seen.headers.authorization)).toEqual([basic, basic]);
    expect(imitation.requests.map((seen) => seen.fields.client_id)).toEqual(["kc app", "kc app"]);
    expect(result.stderr).not.toContain("kc:secret");
  });

  it("rfc8628: a token whose expires_in is a digit string and refresh_token null is not lost", async () => {
    const { imitation, result } = await login(
      "rfc8628",
      (origin) => ["rfc8628", "--issuer", origin, "--client-id", "lenient"],
      {
        tokenBody: (i) => ({
          access_token: i.accessToken,
          token_type: "Bearer",
          expires_in: "3599",
          refresh_token: null,
        }),
      },
    );
    expect(result.code).toBe(EXIT_CODES.authorized);
    const token = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(token).toMatchObject({
      accessToken: imitation.accessToken,
      tokenType: "Bearer",
      expiresIn: 3599,
    });
    expect(token).not.toHaveProperty("refreshToken");
    expect(result.stderr).toMatch(/Signed in: Bearer token, expires .* \(in 3599 s\)/);
  });
});
