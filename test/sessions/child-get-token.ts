/**
 * A separate Node process holding one session over a shared fileStore file, for
 * cross-process.test.ts. It prints `ready` on stderr once loaded, then for every `go` line on
 * stdin asks its session for an access token and prints one JSON line on stdout:
 * `{"token":"…"}` or `{"error":"<DeviceFlowError code>"}`. It ends when stdin closes.
 * Environment: STORE_FILE, KEY, DEVICE_ENDPOINT, TOKEN_ENDPOINT, LOCK_TIMEOUT (ms).
 */
import { createInterface } from "node:readline";
import { createSession, DeviceFlowError, rfc8628 } from "../../src/index.ts";
import { fileStore } from "../../src/node/index.ts";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const provider = rfc8628({
  deviceAuthorizationEndpoint: env("DEVICE_ENDPOINT"),
  tokenEndpoint: env("TOKEN_ENDPOINT"),
  clientId: "cross-process-test",
});
const session = createSession(provider, {
  store: fileStore(env("STORE_FILE")),
  key: env("KEY"),
  // The server's tokens live 2 s: any skew of 2 s or more would make every token stale at once.
  refreshSkew: 0,
  lockTimeout: Number(env("LOCK_TIMEOUT")),
});

const lines = createInterface({ input: process.stdin });
process.stderr.write("ready\n");
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  try {
    process.stdout.write(`${JSON.stringify({ token: await session.getAccessToken() })}\n`);
  } catch (error) {
    const code = error instanceof DeviceFlowError ? error.code : String(error);
    process.stdout.write(`${JSON.stringify({ error: code })}\n`);
  }
}
