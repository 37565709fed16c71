/**
 * Secrets are readable and serialisable, but never shown by console.log or util.inspect: a token
 * logged by accident does not end up in a log file.
 */
import { Console } from "node:console";
import { Writable } from "node:stream";
import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  pollForToken,
  startDeviceAuthorization,
  type DeviceAuthorization,
  type TokenSet,
} from "../../src/index.ts";
import { json, scriptedFetch } from "../support/fake-fetch.ts";
import { authorizationAt, rfcProvider } from "../support/fixtures.ts";

const ACCESS = "secret-access-token-AAAA";
const REFRESH = "secret-refresh-token-RRRR";
const ID_TOKEN = "secret-id-token-IIII";
const DEVICE_CODE = "secret-device-code-DDDD";

async function issuedToken(): Promise<TokenSet> {
  const fake = scriptedFetch([
    json(200, {
      access_token: ACCESS,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: REFRESH,
      id_token: ID_TOKEN,
      scope: "openid",
    }),
  ]);
  const result = await pollForToken(rfcProvider(fake), authorizationAt(Date.now()));
  if (result.status !== "authorized") throw new Error(`expected authorized, got ${result.status}`);
  return result.token;
}

async function startedAuthorization(): Promise<DeviceAuthorization> {
  const fake = scriptedFetch([
    json(200, {
      device_code: DEVICE_CODE,
      user_code: "WDJB-MJHT",
      verification_uri: "https://auth.example.org/device",
      expires_in: 600,
    }),
  ]);
  return startDeviceAuthorization(rfcProvider(fake));
}

/** What console.log really writes, captured from a Console on a memory stream. */
function consoleOutput(...values: unknown[]): string {
  let written = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  new Console({ stdout: stream, colorMode: false }).log(...values);
  return written;
}

const renderings: [string, (value: unknown) => string][] = [
  ["util.inspect", (value) => inspect(value)],
  ["util.inspect, deep", (value) => inspect(value, { depth: Infinity, showHidden: false })],
  ["format('%o')", (value) => format("%o", value)],
  ["format('%O')", (value) => format("%O", value)],
  ["format('%s')", (value) => format("%s", value)],
  ["console.log", (value) => consoleOutput(value)],
  [
    "console.log nested in a result",
    (value) => consoleOutput({ status: "authorized", token: value }),
  ],
  ["console.log in an array", (value) => consoleOutput([value])],
];

describe("a TokenSet", () => {
  for (const [name, render] of renderings) {
    it(`${name} shows no secret`, async () => {
      const shown = render(await issuedToken());
      for (const secret of [ACCESS, REFRESH, ID_TOKEN]) expect(shown).not.toContain(secret);
    });
  }

  it("inspect marks each secret as [redacted] and still shows the harmless fields", async () => {
    const shown = inspect(await issuedToken());
    expect(shown).toMatch(/accessToken: '\[redacted\]'/);
    expect(shown).toMatch(/refreshToken: '\[redacted\]'/);
    expect(shown).toMatch(/idToken: '\[redacted\]'/);
    expect(shown).toMatch(/raw: '\[redacted\]'/);
    expect(shown).toContain("tokenType: 'Bearer'");
    expect(shown).toContain("scope: 'openid'");
    expect(shown).toContain("expiresIn: 3600");
  });

  it("console.log writes [redacted]", async () => {
    expect(consoleOutput(await issuedToken())).toContain("[redacted]");
  });

  it("property reads return the real values", async () => {
    const token = await issuedToken();
    expect(token.accessToken).toBe(ACCESS);
    expect(token.refreshToken).toBe(REFRESH);
    expect(token.idToken).toBe(ID_TOKEN);
    expect(token.raw.access_token).toBe(ACCESS);
  });

  it("JSON.stringify keeps every secret", async () => {
    const serialised = JSON.stringify(await issuedToken());
    for (const secret of [ACCESS, REFRESH, ID_TOKEN]) expect(serialised).toContain(secret);
    expect(JSON.parse(serialised)).toMatchObject({
      accessToken: ACCESS,
      refreshToken: REFRESH,
      idToken: ID_TOKEN,
    });
    expect(serialised).not.toContain("[redacted]");
  });

  it("a refresh token kept from before is redacted too", async () => {
    const token = await issuedToken();
    token.refreshToken = "kept-refresh-token-KKKK";
    expect(inspect(token)).not.toContain("kept-refresh-token-KKKK");
  });

  it("the redaction hook is not enumerable: a copy is plain data", async () => {
    const token = await issuedToken();
    const hook = Symbol.for("nodejs.util.inspect.custom");
    expect(Object.getOwnPropertySymbols(token)).toContain(hook);
    expect(Object.prototype.propertyIsEnumerable.call(token, hook)).toBe(false);
    expect(Object.getOwnPropertySymbols({ ...token })).toEqual([]);
  });
});

describe("a DeviceAuthorization", () => {
  for (const [name, render] of renderings) {
    it(`${name} shows no device code`, async () => {
      expect(render(await startedAuthorization())).not.toContain(DEVICE_CODE);
    });
  }

  it("inspect redacts the device code and shows what the user needs", async () => {
    const shown = inspect(await startedAuthorization());
    expect(shown).toMatch(/deviceCode: '\[redacted\]'/);
    expect(shown).toContain("WDJB-MJHT");
    expect(shown).toContain("https://auth.example.org/device");
  });

  it("JSON.stringify and property reads keep the device code", async () => {
    const authorization = await startedAuthorization();
    expect(authorization.deviceCode).toBe(DEVICE_CODE);
    expect(JSON.stringify(authorization)).toContain(DEVICE_CODE);
  });
});
