/**
 * A DeviceAuthorization is plain JSON: started by one provider instance, saved, and polled to the
 * end by a new instance (another process, after a restart) that never saw the start.
 */
import { describe, expect, it } from "vitest";
import {
  pollForToken,
  startDeviceAuthorization,
  waitForToken,
  type DeviceAuthorization,
  type Provider,
} from "../../src/index.ts";
import { FakeClock } from "../support/fake-clock.ts";
import {
  form,
  json,
  jsonBody,
  scriptedFetch,
  type Reply,
  type ScriptedFetch,
} from "../support/fake-fetch.ts";
import {
  faktsProvider,
  rfcProvider,
  traktProvider,
  transparencProvider,
} from "../support/fixtures.ts";

interface Case {
  name: string;
  make: (fake: ScriptedFetch) => Provider;
  start: Reply;
  token: Reply;
  /** The device code the new instance must send. */
  sentCode: (fake: ScriptedFetch) => unknown;
}

const cases: Case[] = [
  {
    name: "rfc8628",
    make: (fake) => rfcProvider(fake),
    start: json(200, {
      device_code: "rfc-device-code",
      user_code: "WDJB-MJHT",
      verification_uri: "https://auth.example.org/device",
      verification_uri_complete: "https://auth.example.org/device?user_code=WDJB-MJHT",
      expires_in: 1800,
      interval: 5,
    }),
    token: json(200, { access_token: "rfc-at", token_type: "Bearer" }),
    sentCode: (fake) => fake.requests[0] && form(fake.requests[0]).device_code,
  },
  {
    name: "trakt",
    make: (fake) => traktProvider(fake),
    start: json(200, {
      device_code: "trakt-device-code",
      user_code: "5055CC52",
      verification_url: "https://trakt.tv/activate",
      expires_in: 600,
      interval: 5,
    }),
    token: json(200, { access_token: "trakt-at", token_type: "bearer", created_at: 1 }),
    sentCode: (fake) => fake.requests[0] && (jsonBody(fake.requests[0]) as { code: string }).code,
  },
  {
    name: "transparenc",
    make: (fake) => transparencProvider(fake),
    start: json(200, {
      device_code: "tr-device-code",
      user_code: "KQZB-7T4M",
      verification_uri: "https://transparenc.example.org/device",
      expires_in: 600,
      interval: 5,
    }),
    token: json(200, { access_token: "tr-at", token_type: "Bearer", expires_in: 3600 }),
    sentCode: (fake) => fake.requests[0] && form(fake.requests[0]).device_code,
  },
  {
    name: "fakts",
    make: (fake) => faktsProvider(fake),
    start: json(200, { status: "granted", code: "fakts-code" }),
    token: json(200, { status: "granted", token: "fakts-at" }),
    sentCode: (fake) => fake.requests[0] && (jsonBody(fake.requests[0]) as { code: string }).code,
  },
];

describe("resuming a saved flow with a new provider instance", () => {
  for (const { name, make, start, token, sentCode } of cases) {
    it(`${name}: start, JSON round trip, poll elsewhere → authorized`, async () => {
      const first = scriptedFetch([start]);
      const started = await startDeviceAuthorization(make(first));
      const saved = JSON.stringify(started);
      const resumed = JSON.parse(saved) as DeviceAuthorization;
      expect(resumed).toEqual({ ...started });

      const second = scriptedFetch([token]);
      const result = await pollForToken(make(second), resumed);
      expect(result.status).toBe("authorized");
      expect(sentCode(second)).toBe(started.deviceCode);
      expect(first.requests).toHaveLength(1);
      expect(second.requests).toHaveLength(1);
    });
  }

  it("the saved form keeps every field, the device code included", async () => {
    const fake = scriptedFetch([cases[0]?.start ?? json(500, {})]);
    const started = await startDeviceAuthorization(rfcProvider(fake));
    expect(JSON.parse(JSON.stringify(started))).toEqual({
      deviceCode: "rfc-device-code",
      userCode: "WDJB-MJHT",
      verificationUri: "https://auth.example.org/device",
      verificationUriComplete: "https://auth.example.org/device?user_code=WDJB-MJHT",
      expiresIn: 1800,
      interval: 5,
      expiresAt: started.expiresAt,
    });
  });

  it("waitForToken on a resumed flow keeps the saved deadline", async () => {
    const clock = new FakeClock({ start: Date.now() });
    const first = scriptedFetch([cases[0]?.start ?? json(500, {})]);
    const started = await startDeviceAuthorization(rfcProvider(first));
    const resumed = JSON.parse(JSON.stringify(started)) as DeviceAuthorization;

    const second = scriptedFetch(
      [
        json(400, { error: "authorization_pending" }),
        json(200, { access_token: "a", token_type: "Bearer" }),
      ],
      {
        clock,
      },
    );
    const result = await waitForToken(rfcProvider(second), resumed, { clock });
    expect(result.status).toBe("authorized");
    expect(second.requests).toHaveLength(2);
    for (const request of second.requests) expect(request.at).toBeLessThan(resumed.expiresAt);
  });
});
