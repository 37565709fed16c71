#!/usr/bin/env node
/**
 * The `device-login` executable: wires run() to the real process. The first Ctrl-C aborts the
 * flow cleanly (exit code 130, no stack trace); a second one exits at once.
 */
import { EXIT_CODES } from "./exit-codes.ts";
import { run } from "./run.ts";

const interrupt = new AbortController();
const onSigint = () => {
  if (interrupt.signal.aborted) process.exit(EXIT_CODES.interrupted);
  interrupt.abort();
};
process.on("SIGINT", onSigint);
// A reader that goes away (`device-login --json | head -c0`) gets no stack trace, but the token
// did not arrive, so the exit code says so.
let stdoutFailed = false;
process.stdout.on("error", () => {
  stdoutFailed = true;
});
process.on("exit", () => {
  if (stdoutFailed && process.exitCode === EXIT_CODES.authorized)
    process.exitCode = EXIT_CODES.error;
});

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  platform: process.platform,
  interrupt: interrupt.signal,
});
process.off("SIGINT", onSigint);
