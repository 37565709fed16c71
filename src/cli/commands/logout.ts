/**
 * `device-login logout [--profile NAME]`: revokes the profile's tokens where the provider can
 * (RFC 7009, through `session.signOut()`), then deletes them and the profile, even when
 * revocation failed, and says which happened.
 */
import { DeviceFlowError } from "../../errors.ts";
import type { ProfileOptions } from "../args.ts";
import { EXIT_CODES, type ExitCode } from "../exit-codes.ts";
import { registrationKey, removeProfile } from "../profiles.ts";
import { sanitize } from "../sanitize.ts";
import type { Terminal } from "../terminal.ts";
import { openProfile, type OpenedProfile } from "./open-profile.ts";

interface LogoutIo {
  env: Readonly<Record<string, string | undefined>>;
  interrupt: AbortSignal;
}

/**
 * Signs the profile out. Exit code 0 when the tokens were revoked or the provider has no
 * revocation endpoint (they are forgotten either way), 1 when revocation failed: the local copy
 * is gone, but the server may still honour the tokens until they expire.
 */
export async function logoutCommand(
  options: ProfileOptions,
  io: LogoutIo,
  term: Terminal,
): Promise<ExitCode> {
  const opened = await openProfile(options, io, term, true);
  if (typeof opened === "number")
    return opened === EXIT_CODES.signInRequired ? EXIT_CODES.error : opened;
  const { name, profile, places, session, network } = opened;
  try {
    const held = (await session.getToken()) !== undefined;
    const outcome = held ? await session.signOut({ signal: io.interrupt }) : undefined;
    await forget(opened);
    if (outcome === undefined) {
      term.line(`Removed profile ${name}; it held no token, so there was nothing to revoke.`);
      return EXIT_CODES.authorized;
    }
    if (outcome.revoked) {
      term.line(
        term.good(`Revoked profile ${name}'s tokens at ${profile.provider} and deleted them.`),
      );
      return EXIT_CODES.authorized;
    }
    const error = outcome.error;
    const code = error instanceof DeviceFlowError ? error.code : error?.error;
    if (code === "revocation_unsupported") {
      term.line(
        `Deleted profile ${name}. ${profile.provider} has no revocation endpoint, so its tokens were forgotten, not revoked: they stay valid until they expire.`,
      );
      return EXIT_CODES.authorized;
    }
    const why =
      error instanceof DeviceFlowError
        ? error.message
        : `${error?.error ?? "error"}${error?.httpStatus !== undefined ? ` (HTTP ${error.httpStatus})` : ""}${error?.description ? `: ${error.description}` : ""}`;
    term.line(
      term.bad(
        `Deleted profile ${name}, but revocation failed (${sanitize(why)}): the server may accept its tokens until they expire.`,
      ),
    );
    return EXIT_CODES.error;
  } catch (error) {
    if (io.interrupt.aborted) {
      // signOut deletes before it rethrows the abort: the profile goes too.
      await forget(opened).catch(() => {});
      term.line(`Interrupted; profile ${name} was deleted without waiting for revocation.`);
      return EXIT_CODES.interrupted;
    }
    if (error instanceof DeviceFlowError) {
      term.line(term.bad(`Cannot log out of profile ${name}: ${sanitize(error.message)}`));
      return EXIT_CODES.error;
    }
    throw error;
  } finally {
    await network.close().catch(() => {});
  }
}

/** The profile record, and AWS's client registration kept beside the tokens. */
async function forget({ name, profile, places }: OpenedProfile): Promise<void> {
  if (profile.provider === "aws") await places.store(profile.store).delete(registrationKey(name));
  await removeProfile(places.fileStore, name);
}
