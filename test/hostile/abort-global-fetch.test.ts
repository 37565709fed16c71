/**
 * Aborts with Node 20's global fetch. Its bundled undici 6 closes an aborted request's socket only
 * when an internal 4 s timer fires, so up to 6 s is allowed for the server to see it closed; the
 * SDK's part (rejection, timers) is checked at once.
 */
import { abortSuite } from "../support/fault-abort.ts";

abortSuite({
  name: "Node's global fetch",
  make: async () => undefined,
  closeWithinMs: 6000,
  deferSocketCheck: true,
});
