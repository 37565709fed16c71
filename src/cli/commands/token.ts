/**
 * `device-login token [--profile NAME]`: a valid access token on stdout, nothing else, for
 * `curl -H "Authorization: Bearer $(device-login token --profile trakt)"`. The session serves the
 * saved one while it is fresh and otherwise refreshes it (RFC 6749 §6) under the store's lock,
 * saving a rotated refresh token before printing. A dead refresh token is exit code 6: sign in
 * again.
 */
import { DeviceFlowError } from "../../errors.ts";
import type { ProfileOptions } from "../args.ts";
import { EXIT_CODES, type ExitCode } from "../exit-codes.ts";
import { sanitize } from "../sanitize.ts";
import type { Terminal, TextSink } from "../terminal.ts";
import { openProfile, SECRET_MISSING, signInCommand } from "./open-profile.ts";

interface TokenIo {
  stdout: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  interrupt: AbortSignal;
}

/** Prints the profile's access token; resolves to the exit code. */
export async function tokenCommand(
  options: ProfileOptions,
  io: TokenIo,
  term: Terminal,
): Promise<ExitCode> {
  const opened = await openProfile(options, io, term, false);
  if (typeof opened === "number") return opened;
  const { name, profile, session, network } = opened;
  try {
    const accessToken = await session.getAccessToken({ signal: io.interrupt });
    io.stdout.write(`${accessToken}\n`);
    return EXIT_CODES.authorized;
  } catch (error) {
    if (io.interrupt.aborted) {
      term.line("Interrupted.");
      return EXIT_CODES.interrupted;
    }
    if (!(error instanceof DeviceFlowError)) throw error;
    if (error.code === "sign_in_required") {
      // The session already forgot a refused refresh token: the next call sends no request.
      term.line(term.bad(`Profile ${name}: ${sanitize(error.message)}.`));
      term.line(`Sign in again: ${signInCommand(name, profile)}`);
      return EXIT_CODES.signInRequired;
    }
    if (error.code === SECRET_MISSING) {
      term.line(`device-login: ${sanitize(error.message)}`);
      return EXIT_CODES.usage;
    }
    const later = error.retryable ? " (temporary: try again later)" : "";
    term.line(term.bad(`Profile ${name}: cannot get a token: ${sanitize(error.message)}${later}.`));
    return EXIT_CODES.error;
  } finally {
    await network.close().catch(() => {});
  }
}
