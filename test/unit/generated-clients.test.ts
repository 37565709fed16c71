/**
 * The generated layer (issue 2 item 7): openapi-fetch clients typed with each spec's generated
 * `paths` send exactly the request the spec describes, their `data` is typed from the spec, and
 * the generated valibot schemas accept the spec's examples and refuse broken bodies.
 * The form operations use the SDK's own serializer (src/http/form.ts), as the adapters do.
 */
import createClient from "openapi-fetch";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as Fakts from "../../generated/fakts/schema.ts";
import * as faktsV from "../../generated/fakts/valibot.gen.ts";
import type * as Rfc from "../../generated/rfc8628/schema.ts";
import * as rfcV from "../../generated/rfc8628/valibot.gen.ts";
import type * as Trakt from "../../generated/trakt/schema.ts";
import * as traktV from "../../generated/trakt/valibot.gen.ts";
import type * as Transparenc from "../../generated/transparenc/schema.ts";
import * as transparencV from "../../generated/transparenc/valibot.gen.ts";
import { formBody, formHeaders } from "../../src/http/form.ts";
import {
  json,
  jsonBody,
  scriptedFetch,
  type RecordedRequest,
  type ScriptedFetch,
} from "../support/fake-fetch.ts";

/** A string with every character a form body must escape: space, '&', '=', '+', '%', non-ASCII. */
const TRICKY = "a b&c=d+e%f é€😀";
/** The same, form-urlencoded, written out by hand. */
const TRICKY_FORM = "a+b%26c%3Dd%2Be%25f+%C3%A9%E2%82%AC%F0%9F%98%80";

function only(fake: ScriptedFetch): RecordedRequest {
  expect(fake.requests).toHaveLength(1);
  const [request] = fake.requests;
  if (!request) throw new Error("no request");
  return request;
}

function expectForm(request: RecordedRequest, body: string): void {
  expect(request.method).toBe("POST");
  expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
  expect(request.body).toBe(body);
}

function expectJson(request: RecordedRequest, body: unknown): void {
  expect(request.method).toBe("POST");
  expect(request.headers.get("content-type")).toBe("application/json");
  expect(jsonBody(request)).toEqual(body);
}

describe("rfc8628 client", () => {
  type S = Rfc.components["schemas"];
  const base = "https://auth.example.org";
  const metadata: S["AuthorizationServerMetadata"] = {
    issuer: base,
    token_endpoint: `${base}/token`,
    device_authorization_endpoint: `${base}/device_authorization`,
  };

  for (const path of [
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
  ] as const) {
    it(`GET ${path}: no body, metadata typed`, async () => {
      const fake = scriptedFetch([json(200, metadata)]);
      const client = createClient<Rfc.paths>({ baseUrl: base, fetch: fake.fetch });
      const { data } = await client.GET(path);
      expectTypeOf(data).toEqualTypeOf<S["AuthorizationServerMetadata"] | undefined>();
      expect(data).toEqual(metadata);
      const request = only(fake);
      expect(request.method).toBe("GET");
      expect(request.url).toBe(`${base}${path}`);
      expect(request.body).toBe("");
      expect(request.headers.has("content-type")).toBe(false);
    });
  }

  it("POST /device_authorization: a form, `resource` repeated, special characters escaped", async () => {
    const answer: S["DeviceAuthorizationResponse"] = {
      device_code: "dc",
      user_code: "UC",
      verification_uri: `${base}/device`,
      expires_in: 600,
    };
    const fake = scriptedFetch([json(200, answer)]);
    const client = createClient<Rfc.paths>({ baseUrl: base, fetch: fake.fetch });
    // The generated type intersects `resource?: string[]` with a string index signature (extension
    // parameters), so an array needs this cast; the adapter does the same.
    const body = {
      client_id: TRICKY,
      scope: "openid profile",
      resource: ["https://a.example.org/api", "https://b.example.org/?x=1&y=2"],
    } as unknown as S["DeviceAuthorizationRequest"];
    const { data } = await client.POST("/device_authorization", {
      body,
      bodySerializer: formBody,
      headers: formHeaders,
    });
    expectTypeOf(data).toEqualTypeOf<S["DeviceAuthorizationResponse"] | undefined>();
    expect(data).toEqual(answer);
    const request = only(fake);
    expect(request.url).toBe(`${base}/device_authorization`);
    expectForm(
      request,
      `client_id=${TRICKY_FORM}&scope=openid+profile` +
        "&resource=https%3A%2F%2Fa.example.org%2Fapi&resource=https%3A%2F%2Fb.example.org%2F%3Fx%3D1%26y%3D2",
    );
    expect(new URLSearchParams(request.body).getAll("resource")).toEqual([
      "https://a.example.org/api",
      "https://b.example.org/?x=1&y=2",
    ]);
    expect(new URLSearchParams(request.body).get("client_id")).toBe(TRICKY);
  });

  it("openapi-fetch's own form serializer would join the array: why the SDK brings formBody", async () => {
    const fake = scriptedFetch([json(200, {})]);
    const client = createClient<Rfc.paths>({ baseUrl: base, fetch: fake.fetch });
    const body = {
      resource: ["https://a.example.org/", "https://b.example.org/"],
    } as unknown as S["DeviceAuthorizationRequest"];
    await client.POST("/device_authorization", { body, headers: formHeaders });
    expect(new URLSearchParams(only(fake).body).getAll("resource")).toHaveLength(1);
  });

  it("POST /token, device_code grant: a form; data is a token or an error", async () => {
    const answer = { access_token: "at", token_type: "Bearer", expires_in: 3600 };
    const fake = scriptedFetch([json(200, answer)]);
    const client = createClient<Rfc.paths>({ baseUrl: base, fetch: fake.fetch });
    const { data } = await client.POST("/token", {
      body: {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: TRICKY,
        client_id: "c",
      },
      bodySerializer: formBody,
      headers: formHeaders,
    });
    expectTypeOf(data).toEqualTypeOf<S["TokenResponse"] | S["ErrorResponse"] | undefined>();
    expect(data).toEqual(answer);
    const request = only(fake);
    expect(request.url).toBe(`${base}/token`);
    expectForm(
      request,
      `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=${TRICKY_FORM}&client_id=c`,
    );
  });

  it("POST /token, refresh_token grant: a form without absent fields", async () => {
    const fake = scriptedFetch([json(200, { access_token: "at", token_type: "Bearer" })]);
    const client = createClient<Rfc.paths>({ baseUrl: base, fetch: fake.fetch });
    await client.POST("/token", {
      body: { grant_type: "refresh_token", refresh_token: "r+t/=", scope: undefined },
      bodySerializer: formBody,
      headers: formHeaders,
    });
    expectForm(only(fake), "grant_type=refresh_token&refresh_token=r%2Bt%2F%3D");
  });
});

describe("trakt client", () => {
  type S = Trakt.components["schemas"];
  const base = "https://auth.trakt.tv";
  const header = { "trakt-api-version": "2", "trakt-api-key": "cid" } as const;
  const token: S["Token"] = {
    access_token: "at",
    token_type: "bearer",
    expires_in: 7_776_000,
    refresh_token: "rt",
    scope: "public",
    created_at: 1_487_889_741,
  };

  function expectTraktHeaders(request: RecordedRequest): void {
    expect(request.headers.get("trakt-api-version")).toBe("2");
    expect(request.headers.get("trakt-api-key")).toBe("cid");
  }

  it("POST /oauth/device/code: JSON, API headers, typed codes", async () => {
    const answer: S["DeviceCodeResponse"] = {
      device_code: "dc",
      user_code: "5055CC52",
      verification_url: "https://trakt.tv/activate",
      expires_in: 600,
      interval: 5,
    };
    const fake = scriptedFetch([json(200, answer)]);
    const client = createClient<Trakt.paths>({ baseUrl: base, fetch: fake.fetch });
    const { data } = await client.POST("/oauth/device/code", {
      params: { header },
      body: { client_id: TRICKY },
    });
    expectTypeOf(data).toEqualTypeOf<S["DeviceCodeResponse"] | undefined>();
    expect(data).toEqual(answer);
    const request = only(fake);
    expect(request.url).toBe(`${base}/oauth/device/code`);
    expectJson(request, { client_id: TRICKY });
    expect(request.body).toBe(JSON.stringify({ client_id: TRICKY }));
    expectTraktHeaders(request);
  });

  it("POST /oauth/device/token: JSON {code, client_id, client_secret}, typed token", async () => {
    const fake = scriptedFetch([json(200, token)]);
    const client = createClient<Trakt.paths>({ baseUrl: base, fetch: fake.fetch });
    const body: S["DeviceTokenRequest"] = { code: "dc", client_id: "cid", client_secret: TRICKY };
    const { data } = await client.POST("/oauth/device/token", { params: { header }, body });
    expectTypeOf(data).toEqualTypeOf<S["Token"] | undefined>();
    expect(data).toEqual(token);
    const request = only(fake);
    expect(request.url).toBe(`${base}/oauth/device/token`);
    expectJson(request, body);
    expectTraktHeaders(request);
  });

  it("POST /oauth/token: JSON refresh request, typed token", async () => {
    const fake = scriptedFetch([json(200, token)]);
    const client = createClient<Trakt.paths>({ baseUrl: base, fetch: fake.fetch });
    const body: S["RefreshTokenRequest"] = {
      refresh_token: "rt",
      client_id: "cid",
      client_secret: "cs",
      redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
      grant_type: "refresh_token",
    };
    const { data } = await client.POST("/oauth/token", { params: { header }, body });
    expectTypeOf(data).toEqualTypeOf<S["Token"] | undefined>();
    const request = only(fake);
    expect(request.url).toBe(`${base}/oauth/token`);
    expectJson(request, body);
    expectTraktHeaders(request);
  });
});

describe("transparenc client", () => {
  type S = Transparenc.components["schemas"];
  const base = "https://transparenc.example.org";

  it("POST /api/v1/oauth/device-authorization/: a form with the device fields", async () => {
    const answer: S["DeviceAuthorizationResponse"] = {
      device_code: "dc",
      user_code: "KQZB-7T4M",
      verification_uri: "",
      expires_in: 600,
      interval: 5,
    };
    const fake = scriptedFetch([json(200, answer)]);
    const client = createClient<Transparenc.paths>({ baseUrl: base, fetch: fake.fetch });
    const { data } = await client.POST("/api/v1/oauth/device-authorization/", {
      body: {
        client_id: "tv-app",
        device_type: "smart tv",
        device_os: TRICKY,
        scope: "read write",
      },
      bodySerializer: formBody,
      headers: formHeaders,
    });
    expectTypeOf(data).toEqualTypeOf<S["DeviceAuthorizationResponse"] | undefined>();
    expect(data).toEqual(answer);
    const request = only(fake);
    expect(request.url).toBe(`${base}/api/v1/oauth/device-authorization/`);
    expectForm(
      request,
      `client_id=tv-app&device_type=smart+tv&device_os=${TRICKY_FORM}&scope=read+write`,
    );
  });

  for (const path of ["/api/v1/oauth/token", "/api/v1/oauth/token/"] as const) {
    it(`POST ${path}: a form, typed token`, async () => {
      const answer: S["DeviceTokenResponse"] = {
        access_token: "at",
        token_type: "Bearer",
        expires_in: 3600,
      };
      const fake = scriptedFetch([json(200, answer)]);
      const client = createClient<Transparenc.paths>({ baseUrl: base, fetch: fake.fetch });
      const { data } = await client.POST(path, {
        body: {
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          client_id: "tv-app",
          device_code: TRICKY,
        },
        bodySerializer: formBody,
        headers: formHeaders,
      });
      expectTypeOf(data).toEqualTypeOf<S["DeviceTokenResponse"] | undefined>();
      expect(data).toEqual(answer);
      const request = only(fake);
      expect(request.url).toBe(`${base}${path}`);
      expectForm(
        request,
        `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=tv-app&device_code=${TRICKY_FORM}`,
      );
    });
  }
});

describe("fakts client", () => {
  type S = Fakts.components["schemas"];
  const base = "https://arkitekt.example.org/f";

  it("POST /start/: JSON with the manifest, typed answer", async () => {
    const fake = scriptedFetch([json(200, { status: "granted", code: "c0de" })]);
    const client = createClient<Fakts.paths>({ baseUrl: base, fetch: fake.fetch });
    const body: S["StartRequest"] = {
      manifest: {
        identifier: "org.example",
        version: "1.0",
        scopes: ["read"],
        extra: { nested: TRICKY },
      },
      expiration_time_seconds: 300,
      redirect_uris: [],
      requested_client_kind: "development",
    };
    const { data } = await client.POST("/start/", { body });
    expectTypeOf(data).toEqualTypeOf<S["StartResponse"] | undefined>();
    expect(data).toEqual({ status: "granted", code: "c0de" });
    const request = only(fake);
    expect(request.url).toBe(`${base}/start/`);
    expectJson(request, body);
  });

  it("POST /challenge/: JSON {code}, typed answer", async () => {
    const fake = scriptedFetch([json(200, { status: "pending", message: "wait" })]);
    const client = createClient<Fakts.paths>({ baseUrl: base, fetch: fake.fetch });
    const { data } = await client.POST("/challenge/", { body: { code: TRICKY } });
    expectTypeOf(data).toEqualTypeOf<S["ChallengeResponse"] | undefined>();
    expect(data).toEqual({ status: "pending", message: "wait" });
    const request = only(fake);
    expect(request.url).toBe(`${base}/challenge/`);
    expectJson(request, { code: TRICKY });
  });
});

/** [schema, a body the spec accepts, bodies it refuses] */
type Case = [string, v.GenericSchema, unknown, [string, unknown][]];

const cases: Case[] = [
  [
    "rfc8628 DeviceAuthorizationResponse",
    rfcV.vDeviceAuthorizationResponse,
    {
      device_code: "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
      user_code: "WDJB-MJHT",
      verification_uri: "https://auth.example.org/device",
      verification_uri_complete: "https://auth.example.org/device?user_code=WDJB-MJHT",
      expires_in: 1800,
      interval: 5,
    },
    [
      ["no device_code", { user_code: "U", verification_uri: "https://x/", expires_in: 1 }],
      ["no expires_in", { device_code: "d", user_code: "U" }],
      ["expires_in as words", { device_code: "d", user_code: "U", expires_in: "ten minutes" }],
      ["an interval as words", { device_code: "d", user_code: "U", expires_in: 600, interval: "soon" }],
    ],
  ],
  [
    "rfc8628 TokenResponse",
    rfcV.vTokenResponse,
    {
      access_token: "2YotnFZFEjr1zCsicMWpAA",
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: "r",
    },
    [
      ["no access_token", { token_type: "Bearer" }],
      ["an empty access_token", { access_token: "", token_type: "Bearer" }],
      ["a numeric access_token", { access_token: 42, token_type: "Bearer" }],
    ],
  ],
  [
    "rfc8628 ErrorResponse",
    rfcV.vErrorResponse,
    { error: "slow_down", interval: 15 },
    [
      ["no error", { error_description: "x" }],
      ["a numeric error", { error: 400 }],
    ],
  ],
  [
    "rfc8628 DeviceCodeTokenRequest",
    rfcV.vDeviceCodeTokenRequest,
    {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: "d",
      client_id: "c",
    },
    [["the refresh grant", { grant_type: "refresh_token", device_code: "d" }]],
  ],
  [
    "rfc8628 AuthorizationServerMetadata",
    rfcV.vAuthorizationServerMetadata,
    {
      issuer: "https://auth.example.org",
      device_authorization_endpoint: "https://auth.example.org/d",
    },
    [["an issuer that is not a URL", { issuer: "auth.example.org" }]],
  ],
  [
    "trakt DeviceCodeResponse",
    traktV.vDeviceCodeResponse,
    {
      device_code: "d9c126a7706328d808914cfd1e40274b",
      user_code: "5055CC52",
      verification_url: "https://trakt.tv/activate",
      expires_in: 600,
      interval: 5,
    },
    [
      [
        "no interval (required by Trakt)",
        { device_code: "d", user_code: "U", verification_url: "u", expires_in: 600 },
      ],
      [
        "verification_uri instead of _url",
        { device_code: "d", user_code: "U", verification_uri: "u", expires_in: 600, interval: 5 },
      ],
    ],
  ],
  [
    "trakt Token",
    traktV.vToken,
    {
      access_token: "dbaf9757982a9e738f05d249b7b5b4a2",
      token_type: "bearer",
      expires_in: 7_776_000,
      refresh_token: "76ba4c5c75c96f60",
      scope: "public",
      created_at: 1_487_889_741,
    },
    [["a fractional created_at", { access_token: "a", token_type: "bearer", created_at: 1.5 }]],
  ],
  [
    "trakt RefreshTokenRequest",
    traktV.vRefreshTokenRequest,
    {
      refresh_token: "r",
      client_id: "c",
      client_secret: "s",
      redirect_uri: "urn:ietf:wg:oauth:2.0:oob",
      grant_type: "refresh_token",
    },
    [
      [
        "no redirect_uri",
        { refresh_token: "r", client_id: "c", client_secret: "s", grant_type: "refresh_token" },
      ],
    ],
  ],
  [
    "transparenc DeviceAuthorizationResponse (empty verification_uri is allowed)",
    transparencV.vDeviceAuthorizationResponse,
    {
      device_code: "8Jd2LqX0",
      user_code: "PLMX-2D8R",
      verification_uri: "",
      expires_in: 600,
      interval: 5,
    },
    [["no interval", { device_code: "d", user_code: "U", verification_uri: "", expires_in: 600 }]],
  ],
  [
    "transparenc DeviceTokenResponse",
    transparencV.vDeviceTokenResponse,
    {
      access_token: "9f8e7d6c5b4a3928",
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: "0a1b",
      scope: "read write",
    },
    [["no expires_in", { access_token: "a", token_type: "Bearer" }]],
  ],
  [
    "transparenc FieldErrors",
    transparencV.vFieldErrors,
    { grant_type: ["This field is required."] },
    [["a message that is not in a list", { grant_type: "This field is required." }]],
  ],
  [
    "transparenc TokenRequest",
    transparencV.vTokenRequest,
    { grant_type: "refresh_token", client_id: "tv-app", refresh_token: "r" },
    [["an unknown grant", { grant_type: "password", client_id: "tv-app" }]],
  ],
  [
    "fakts ChallengeResponse",
    faktsV.vChallengeResponse,
    { status: "granted", token: "0f3b7c1e9a5d4f2b" },
    [
      ["granted without a token", { status: "granted" }],
      ["an unknown status", { status: "approved" }],
      ["error without its error", { status: "error", message: "x" }],
    ],
  ],
  [
    "fakts StartResponse",
    faktsV.vStartResponse,
    { status: "error", error: "Manifest is missing an identifier." },
    [["granted without a code", { status: "granted" }]],
  ],
  [
    "fakts StartRequest",
    faktsV.vStartRequest,
    {
      manifest: { identifier: "org.example", version: "1.0", logo: "https://x/logo.png" },
      requested_client_kind: "desktop",
    },
    [
      ["a manifest without a version", { manifest: { identifier: "org.example" } }],
      [
        "an unknown client kind",
        { manifest: { identifier: "a", version: "1" }, requested_client_kind: "robot" },
      ],
    ],
  ],
];

describe("generated valibot schemas", () => {
  for (const [name, schema, valid, invalid] of cases) {
    it(`${name}: accepts the spec's example`, () => {
      const result = v.safeParse(schema, valid);
      expect(result.issues).toBeUndefined();
      expect(result.success).toBe(true);
    });
    for (const [what, body] of invalid) {
      it(`${name}: refuses ${what}`, () => {
        expect(v.safeParse(schema, body).success).toBe(false);
      });
    }
  }

  // The spec models the real wire, so the generated validators (and Prism) accept what real
  // servers send: Entra v1's string numbers, GitHub's form bodies, nulls, Twitch's array scope.
  it.each([
    ["string numbers (Entra v1)", { device_code: "d", user_code: "U", verification_url: "https://x/", expires_in: "900", interval: "5" }],
    ["a float interval", { device_code: "d", user_code: "U", verification_uri: "https://x/", expires_in: 600, interval: 1.5 }],
    ["a null interval", { device_code: "d", user_code: "U", verification_uri: "https://x/", expires_in: 600, interval: null }],
    ["Entra's message", { device_code: "d", user_code: "U", verification_uri: "https://x/", expires_in: 900, message: "To sign in…" }],
  ])("rfc8628 DeviceAuthorizationResponse: accepts %s", (_, body) => {
    expect(v.safeParse(rfcV.vDeviceAuthorizationResponse, body).success).toBe(true);
  });

  it.each([
    ["no token_type", { access_token: "a" }],
    ["a string expires_in", { access_token: "a", expires_in: "3599" }],
    ["a float expires_in", { access_token: "a", expires_in: 3599.5 }],
    ["null refresh_token and scope", { access_token: "a", refresh_token: null, scope: null }],
    ["an array scope", { access_token: "a", scope: ["user:read:email", "chat:read"] }],
    ["a comma-separated scope", { access_token: "a", token_type: "bearer", scope: "repo,gist" }],
  ])("rfc8628 TokenResponse: accepts %s", (_, body) => {
    expect(v.safeParse(rfcV.vTokenResponse, body).success).toBe(true);
  });

  it("fakts StartRequest fills the spec's defaults", () => {
    const parsed = v.parse(faktsV.vStartRequest, { manifest: { identifier: "a", version: "1" } });
    expect(parsed).toEqual({
      manifest: { identifier: "a", version: "1" },
      expiration_time_seconds: 300,
      redirect_uris: [],
    });
  });

  it("transparenc DeviceTokenResponse defaults token_type to Bearer", () => {
    expect(
      v.parse(transparencV.vDeviceTokenResponse, { access_token: "a", expires_in: 1 }).token_type,
    ).toBe("Bearer");
  });
});
