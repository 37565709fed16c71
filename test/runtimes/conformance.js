// The runtime conformance run: the BUILT bundle (dist/index.js), plain JavaScript, no runtime
// APIs beyond fetch, URL, AbortSignal and timers. Node, Deno, Bun, workerd and Chromium each
// import this module and call runConformance(issuer) against the loopback authorization server
// of test/runtimes/server.ts; run.ts prints the matrix.
import {
  ConfigurationError,
  pollForToken,
  refreshToken,
  rfc8628,
  startDeviceAuthorization,
  waitForToken,
} from "../../dist/index.js";

/** Public client and confidential client the loopback server knows (server.ts). */
const PUBLIC_CLIENT = "conformance";
const CONFIDENTIAL = {
  clientId: "confidential",
  clientSecret: "s3cret",
  clientAuth: "client_secret_basic",
};

/** A clock whose timers fire at once: waitForToken's schedule without the waiting. */
const instantClock = {
  now: () => Date.now(),
  setTimeout: (callback) => setTimeout(callback, 0),
  clearTimeout: (handle) => clearTimeout(handle),
  random: () => 0.5,
};

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const summary = (value) => JSON.stringify(value, (key, v) => (key === "raw" ? undefined : v));

/**
 * Runs every check against the authorization server at `issuer` (RFC 8414 discovery first).
 * Resolves to `{ checks: [{ name, ok, detail? }] }`; never rejects.
 */
export async function runConformance(issuer) {
  const checks = [];
  async function check(name, body) {
    try {
      await body();
      checks.push({ name, ok: true });
    } catch (error) {
      checks.push({
        name,
        ok: false,
        detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }

  const provider = rfc8628({ issuer, clientId: PUBLIC_CLIENT, timeout: 10_000 });
  let authorization;

  await check("startDeviceAuthorization (RFC 8414 discovery, §3.1)", async () => {
    authorization = await startDeviceAuthorization(provider, { scope: "openid profile" });
    expect(authorization.userCode.length > 0, `no user code: ${summary(authorization)}`);
    expect(
      authorization.verificationUri.startsWith(issuer),
      `verificationUri ${authorization.verificationUri}`,
    );
    expect(
      authorization.interval === 1 && authorization.expiresAt > Date.now(),
      `timing ${summary(authorization)}`,
    );
    expect(
      JSON.parse(JSON.stringify(authorization)).deviceCode === authorization.deviceCode,
      "not JSON data",
    );
  });

  await check("pollForToken → pending (authorization_pending)", async () => {
    const result = await pollForToken(provider, authorization);
    expect(result.status === "pending", summary(result));
  });

  await check("pollForToken → slow_down (interval + 5 s)", async () => {
    const result = await pollForToken(provider, authorization);
    expect(
      result.status === "slow_down" && result.interval === authorization.interval + 5,
      summary(result),
    );
  });

  let token;
  await check("pollForToken → authorized", async () => {
    const result = await pollForToken(provider, authorization);
    expect(result.status === "authorized", summary(result));
    token = result.token;
    expect(token.accessToken.startsWith("at-") && token.tokenType === "Bearer", summary(token));
    expect(
      typeof token.expiresAt === "number" && token.refreshToken?.startsWith("rt-"),
      summary(token),
    );
  });

  await check("pollForToken → denied (access_denied)", async () => {
    const denied = await startDeviceAuthorization(provider, { scope: "deny" });
    const result = await pollForToken(provider, denied);
    expect(result.status === "denied", summary(result));
  });

  await check("pollForToken → error (invalid_client, HTTP 401, not retryable)", async () => {
    const confidential = rfc8628({ issuer, ...CONFIDENTIAL, timeout: 10_000 });
    const started = await startDeviceAuthorization(confidential);
    const wrongSecret = rfc8628({
      issuer,
      ...CONFIDENTIAL,
      clientSecret: "wrong",
      timeout: 10_000,
    });
    const result = await pollForToken(wrongSecret, started);
    expect(
      result.status === "error" &&
        result.error === "invalid_client" &&
        result.httpStatus === 401 &&
        !result.retryable,
      summary(result),
    );
  });

  await check("waitForToken: pending → slow_down → authorized", async () => {
    const started = await startDeviceAuthorization(provider);
    const seen = [];
    const result = await waitForToken(provider, started, {
      clock: instantClock,
      onPoll: (r) => seen.push(r.status),
    });
    expect(result.status === "authorized", summary(result));
    expect(seen.join() === "pending,slow_down,authorized", `polls: ${seen.join()}`);
  });

  await check("waitForToken rejects with the signal's reason on abort", async () => {
    const started = await startDeviceAuthorization(provider);
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 50);
    const outcome = await waitForToken(provider, started, { signal: controller.signal }).then(
      (result) => ({ result }),
      (error) => ({ error }),
    );
    expect(outcome.error === reason, `expected the abort reason, got ${summary(outcome)}`);
  });

  await check("refreshToken → authorized", async () => {
    expect(token, "no token from the earlier check");
    const result = await refreshToken(provider, token.refreshToken);
    expect(
      result.status === "authorized" && result.token.accessToken !== token.accessToken,
      summary(result),
    );
  });

  await check("plain http to a non-loopback host is refused", async () => {
    let thrown;
    try {
      rfc8628({ issuer: "http://auth.example.com", clientId: PUBLIC_CLIENT });
    } catch (error) {
      thrown = error;
    }
    expect(thrown instanceof ConfigurationError && thrown.code === "insecure_url", String(thrown));
  });

  return { checks };
}
