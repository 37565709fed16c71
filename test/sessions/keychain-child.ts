/**
 * A real `keychainStore` in its own process, run inside the environment the test built (a D-Bus
 * session with gnome-keyring, a locked one, none at all) and driven over HTTP on 127.0.0.1: each
 * request is one store call, answered with its result or its error. Two of these in one D-Bus
 * session are two processes sharing one OS keychain.
 *
 * Usage: node --import tsx test/sessions/keychain-child.ts NAME. Prints one JSON line
 * `{ ready: NAME, port, pid }` on stdout when it listens.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { keychainStore, type KeychainStore } from "../../src/node/keychain-store.ts";

export interface Call {
  op: "get" | "set" | "delete" | "lock" | "release" | "check" | "exit";
  service?: string;
  lockDir?: string;
  key?: string;
  value?: string;
  /** null: "only if absent". */
  expected?: string | null;
  ttlMs?: number;
  /** For `lock`: abort the wait after this many ms. */
  abortAfterMs?: number;
  /** For `release`: what `lock` answered. */
  handle?: string;
}

export type Reply =
  | { ok: true; result: unknown }
  | { ok: false; error: { name: string; code?: string; message: string } };

const name = process.argv[2] ?? "child";
const stores = new Map<string, KeychainStore>();
const held = new Map<string, () => Promise<void>>();
let handles = 0;

function storeFor(call: Call): KeychainStore {
  const id = JSON.stringify([call.service, call.lockDir]);
  let store = stores.get(id);
  if (!store) {
    store = keychainStore({
      service: call.service ?? "",
      ...(call.lockDir ? { lockDir: call.lockDir } : {}),
    });
    stores.set(id, store);
  }
  return store;
}

async function run(call: Call): Promise<unknown> {
  const key = call.key ?? "";
  switch (call.op) {
    case "get":
      return (await storeFor(call).get(key)) ?? null;
    case "set":
      return (await storeFor(call).set(key, call.value ?? "", call.expected ?? undefined)) ?? null;
    case "delete":
      await storeFor(call).delete(key);
      return null;
    case "check":
      await storeFor(call).check();
      return null;
    case "lock": {
      const signal =
        call.abortAfterMs === undefined ? undefined : AbortSignal.timeout(call.abortAfterMs);
      const release = await storeFor(call).lock(key, call.ttlMs ?? 30_000, signal);
      const handle = `${name}-${++handles}`;
      held.set(handle, release);
      return handle;
    }
    case "release": {
      const release = held.get(call.handle ?? "");
      held.delete(call.handle ?? "");
      await release?.();
      return null;
    }
    case "exit":
      setImmediate(() => server.close(() => process.exit(0)));
      return null;
  }
}

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  let reply: Reply;
  try {
    reply = {
      ok: true,
      result: await run(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Call),
    };
  } catch (error) {
    const failure = error as { name?: unknown; code?: unknown; message?: unknown };
    reply = {
      ok: false,
      error: {
        name: String(failure.name ?? "Error"),
        ...(typeof failure.code === "string" ? { code: failure.code } : {}),
        message: String(failure.message ?? error),
      },
    };
  }
  response.writeHead(200, { "Content-Type": "application/json", Connection: "close" });
  response.end(JSON.stringify(reply));
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ ready: name, port, pid: process.pid })}\n`);
});
