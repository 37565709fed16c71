/**
 * Aborts with a fetch on a fresh undici 7 Agent (as the CLI uses): it closes an aborted request's
 * socket at once, so 1 s is allowed.
 */
import { isolatedFetch } from "../support/fault-leaks.ts";
import { abortSuite } from "../support/fault-abort.ts";

abortSuite({
  name: "a fetch on a fresh undici 7 Agent",
  make: async (ctx) => {
    const isolated = await isolatedFetch();
    ctx.onTestFinished(() => isolated.close());
    return isolated.fetch;
  },
  closeWithinMs: 1000,
});
