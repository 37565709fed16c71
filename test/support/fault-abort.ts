/**
 * The abort suite, run once per fetch (see test/hostile/abort-*.test.ts): after an abort at any
 * point (before the start, during a sleep, during a request, while a slow body is read) the call
 * rejects with exactly `signal.reason` and leaves nothing behind: no SDK timer alive (tracked by
 * async_hooks, attributed to src/ by its creation stack), no more timers keeping the process up
 * than before, and the connection closed, as the server sees it.
 *
 * The suite is sequential on purpose: timers are tracked process-wide.
 */
import { afterAll, describe, expect, test, type TestContext } from "vitest";
import type { Provider } from "../../src/provider.ts";
import { pollForToken } from "../../src/poll.ts";
import { rfc8628 } from "../../src/providers/rfc8628.ts";
import { refreshToken } from "../../src/refresh.ts";
import type { DeviceAuthorization } from "../../src/result.ts";
import { startDeviceAuthorization } from "../../src/start.ts";
import { waitForToken } from "../../src/wait.ts";
import { activeCount, settle, watchSdkTimers } from "./fault-leaks.ts";
import {
  hang,
  json,
  startFaultServer,
  trickle,
  type FaultServer,
  type Scenario,
} from "./fault-server.ts";

type Fetch = (request: Request) => Promise<Response>;

export interface Transport {
  name: string;
  /** The fetch to inject (undefined: the global one). */
  make(ctx: TestContext): Promise<Fetch | undefined>;
  /** How long the fetch may take to close an aborted request's socket. */
  closeWithinMs: number;
  /**
   * Check the sockets all together in a last test instead of in each (for a fetch that needs
   * seconds to close them, so the waits overlap instead of adding up).
   */
  deferSocketCheck?: boolean;
}

/** Sockets still to be seen closed, per deferred suite. */
interface Deferred {
  checks: { test: string; closed: Promise<boolean> }[];
  servers: FaultServer[];
}

const PENDING = json(400, { error: "authorization_pending" });
const SLOW_BODY = trickle(
  200,
  JSON.stringify({ access_token: "a".repeat(2000), token_type: "Bearer" }),
  { bytes: 1, everyMs: 50 },
);

function authorization(interval: number): DeviceAuthorization {
  return {
    deviceCode: "abort-device-code",
    userCode: "ABCD-EFGH",
    verificationUri: "https://example.com/device",
    expiresIn: 600,
    interval,
    expiresAt: Date.now() + 600_000,
  };
}

async function serve(
  ctx: TestContext,
  routes: Record<string, Scenario>,
  deferred?: Deferred,
): Promise<FaultServer> {
  const server = await startFaultServer(routes);
  // A deferred suite closes its servers only after the last test has seen their sockets close.
  if (deferred) deferred.servers.push(server);
  else ctx.onTestFinished(() => server.close());
  return server;
}

const providerFor = (server: FaultServer, fetch: Fetch | undefined, discovery = false): Provider =>
  discovery
    ? rfc8628({ issuer: server.origin, clientId: "c", clientSecret: "s", fetch })
    : rfc8628({
        deviceAuthorizationEndpoint: `${server.origin}/device`,
        tokenEndpoint: `${server.origin}/token`,
        clientId: "c",
        clientSecret: "s",
        fetch,
      });

/**
 * Starts `call`, aborts once `when` resolves, and checks: the rejection is the reason itself, no
 * SDK timer survives, no extra timer keeps the process up, every connection is closed.
 */
async function abortCleanly(
  server: FaultServer,
  transport: Transport & { deferred?: Deferred },
  call: (signal: AbortSignal) => Promise<unknown>,
  when: () => Promise<unknown>,
): Promise<void> {
  await settle();
  const timeoutsBefore = activeCount("Timeout");
  const watch = watchSdkTimers();
  const controller = new AbortController();
  const reason = new Error("the caller gave up");
  const running = call(controller.signal);
  running.catch(() => {});
  await when();
  controller.abort(reason);
  await expect(running).rejects.toBe(reason);
  await settle();
  expect(watch.stop(), "SDK timers still alive").toEqual([]);
  const closed = server.allClosed(transport.closeWithinMs);
  if (transport.deferred) {
    transport.deferred.checks.push({ test: expect.getState().currentTestName ?? "", closed });
  } else {
    expect(await closed, "a connection stayed open").toBe(true);
  }
  await settle();
  expect(activeCount("Timeout")).toBeLessThanOrEqual(timeoutsBefore);
}

const delay = (ms: number) => () => new Promise((resolve) => setTimeout(resolve, ms));

export function abortSuite(options: Transport): void {
  const deferred: Deferred | undefined = options.deferSocketCheck
    ? { checks: [], servers: [] }
    : undefined;
  const transport = { ...options, deferred };
  afterAll(async () => {
    await Promise.all(deferred?.servers.map((s) => s.close()) ?? []);
  });
  describe(`abort with ${transport.name}`, () => {
    test("before the start: every call rejects with the reason and sends nothing", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/device": PENDING, "/token": PENDING }, deferred);
      const reason = new Error("aborted before the start");
      const signal = AbortSignal.abort(reason);
      for (const discovery of [false, true]) {
        const provider = providerFor(server, fetch, discovery);
        await expect(startDeviceAuthorization(provider, { signal })).rejects.toBe(reason);
        await expect(pollForToken(provider, authorization(1), { signal })).rejects.toBe(reason);
        await expect(waitForToken(provider, authorization(1), { signal })).rejects.toBe(reason);
        await expect(refreshToken(provider, "abort-refresh-token", { signal })).rejects.toBe(
          reason,
        );
      }
      expect(server.connections()).toBe(0);
    });

    test("during the first sleep, before any request", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/token": PENDING }, deferred);
      await abortCleanly(
        server,
        transport,
        (signal) => waitForToken(providerFor(server, fetch), authorization(5), { signal }),
        delay(100),
      );
      expect(server.requests).toHaveLength(0);
    });

    test("during a later sleep, after a pending answer", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/token": PENDING }, deferred);
      await abortCleanly(
        server,
        transport,
        (signal) => waitForToken(providerFor(server, fetch), authorization(1), { signal }),
        async () => {
          await server.whenRequested(1);
          await delay(200)();
        },
      );
      expect(server.requests).toHaveLength(1);
    });

    test("during an in-flight token request", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/token": hang() }, deferred);
      await abortCleanly(
        server,
        transport,
        (signal) => waitForToken(providerFor(server, fetch), authorization(1), { signal }),
        async () => {
          await server.whenRequested(1);
          await delay(50)();
        },
      );
    });

    test("while a slow body is being read", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/token": SLOW_BODY }, deferred);
      await abortCleanly(
        server,
        transport,
        (signal) => pollForToken(providerFor(server, fetch), authorization(1), { signal }),
        async () => {
          await server.whenRequested(1);
          await delay(300)();
        },
      );
      // It was cut off mid-body: the server never got to send all of it.
      expect(server.bytesWritten()).toBeLessThan(2000);
    });

    test("during an in-flight device authorization request", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/device": hang() }, deferred);
      await abortCleanly(
        server,
        transport,
        (signal) => startDeviceAuthorization(providerFor(server, fetch), { signal }),
        () => server.whenRequested(1),
      );
    });

    test("during discovery (RFC 8414 metadata request)", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(
        ctx,
        { "/.well-known/oauth-authorization-server": hang() },
        deferred,
      );
      await abortCleanly(
        server,
        transport,
        (signal) => startDeviceAuthorization(providerFor(server, fetch, true), { signal }),
        () => server.whenRequested(1),
      );
    });

    test("during an in-flight refresh", async (ctx) => {
      const fetch = await transport.make(ctx);
      const server = await serve(ctx, { "/token": hang() }, deferred);
      await abortCleanly(
        server,
        transport,
        (signal) => refreshToken(providerFor(server, fetch), "abort-refresh-token", { signal }),
        () => server.whenRequested(1),
      );
    });

    if (deferred) {
      test(`every aborted connection was closed by the fetch within ${transport.closeWithinMs} ms`, async () => {
        const results = await Promise.all(
          deferred.checks.map(async (c) => [c.test, await c.closed] as const),
        );
        expect(results.length).toBeGreaterThan(0);
        expect(results.filter(([, closed]) => !closed).map(([name]) => name)).toEqual([]);
      });
    }
  });
}
