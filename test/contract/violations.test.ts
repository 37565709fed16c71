/**
 * The guard every contract test relies on bites: a request that breaks its spec, an answer Prism
 * invents (unknown example, undocumented status) and an example that breaks its own schema are
 * all caught — even when the SDK's result alone looks plausible (Trakt's 400 is "pending").
 */
import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { paths as TransparencPaths } from "../../generated/transparenc/schema.ts";
import { pollForToken, rfc8628, startDeviceAuthorization, trakt } from "../../src/index.ts";
import { mockUrl } from "../support/prism-context.ts";
import { prismFetch } from "../support/prism-fetch.ts";
import { startPrism, type PrismMock } from "../support/prism-server.ts";

const traktHeaders = {
  "content-type": "application/json",
  "trakt-api-version": "2",
  "trakt-api-key": "contract-client",
};

describe("a request that breaks its spec", () => {
  it("Trakt token request without client_secret: a 400 that looks like pending, with sl-violations", async () => {
    const recorder = prismFetch();
    const response = await recorder.fetch(
      new Request(`${mockUrl("trakt")}/oauth/device/token`, {
        method: "POST",
        headers: traktHeaders,
        body: JSON.stringify({ code: "d9c126a7", client_id: "contract-client" }),
      }),
    );

    expect(response.status).toBe(400);
    expect(response.headers.get("sl-violations")).toContain("client_secret");
    expect(recorder.problems()).toEqual([expect.stringContaining("sl-violations")]);
  });

  it("through the SDK: pollForToken says pending, and only the violation check tells it was refused", async () => {
    const recorder = prismFetch();
    // An empty secret breaks the spec's minLength: Prism answers the spec's 400, Trakt's "pending".
    const provider = trakt({
      clientId: "contract-client",
      clientSecret: "",
      baseUrl: mockUrl("trakt"),
      fetch: recorder.fetch,
    });
    const authorization = await startDeviceAuthorization(provider);

    await expect(pollForToken(provider, authorization)).resolves.toEqual({ status: "pending" });
    expect(recorder.problems()).toEqual([
      expect.stringMatching(/oauth\/device\/token → 400: sl-violations .*client_secret/),
    ]);
  });

  it("a form body sent as JSON: 415 with sl-violations", async () => {
    const recorder = prismFetch();
    const client = createClient<TransparencPaths>({
      baseUrl: mockUrl("transparenc"),
      fetch: recorder.fetch,
    });
    // No bodySerializer: openapi-fetch sends JSON, which the spec does not accept.
    const { response } = await client.POST("/api/v1/oauth/token/", {
      body: { grant_type: "refresh_token", client_id: "contract-client", refresh_token: "r" },
    });

    expect(response.status).toBe(415);
    expect(response.headers.get("sl-violations")).toContain("application/x-www-form-urlencoded");
    expect(recorder.problems()).toHaveLength(1);
  });

  it("an RFC 8628 token request without grant_type: a 400 pending example, with sl-violations", async () => {
    const recorder = prismFetch();
    const response = await recorder.fetch(
      new Request(`${mockUrl("rfc8628")}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          device_code: "GmRhmhcxhwAzkoEqiMEg",
          client_id: "contract-client",
        }),
      }),
    );

    expect(response.status).toBe(400);
    expect(recorder.problems()).toEqual([expect.stringContaining("sl-violations")]);
  });
});

describe("an answer the spec does not document", () => {
  it("an unknown example name: Prism's own 404, which discovery would take for 'not here'", async () => {
    const recorder = prismFetch({
      prefer: (path) =>
        path === "/.well-known/oauth-authorization-server" ? "example=no_such_example" : "code=200",
      rewrite: { "https://auth.example.org": mockUrl("rfc8628") },
    });
    const provider = rfc8628({
      issuer: "https://auth.example.org",
      clientId: "contract-client",
      fetch: recorder.fetch,
    });

    // The SDK falls back to OpenID Connect Discovery and succeeds: nothing looks wrong...
    await expect(startDeviceAuthorization(provider)).resolves.toMatchObject({
      userCode: "WDJB-MJHT",
    });
    // ...but the first answer was Prism's, not the spec's.
    expect(recorder.problems()).toEqual([
      expect.stringMatching(/oauth-authorization-server → 404: Prism's own problem/),
    ]);
  });

  it("an undocumented status: Prism's own 404, not the status asked for", async () => {
    const recorder = prismFetch({ prefer: () => "code=503" });
    const response = await recorder.fetch(
      new Request(`${mockUrl("fakts")}/challenge/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: "6c1f2a9b" }),
      }),
    );

    expect(response.status).toBe(404);
    expect(recorder.problems()).toEqual([
      expect.stringContaining("Prism's own problem"),
      expect.stringContaining("asked Prism for 503"),
    ]);
  });
});

describe("an example that breaks its own schema", () => {
  let broken: PrismMock;
  beforeAll(async () => {
    // Same configuration as the spec mocks; `expires_in` must be an integer.
    broken = await startPrism({
      openapi: "3.1.0",
      info: { title: "broken example", version: "1" },
      paths: {
        "/device_authorization": {
          post: {
            responses: {
              "200": {
                description: "A device authorization with a wrong example.",
                content: {
                  "application/json": {
                    schema: {
                      type: "object",
                      required: ["device_code", "expires_in"],
                      properties: {
                        device_code: { type: "string" },
                        expires_in: { type: "integer" },
                      },
                    },
                    examples: { wrong: { value: { device_code: "abc", expires_in: "soon" } } },
                  },
                },
              },
            },
          },
        },
      },
    });
  });
  afterAll(() => broken.close());

  it("is a 500 with sl-violations, never served as if it were valid", async () => {
    const recorder = prismFetch();
    const response = await recorder.fetch(
      new Request(`${broken.url}/device_authorization`, { method: "POST" }),
    );

    expect(response.status).toBe(500);
    expect(response.headers.get("sl-violations")).toContain("expires_in");
    expect(recorder.problems()).toEqual([
      expect.stringContaining("sl-violations"),
      expect.stringContaining("Prism's own problem"),
    ]);
  });
});
