/**
 * One worker process of the cross-process test (run with `node --import tsx`): a session over a
 * redisStore shared with other processes. It prints `ready`, then answers each `go` line on stdin
 * with one `getAccessToken()` as a JSON line, and exits on `exit` or when stdin closes.
 * Environment: REDIS_URL, PREFIX, DEVICE_ENDPOINT, TOKEN_ENDPOINT, LOCK_TIMEOUT (ms).
 */
import { createInterface } from "node:readline";
import { createClient } from "redis";
import { createSession, DeviceFlowError, rfc8628 } from "../../src/index.ts";
import { redisStore } from "../../src/redis/index.ts";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const client = createClient({ url: env("REDIS_URL") });
client.on("error", (error: unknown) => process.stderr.write(`redis: ${String(error)}\n`));
await client.connect();

const provider = rfc8628({ deviceAuthorizationEndpoint: env("DEVICE_ENDPOINT"), tokenEndpoint: env("TOKEN_ENDPOINT"), clientId: "worker" });
const session = createSession(provider, {
  store: redisStore(client, { prefix: env("PREFIX") }),
  key: "shared",
  refreshSkew: 0,
  lockTimeout: Number(env("LOCK_TIMEOUT")),
});

const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
say({ ready: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "exit") break;
  if (line !== "go") continue;
  try {
    say({ token: await session.getAccessToken() });
  } catch (error) {
    say({ error: error instanceof DeviceFlowError ? error.code : String(error) });
  }
}
await client.close();
