/**
 * Proof that an aborted call leaves nothing behind.
 *
 * `watchSdkTimers` records every timer created while it runs whose creation stack passes through
 * src/, and reports those still alive and keeping the process up (ref'd) when stopped: a leaked
 * per-request timeout or polling sleep shows up with the line that made it. undici's own timers
 * (unref'd, made from node:internal) are not the SDK's and are not counted.
 */
import { createHook } from "node:async_hooks";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

export interface TimerWatch {
  /** Stops watching; returns the creation stacks of SDK timers still alive and ref'd. */
  stop(): string[];
}

export function watchSdkTimers(): TimerWatch {
  const live = new Map<number, { stack: string; resource: { hasRef?: () => boolean } }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type !== "Timeout") return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      const stack = new Error().stack ?? "";
      Error.stackTraceLimit = limit;
      if (stack.includes(SRC))
        live.set(id, { stack, resource: resource as { hasRef?: () => boolean } });
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  return {
    stop() {
      hook.disable();
      return [...live.values()].filter((t) => t.resource.hasRef?.() ?? true).map((t) => t.stack);
    },
  };
}

/** How many resources of a kind keep the event loop alive now (`Timeout`, `TCPSocketWrap`, …). */
export function activeCount(kind: string): number {
  return process.getActiveResourcesInfo().filter((k) => k === kind).length;
}

/** Lets pending callbacks, microtasks and socket closes run. */
export async function settle(ms = 50): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A fetch on its own undici 7 Agent (no pool shared with other tests), closed by the test.
 * Importing undici installs its Agent as the process's global dispatcher when none exists yet,
 * so Node's own is made to exist first and the global fetch stays Node's.
 */
export async function isolatedFetch(): Promise<{
  fetch: (request: Request) => Promise<Response>;
  close(): Promise<void>;
}> {
  await (await fetch("data:,")).arrayBuffer();
  const { Agent, fetch: undiciFetch } = await import("undici");
  const agent = new Agent();
  return {
    async fetch(request) {
      const body = request.body ? await request.arrayBuffer() : undefined;
      const response = await undiciFetch(request.url, {
        method: request.method,
        headers: [...request.headers],
        body,
        signal: request.signal,
        redirect: request.redirect,
        dispatcher: agent,
      });
      return response as unknown as Response;
    },
    close: () => agent.close(),
  };
}
