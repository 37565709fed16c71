/**
 * Issue 12: one test per defect an outside review reproduced, each through the public API. Every
 * test here failed on the code before the fix (583ea41) and passes after it.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  fakts,
  pollForToken,
  rfc8628,
  startDeviceAuthorization,
  trakt,
  transparenc,
  waitForToken,
  type DeviceAuthorization,
  type Provider,
} from "../../src/index.ts";
import { virtualClock } from "../support/fault-clock.ts";
import { authorizationAt } from "../support/fixtures.ts";

const ISSUER = "https://as.example";
const METADATA = {
  issuer: ISSUER,
  device_authorization_endpoint: `${ISSUER}/device`,
  token_endpoint: `${ISSUER}/token`,
};
const DEVICE_ANSWER = {
  device_code: "dc-hardening",
  user_code: "WDJB-MJHT",
  verification_uri: `${ISSUER}/activate`,
  expires_in: 600,
  interval: 1,
};
const TOKEN = { access_token: "at-hardening", token_type: "Bearer", expires_in: 3600 };

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * An RFC 8628 server whose discovery document is held back until `release()`, so a caller can
 * abort while discovery is in flight. Discovery ignores its request's signal on purpose: what is
 * tested is the SDK's own sharing, not the fetch's abort handling.
 */
function slowDiscoveryServer() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const paths: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    paths.push(pathname);
    if (pathname.startsWith("/.well-known/")) {
      await released;
      return jsonResponse(200, METADATA);
    }
    if (pathname === "/device") return jsonResponse(200, DEVICE_ANSWER);
    if (pathname === "/token") return jsonResponse(200, TOKEN);
    return jsonResponse(404, { error: "not_found" });
  };
  return { fetch, release, paths };
}

/** Lets pending promise callbacks (and the injected fetch's first await) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("defect 1: one caller's abort during discovery leaves the other callers alone", () => {
  async function firstCallerAborts(
    server: ReturnType<typeof slowDiscoveryServer>,
    provider: Provider,
  ) {
    const first = new AbortController();
    const reason = new Error("first caller gave up");
    const firstCall = startDeviceAuthorization(provider, { signal: first.signal });
    await settle(); // discovery is in flight, started by the first caller
    return {
      abort: async () => {
        first.abort(reason);
        await expect(firstCall).rejects.toBe(reason);
      },
    };
  }

  it("pollForToken of a second caller without a signal gets the token, not internal_error", async () => {
    const server = slowDiscoveryServer();
    const provider = rfc8628({ issuer: ISSUER, clientId: "c", fetch: server.fetch });
    const first = await firstCallerAborts(server, provider);
    const second = pollForToken(provider, authorizationAt(Date.now(), { interval: 1 }));
    await settle();
    await first.abort();
    server.release();
    const result = await second;
    expect(result).toMatchObject({
      status: "authorized",
      token: { accessToken: TOKEN.access_token },
    });
  });

  it("startDeviceAuthorization of a second caller resolves instead of rejecting with a plain Error", async () => {
    const server = slowDiscoveryServer();
    const provider = rfc8628({ issuer: ISSUER, clientId: "c", fetch: server.fetch });
    const first = await firstCallerAborts(server, provider);
    const second = startDeviceAuthorization(provider);
    await settle();
    await first.abort();
    server.release();
    await expect(second).resolves.toMatchObject({ deviceCode: DEVICE_ANSWER.device_code });
  });

  it("waitForToken of a second caller (a resumed flow) is authorized", async () => {
    const server = slowDiscoveryServer();
    const provider = rfc8628({ issuer: ISSUER, clientId: "c", fetch: server.fetch });
    const first = await firstCallerAborts(server, provider);
    const clock = virtualClock();
    const saved: DeviceAuthorization = {
      deviceCode: "dc-saved",
      userCode: "ABCD-EFGH",
      verificationUri: `${ISSUER}/activate`,
      expiresIn: 600,
      interval: 1,
      expiresAt: clock.now() + 600_000,
    };
    // The virtual clock makes the one-interval wait instant; discovery is still held back.
    const waiting = waitForToken(provider, saved, { clock });
    await settle();
    await first.abort();
    server.release();
    await expect(waiting).resolves.toMatchObject({ status: "authorized" });
  });
});

/** Every factory, with the given transport options. */
const FACTORIES: [
  string,
  (options: { timeout?: number; maxResponseBytes?: number }) => Provider,
][] = [
  [
    "rfc8628",
    (o) =>
      rfc8628({
        deviceAuthorizationEndpoint: `${ISSUER}/device`,
        tokenEndpoint: `${ISSUER}/token`,
        clientId: "c",
        ...o,
      }),
  ],
  ["trakt", (o) => trakt({ clientId: "c", clientSecret: "s", ...o })],
  [
    "transparenc",
    (o) =>
      transparenc({ baseUrl: ISSUER, clientId: "c", deviceType: "tv", deviceOs: "linux", ...o }),
  ],
  [
    "fakts",
    (o) => fakts({ baseUrl: `${ISSUER}/f/`, manifest: { identifier: "i", version: "1" }, ...o }),
  ],
];

function configurationError(make: () => unknown): ConfigurationError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError, the factory returned a provider");
}

describe("defect 2: option values that would make every request fail or drop a guard", () => {
  it.each([0, -1, -Infinity, Number.NaN, 0.5, 2 ** 31, 1e12])(
    "timeout %s is refused by every factory as invalid_option naming the option",
    (timeout) => {
      for (const [, make] of FACTORIES) {
        const error = configurationError(() => make({ timeout }));
        expect(error.code).toBe("invalid_option");
        expect(error.message).toMatch(/^timeout must be .* from 1 to 2147483647/);
      }
    },
  );

  it.each([0, -1, Number.NaN, 1.5, -Infinity])(
    "maxResponseBytes %s is refused by every factory as invalid_option",
    (maxResponseBytes) => {
      for (const [, make] of FACTORIES) {
        const error = configurationError(() => make({ maxResponseBytes }));
        expect(error.code).toBe("invalid_option");
        expect(error.message).toMatch(/^maxResponseBytes must be/);
      }
    },
  );

  it("timeout: Infinity means no timeout: a slow answer still arrives", async () => {
    const provider = rfc8628({
      deviceAuthorizationEndpoint: `${ISSUER}/device`,
      tokenEndpoint: `${ISSUER}/token`,
      clientId: "c",
      timeout: Infinity,
      // Slower than the 1 ms timer Node makes of setTimeout(Infinity).
      fetch: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return jsonResponse(200, TOKEN);
      },
    });
    const result = await pollForToken(provider, authorizationAt(Date.now()));
    expect(result.status).toBe("authorized");
  });

  it("the largest timer (2^31−1 ms) is accepted, and a small maxResponseBytes still caps", async () => {
    const provider = rfc8628({
      deviceAuthorizationEndpoint: `${ISSUER}/device`,
      tokenEndpoint: `${ISSUER}/token`,
      clientId: "c",
      timeout: 2 ** 31 - 1,
      maxResponseBytes: 16,
      fetch: async () => jsonResponse(200, TOKEN),
    });
    const result = await pollForToken(provider, authorizationAt(Date.now()));
    expect(result).toMatchObject({
      status: "error",
      error: "response_too_large",
      retryable: false,
    });
  });
});

describe("defect 6a: a body that is not JSON keeps the answer's HTTP status", () => {
  const rfc = (body: string, status: number) =>
    rfc8628({
      deviceAuthorizationEndpoint: `${ISSUER}/device`,
      tokenEndpoint: `${ISSUER}/token`,
      clientId: "c",
      fetch: async () =>
        new Response(body, { status, headers: { "content-type": "application/json" } }),
    });

  it.each([
    [200, '{"access_token": "at", "token_ty', false],
    [400, '{"error": "authorization_pen', false],
    [503, "<html>Service Unavailable</html>", true],
  ] as const)(
    "poll: HTTP %i with an unparseable body → error with httpStatus",
    async (status, body, retryable) => {
      const result = await pollForToken(rfc(body, status), authorizationAt(Date.now()));
      expect(result).toMatchObject({ status: "error", httpStatus: status, retryable });
    },
  );

  it("start: HTTP 200 with truncated JSON → ResponseError invalid_response with httpStatus 200", async () => {
    await expect(
      startDeviceAuthorization(rfc('{"device_code": "dc", "user_', 200)),
    ).rejects.toMatchObject({
      name: "ResponseError",
      code: "invalid_response",
      httpStatus: 200,
    });
  });
});

describe("defect 6b: invalid_url never echoes the URL's userinfo", () => {
  const PASSWORD = "hunter2-userinfo-secret";
  const BAD = [
    `https://alice:${PASSWORD}@exa mple.com/device`,
    `https://alice:${PASSWORD}@[not-an-ip]/`,
    `//alice:${PASSWORD}@as.example/token`,
  ];

  it.each(BAD)("rfc8628 endpoint %s", (url) => {
    const error = configurationError(() =>
      rfc8628({
        deviceAuthorizationEndpoint: url,
        tokenEndpoint: `${ISSUER}/token`,
        clientId: "c",
      }),
    );
    expect(error.code).toBe("invalid_url");
    for (const shown of [
      error.message,
      String(error.stack),
      inspect(error),
      JSON.stringify(error),
    ]) {
      expect(shown).not.toContain(PASSWORD);
    }
    expect(error.message).toContain("[redacted]@");
  });

  it.each(BAD)("issuer, and every adapter's baseUrl: %s", (url) => {
    const makers = [
      () => rfc8628({ issuer: url, clientId: "c" }),
      () => trakt({ clientId: "c", clientSecret: "s", baseUrl: url }),
      () => transparenc({ baseUrl: url, clientId: "c", deviceType: "tv", deviceOs: "linux" }),
      () => fakts({ baseUrl: url, manifest: { identifier: "i", version: "1" } }),
    ];
    for (const make of makers) {
      let message = "";
      try {
        make();
        // An adapter that checks its URL at the first request instead: the request says it.
      } catch (error) {
        message = `${String(error)} ${inspect(error)}`;
      }
      expect(message).not.toContain(PASSWORD);
    }
  });
});

describe("defect 6c: escape sequences in server text leave no printable remnant", () => {
  it.each([
    ["\u001b]0;pwned\u0007", "]0;pwned"],
    ["\u001b]0;pwned\u001b\\", "]0;pwned"],
    ["\u001b[2J\u001b[31mred", "[2J"],
    ["\u009b2J", "2J"],
  ])("error_description %j", async (sequence, remnant) => {
    const provider = rfc8628({
      deviceAuthorizationEndpoint: `${ISSUER}/device`,
      tokenEndpoint: `${ISSUER}/token`,
      clientId: "c",
      fetch: async () =>
        jsonResponse(400, {
          error: "access_denied",
          error_description: `before ${sequence} after`,
        }),
    });
    const result = await pollForToken(provider, authorizationAt(Date.now()));
    expect(result.status).toBe("denied");
    const description = (result as { description?: string }).description ?? "";
    expect(description).not.toContain(remnant);
    expect(description).toMatch(/^before .*after$/);
  });
});
