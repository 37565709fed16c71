/**
 * Hostile ID tokens through a loopback OpenID provider imitation: every case keeps the access
 * token (the user approved; a device code is single-use) and gives no `claims`, only an
 * `idTokenError` whose code says why (OpenID Connect Core 1.0 §3.1.3.7). Then key rotation with
 * an injected clock, Entra's multi-tenant issuer, and the verified case.
 */
import { createHmac } from "node:crypto";
import { inspect } from "node:util";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { idTokenVerifier, verifyIdToken, type IdTokenVerifier } from "../../src/identity/index.ts";
import {
  ConfigurationError,
  microsoft,
  pollForToken,
  refreshToken,
  rfc8628,
  startDeviceAuthorization,
  type Provider,
  type TokenSet,
} from "../../src/index.ts";
import {
  sign,
  signingKey,
  startOidcImitation,
  type OidcImitation,
  type SigningKey,
} from "./oidc-imitation.ts";

const CLIENT_ID = "tv-app";
let server: OidcImitation;
let key: SigningKey;
let intruder: SigningKey;

beforeAll(async () => {
  key = await signingKey("key-1");
  intruder = await signingKey("key-x");
});
afterEach(async () => {
  await server?.close();
});

/** Epoch seconds now. */
const nowS = () => Math.floor(Date.now() / 1000);

/** Claims a good token has: the test's issuer, this client, valid for an hour. */
function good(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: server.issuer,
    sub: "user-42",
    aud: CLIENT_ID,
    iat: nowS(),
    exp: nowS() + 3600,
    name: "Ada Lovelace",
    email: "ada@example.com",
    email_verified: true,
    ...extra,
  };
}

function provider(
  options: { timeout?: number; maxResponseBytes?: number; idTokens?: IdTokenVerifier } = {},
): Provider {
  const { idTokens = idTokenVerifier(), ...transport } = options;
  return rfc8628({ issuer: server.issuer, clientId: CLIENT_ID, idTokens, ...transport });
}

/** One device flow whose single poll is answered with `idToken`: the token it gives. */
async function signIn(idToken: string, p: Provider = provider()): Promise<TokenSet> {
  server.idToken = idToken;
  const authorization = await startDeviceAuthorization(p, { scope: "openid" });
  const result = await pollForToken(p, authorization);
  if (result.status !== "authorized") throw new Error(`expected authorized, got ${result.status}`);
  return result.token;
}

function base64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString(
    "base64url",
  );
}

describe("hostile ID tokens keep the access token and give no claims", () => {
  const cases: [string, () => Promise<string>, string][] = [
    [
      "alg: none",
      async () => `${base64url({ alg: "none", typ: "JWT" })}.${base64url(good())}.`,
      "unsupported_alg",
    ],
    [
      "HS256 keyed with the JWKS's public key",
      async () => {
        // The classic confusion: the public key material (as the JWKS serves it) as an HMAC secret.
        const secret = JSON.stringify(key.publicJwk);
        const input = `${base64url({ alg: "HS256", kid: key.kid })}.${base64url(good())}`;
        return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
      },
      "unsupported_alg",
    ],
    ["a key not in the JWKS", () => sign(intruder, good()), "unknown_key"],
    [
      "the JWKS's kid, signed by another key",
      () => sign(intruder, good(), { kid: key.kid }),
      "bad_signature",
    ],
    ["wrong iss", () => sign(key, good({ iss: "https://evil.example" })), "wrong_issuer"],
    ["wrong aud", () => sign(key, good({ aud: "someone-else" })), "wrong_audience"],
    [
      "several audiences, no azp",
      () => sign(key, good({ aud: [CLIENT_ID, "other"] })),
      "wrong_azp",
    ],
    [
      "several audiences, azp of another client",
      () => sign(key, good({ aud: [CLIENT_ID, "other"], azp: "other" })),
      "wrong_azp",
    ],
    ["expired", () => sign(key, good({ iat: nowS() - 7200, exp: nowS() - 3600 })), "expired"],
    ["iat in the future", () => sign(key, good({ iat: nowS() + 600 })), "issued_in_future"],
    ["nbf in the future", () => sign(key, good({ nbf: nowS() + 600 })), "not_yet_valid"],
    ["no sub", () => sign(key, good({ sub: undefined })), "malformed"],
    ["not a JWT", async () => "not-a-jwt", "malformed"],
  ];

  it.each(cases.map(([name, token, code]) => [`${name} → ${code}`, token, code] as const))(
    "%s",
    async (_, token, code) => {
      server = await startOidcImitation([key]);
      const result = await signIn(await token());
      expect(result.accessToken).toBe("access-1");
      expect(result.idToken).toBeDefined();
      expect(result.claims).toBeUndefined();
      expect(result.idTokenError?.code).toBe(code);
    },
  );

  it("an algorithm the issuer does not list (RS256 when it lists ES256) → unsupported_alg", async () => {
    server = await startOidcImitation([key]);
    server.algorithms = ["ES256"];
    const token = await signIn(await sign(key, good()));
    expect(token).toMatchObject({
      accessToken: "access-1",
      idTokenError: { code: "unsupported_alg" },
    });
    expect(token.claims).toBeUndefined();
  });

  it.each([
    [
      "huge (over maxResponseBytes)",
      { kind: "huge", bytes: 200_000 },
      { maxResponseBytes: 64 * 1024 },
      "response_too_large",
    ],
    ["slow (over the timeout)", { kind: "slow", ms: 10_000 }, { timeout: 400 }, "timeout"],
    ["a redirect", { kind: "redirect" }, {}, "unexpected_redirect"],
  ] as const)("a JWKS that is %s → jwks_unavailable", async (_, mode, transport, reason) => {
    server = await startOidcImitation([key]);
    server.jwks = mode;
    const token = await signIn(await sign(key, good()), provider(transport));
    expect(token.accessToken).toBe("access-1");
    expect(token.claims).toBeUndefined();
    expect(token.idTokenError?.code).toBe("jwks_unavailable");
    expect(token.idTokenError?.message).toContain(reason);
    expect(server.hits("/jwks")).toBe(1);
  });

  it("an abort while the JWKS is slow rejects with the signal's reason", async () => {
    server = await startOidcImitation([key]);
    server.jwks = { kind: "slow", ms: 10_000 };
    server.idToken = await sign(key, good());
    const p = provider();
    const authorization = await startDeviceAuthorization(p, { scope: "openid" });
    const controller = new AbortController();
    const reason = new Error("user left");
    const polling = pollForToken(p, authorization, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 200);
    await expect(polling).rejects.toBe(reason);
  });
});

describe("a verified ID token", () => {
  it("gives typed claims, and inspecting the token redacts the ID token but shows the claims", async () => {
    server = await startOidcImitation([key]);
    const token = await signIn(await sign(key, good({ aud: [CLIENT_ID, "api"], azp: CLIENT_ID })));
    expect(token.idTokenError).toBeUndefined();
    expect(token.claims).toMatchObject({
      iss: server.issuer,
      sub: "user-42",
      name: "Ada Lovelace",
      email: "ada@example.com",
      email_verified: true,
      azp: CLIENT_ID,
    });
    const shown = inspect(token);
    expect(shown).toContain("user-42");
    expect(shown).not.toContain(token.idToken as string);
    expect(shown).toMatch(/idToken: '\[redacted\]'/);
  });

  it("a refresh that carries an ID token verifies it too", async () => {
    server = await startOidcImitation([key]);
    const p = provider();
    await signIn(await sign(key, good()), p);
    server.idToken = await sign(key, good({ sub: "user-42", name: "Ada L." }));
    const refreshed = await refreshToken(p, "refresh-1");
    expect(refreshed.status).toBe("authorized");
    if (refreshed.status === "authorized") expect(refreshed.token.claims?.name).toBe("Ada L.");
  });

  it("verifyIdToken checks a stored token with the provider's issuer, and refuses a provider without one", async () => {
    server = await startOidcImitation([key]);
    const p = provider();
    const stored = await sign(key, good());
    expect(await verifyIdToken(p, stored)).toMatchObject({ claims: { sub: "user-42" } });
    expect(await verifyIdToken(p, await sign(key, good({ aud: "x" })))).toMatchObject({
      idTokenError: { code: "wrong_audience" },
    });
    const noIssuer = rfc8628({
      deviceAuthorizationEndpoint: `${server.origin}/device_authorization`,
      tokenEndpoint: `${server.origin}/token`,
      clientId: CLIENT_ID,
      idTokens: idTokenVerifier(),
    });
    await expect(verifyIdToken(noIssuer, stored)).rejects.toMatchObject({
      constructor: ConfigurationError,
      code: "identity_unsupported",
    });
  });

  it("without idTokens nothing is verified and nothing is fetched", async () => {
    server = await startOidcImitation([key]);
    const p = rfc8628({ issuer: server.issuer, clientId: CLIENT_ID });
    const token = await signIn(await sign(key, good()), p);
    expect(token.claims).toBeUndefined();
    expect(token.idTokenError).toBeUndefined();
    expect(server.hits("/jwks")).toBe(0);
  });
});

describe("key rotation (an injected clock, no real waiting)", () => {
  it("a new kid causes one JWKS fetch; a burst of unknown kids no more than one per cool-down", async () => {
    server = await startOidcImitation([key]);
    let now = Date.now();
    const p = provider({ idTokens: idTokenVerifier({ now: () => now, jwksCooldown: 30_000 }) });

    expect(await verifyIdToken(p, await sign(key, good()))).toHaveProperty("claims");
    expect(await verifyIdToken(p, await sign(key, good()))).toHaveProperty("claims");
    expect(server.hits("/jwks")).toBe(1);

    // The issuer rotates to key-2, past the cool-down: one fetch, and the new key verifies.
    const next = await signingKey("key-2");
    server.keys = [next, key];
    now += 31_000;
    expect(await verifyIdToken(p, await sign(next, good()))).toHaveProperty("claims");
    expect(server.hits("/jwks")).toBe(2);

    // A burst of made-up kids right after: within the cool-down, no fetch at all.
    const strangers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signingKey(`stranger-${i}`)),
    );
    const tokens = await Promise.all(strangers.map((stranger) => sign(stranger, good())));
    now += 1_000;
    const first = await Promise.all(tokens.map((token) => verifyIdToken(p, token)));
    expect(
      first.map((verdict) => ("idTokenError" in verdict ? verdict.idTokenError.code : "claims")),
    ).toEqual(Array(10).fill("unknown_key"));
    expect(server.hits("/jwks")).toBe(2);

    // After the cool-down, the same burst (concurrent) fetches once, not ten times.
    now += 30_000;
    const second = await Promise.all(tokens.map((token) => verifyIdToken(p, token)));
    expect(
      second.every(
        (verdict) => "idTokenError" in verdict && verdict.idTokenError.code === "unknown_key",
      ),
    ).toBe(true);
    expect(server.hits("/jwks")).toBe(3);
    // And the known keys still verify without a fetch.
    expect(await verifyIdToken(p, await sign(next, good()))).toHaveProperty("claims");
    expect(server.hits("/jwks")).toBe(3);
  });
});

describe("Entra ID's multi-tenant issuer (MS9: https://login.microsoftonline.com/{tenantid}/v2.0)", () => {
  const TENANT_A = "11111111-aaaa-4aaa-8aaa-111111111111";
  const TENANT_B = "22222222-bbbb-4bbb-8bbb-222222222222";

  async function entra(): Promise<Provider> {
    server = await startOidcImitation([key], {
      issuerPath: "/common/v2.0",
      namedIssuer: (origin) => `${origin}/{tenantid}/v2.0`,
      devicePath: "/common/oauth2/v2.0/devicecode",
      tokenPath: "/common/oauth2/v2.0/token",
    });
    return microsoft({ clientId: CLIENT_ID, tenant: "common", baseUrl: server.origin });
  }

  it("a token from tenant A verifies with tenant common", async () => {
    const p = await entra();
    const token = await signIn(
      await sign(
        key,
        good({
          iss: `${server.origin}/${TENANT_A}/v2.0`,
          tid: TENANT_A,
          preferred_username: "ada@a.example",
        }),
      ),
      p,
    );
    expect(token.idTokenError).toBeUndefined();
    expect(token.claims).toMatchObject({ tid: TENANT_A, preferred_username: "ada@a.example" });
  });

  it.each([
    ["whose iss names another tenant than its tid", { iss: "B", tid: TENANT_A }],
    ["with no tid", { iss: "A", tid: undefined }],
    ["whose iss is the template itself", { iss: "{tenantid}", tid: TENANT_A }],
  ])("a token %s → wrong_issuer", async (_, { iss, tid }) => {
    const p = await entra();
    const tenant = iss === "A" ? TENANT_A : iss === "B" ? TENANT_B : iss;
    const token = await signIn(
      await sign(key, good({ iss: `${server.origin}/${tenant}/v2.0`, tid })),
      p,
    );
    expect(token.accessToken).toBe("access-1");
    expect(token.claims).toBeUndefined();
    expect(token.idTokenError?.code).toBe("wrong_issuer");
  });

  it("idTokens: false verifies nothing", async () => {
    await entra();
    const p = microsoft({
      clientId: CLIENT_ID,
      tenant: "common",
      baseUrl: server.origin,
      idTokens: false,
    });
    const token = await signIn(await sign(key, good()), p);
    expect(token.claims).toBeUndefined();
    expect(token.idTokenError).toBeUndefined();
    expect(server.hits("/common/v2.0/.well-known/openid-configuration")).toBe(0);
  });
});
