/**
 * A device code nobody approves, on a server whose codes live 8 s: the SDK polls once (pending,
 * after the default 5 s interval), sees the next poll would fall after `expires_in`, and ends with
 * `expired` without asking again (RFC 8628 §3.2, §3.5). Asked after the lapse anyway, the real
 * server answers `expired_token`, which the SDK also reads as `expired`.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  pollForToken,
  rfc8628,
  startDeviceAuthorization,
  waitForToken,
  type PollResult,
} from "../../src/index.ts";
import { startValidatedServer, type ValidatedServer } from "../support/oidc-e2e.ts";

// One poll fits (at 5 s), with 3 s to spare on a busy machine before the server's expiry.
const TTL_S = 8;
let rig: ValidatedServer;

beforeAll(async () => {
  rig = await startValidatedServer({ deviceCodeTtl: TTL_S });
});

afterAll(async () => {
  await rig?.close();
});

it("a code left to lapse gives expired, from the SDK's clock and from the server", async () => {
  const sdk = rig.sdkFetch();
  const provider = rfc8628({
    issuer: rig.issuer,
    clientId: rig.server.publicClient.clientId,
    fetch: sdk.fetch,
  });
  const authorization = await startDeviceAuthorization(provider, { scope: "openid" });
  expect(authorization.expiresIn).toBe(TTL_S);

  const polls: PollResult[] = [];
  const result = await waitForToken(provider, authorization, {
    onPoll: (poll) => polls.push(poll),
  });
  expect(result).toEqual({ status: "expired" });
  expect(polls).toEqual([{ status: "pending" }]);
  expect(Date.now()).toBeGreaterThanOrEqual(authorization.expiresAt);

  // The server counts in whole seconds: wait until its clock has passed the expiry too.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const late = await pollForToken(provider, authorization);
  expect(late).toMatchObject({ status: "expired" });
  expect(sdk.exchanges.at(-1)).toMatchObject({ path: "/token", status: 400 });

  expect(sdk.problems()).toEqual([]);
  console.info(
    `e2e expiry: ${sdk.exchanges.length} SDK requests validated by the Prism proxy, 0 violations`,
  );
});
