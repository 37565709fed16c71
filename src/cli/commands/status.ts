/**
 * `device-login status [--profile NAME] [--json]`: the saved profiles, their provider, store,
 * expiry, scope and whether a refresh token is held. Never a secret: no token, no client secret.
 * It reads the stores only; no request is sent.
 */
import { DeviceFlowError } from "../../errors.ts";
import { account } from "../identity-line.ts";
import type { Provider } from "../../provider.ts";
import type { TokenSet } from "../../result.ts";
import { createSession } from "../../session/session.ts";
import type { ProfileOptions } from "../args.ts";
import { EXIT_CODES, type ExitCode } from "../exit-codes.ts";
import { configFolder, placesIn, readProfiles, type Places, type Profile } from "../profiles.ts";
import { sanitize } from "../sanitize.ts";
import type { Terminal, TextSink } from "../terminal.ts";
import { findProfile } from "./open-profile.ts";

interface StatusIo {
  stdout: TextSink;
  env: Readonly<Record<string, string | undefined>>;
}

/** One profile's state, as `status --json` prints it. */
export interface ProfileStatus {
  profile: string;
  provider: string;
  store: Profile["store"];
  /** The file's path, or the keychain service. */
  location: string;
  /** The recorded, non-secret options that rebuild the provider (client id, issuer, …). */
  options: Profile["options"];
  savedAt: string;
  /** A token set is stored. */
  signedIn: boolean;
  tokenType?: string;
  /** ISO 8601; absent when the server gave no lifetime. */
  expiresAt?: string;
  expired?: boolean;
  scope?: string;
  refreshToken: boolean;
  /** Who signed in, from verified ID token claims only (name, email or username, and `sub`). */
  account?: string;
  /** Why the store could not be read (a locked keychain, an unreadable file). */
  error?: string;
}

/** Lists the profiles on stdout; resolves to the exit code. */
export async function statusCommand(
  options: ProfileOptions,
  io: StatusIo,
  term: Terminal,
  now = Date.now(),
): Promise<ExitCode> {
  const places = placesIn(configFolder(io.env));
  let entries: [string, Profile][];
  if (options.profile !== undefined) {
    const found = await findProfile(options.profile, places, term);
    if (typeof found === "number") return EXIT_CODES.error;
    entries = [[found.name, found.profile]];
  } else {
    try {
      entries = Object.entries(await readProfiles(places.fileStore));
    } catch (error) {
      term.line(term.bad(`Cannot read ${sanitize(places.file)}: ${sanitize(messageOf(error))}`));
      return EXIT_CODES.error;
    }
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
  }
  const statuses = await Promise.all(
    entries.map(([name, profile]) => statusOf(name, profile, places, now)),
  );
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ profiles: statuses }, null, 2)}\n`);
  } else if (statuses.length === 0) {
    io.stdout.write(`No saved profiles (in ${places.file}).\n`);
  } else {
    io.stdout.write(statuses.map((status) => `${describe(status, now)}\n`).join(""));
  }
  return EXIT_CODES.authorized;
}

async function statusOf(
  name: string,
  profile: Profile,
  places: Places,
  now: number,
): Promise<ProfileStatus> {
  const status: ProfileStatus = {
    profile: name,
    provider: profile.provider,
    store: profile.store,
    location: profile.store === "file" ? places.file : places.describe("keychain"),
    options: profile.options,
    savedAt: profile.savedAt,
    signedIn: false,
    refreshToken: false,
  };
  let token: TokenSet | undefined;
  try {
    // The session reads the store only: this provider is never called.
    const session = createSession(readOnly(profile.provider), {
      store: places.store(profile.store),
      key: name,
    });
    token = await session.getToken();
  } catch (error) {
    status.error = messageOf(error);
    return status;
  }
  if (token === undefined) return status;
  status.signedIn = true;
  status.tokenType = String(token.tokenType);
  if (typeof token.expiresAt === "number" && Number.isFinite(token.expiresAt)) {
    const date = new Date(token.expiresAt);
    if (!Number.isNaN(date.getTime())) {
      status.expiresAt = date.toISOString();
      status.expired = token.expiresAt <= now;
    }
  }
  if (typeof token.scope === "string") status.scope = token.scope;
  status.refreshToken = typeof token.refreshToken === "string" && token.refreshToken !== "";
  // Only claims the SDK verified are ever stored as `claims` (issue 14): no claims, no account.
  if (token.claims) status.account = account(token.claims);
  return status;
}

/** One line for people; server text (scope, token type) is sanitised. */
function describe(status: ProfileStatus, now: number): string {
  const head = `${status.profile}: ${status.provider}, in ${sanitize(status.location)}`;
  if (status.error !== undefined) return `${head}; cannot read it: ${sanitize(status.error)}`;
  if (!status.signedIn) return `${head}; not signed in (no token saved)`;
  const parts = [`${sanitize(status.tokenType ?? "", 40)} token`];
  if (status.expiresAt !== undefined) {
    const seconds = Math.round((Date.parse(status.expiresAt) - now) / 1000);
    parts.push(
      status.expired
        ? `expired ${status.expiresAt}`
        : `expires ${status.expiresAt} (in ${seconds} s)`,
    );
  } else {
    parts.push("no expiry given");
  }
  parts.push(status.refreshToken ? "refresh token held" : "no refresh token");
  if (status.account !== undefined) parts.push(`account: ${sanitize(status.account, 200)}`);
  if (status.scope !== undefined) parts.push(`scope: ${sanitize(status.scope, 200)}`);
  return `${head}; ${parts.join(", ")}`;
}

/** A provider for a session that only reads: status sends no request. */
function readOnly(name: string): Provider {
  const never = async (): Promise<never> => {
    throw new DeviceFlowError("internal_error", "status sends no request");
  };
  return { name, requestDeviceAuthorization: never, requestToken: never, refreshToken: never };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
