/**
 * What `token` and `logout` share: find the profile, rebuild its provider from the recorded
 * options (the client secret, never recorded, from DEVICE_LOGIN_CLIENT_SECRET), open its store,
 * and make the session (src/session/session.ts) over them.
 */
import { ConfigurationError, DeviceFlowError } from "../../errors.ts";
import type { Provider } from "../../provider.ts";
import type { AwsSsoOptions, AwsSsoRegistration } from "../../providers/aws-sso.ts";
import { createSession, type Session } from "../../session/session.ts";
import type { TokenStore } from "../../session/store.ts";
import type { ProfileOptions } from "../args.ts";
import { EXIT_CODES, type ExitCode } from "../exit-codes.ts";
import { CaFileError, createNetwork, type Network } from "../network.ts";
import {
  configFolder,
  loginOptionsOf,
  placesIn,
  ProfileError,
  readProfiles,
  readRegistration,
  saveRegistration,
  type Places,
  type Profile,
} from "../profiles.ts";
import { providerFor } from "../provider.ts";
import { sanitize } from "../sanitize.ts";
import { SECRET_ENV } from "../subcommands.ts";
import type { Terminal } from "../terminal.ts";

/** The error code of a refresh that needs the client secret the environment does not hold. */
export const SECRET_MISSING = "client_secret_missing";

export interface OpenedProfile {
  name: string;
  profile: Profile;
  places: Places;
  session: Session;
  /** Closed by the caller when done. */
  network: Network;
}

interface Environment {
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Opens the profile `options.profile` names (or the only one saved). Resolves to an exit code
 * when it cannot, having said why on stderr.
 * @param secretNow `logout` needs the secret before anything (revocation is its point); `token`
 *   only if it has to refresh, so a fresh token prints without it.
 */
export async function openProfile(
  options: ProfileOptions,
  io: Environment,
  term: Terminal,
  secretNow: boolean,
): Promise<OpenedProfile | ExitCode> {
  const places = placesIn(configFolder(io.env));
  const found = await findProfile(options.profile, places, term);
  if (typeof found === "number") return found;
  const { name, profile } = found;

  const clientSecret = io.env[SECRET_ENV] || undefined;
  if (profile.needsSecret && clientSecret === undefined && secretNow) {
    return usage(term, `profile ${name} signed in with a client secret: set ${SECRET_ENV}`);
  }
  let network: Network;
  try {
    network = await createNetwork({
      env: io.env,
      ...(options.proxy !== undefined && { proxy: options.proxy }),
      // The sign-in's --ca, unless this command names another.
      ...((options.ca ?? profile.options.ca) !== undefined && {
        caFile: options.ca ?? profile.options.ca,
      }),
    });
  } catch (error) {
    if (error instanceof CaFileError) return usage(term, error.message);
    throw error;
  }
  const store = places.store(profile.store);
  const aws = profile.provider === "aws" ? await awsRegistration(store, name) : {};
  let provider: Provider;
  try {
    provider =
      profile.needsSecret && clientSecret === undefined
        ? secretless(profile.provider, name)
        : providerFor(
            loginOptionsOf(profile, {
              ...(clientSecret !== undefined && { clientSecret }),
              ...(options.headers !== undefined && { headers: options.headers }),
            }),
            { fetch: network.fetch, allowInsecureRequests: profile.insecure },
            aws,
          );
  } catch (error) {
    await network.close().catch(() => {});
    if (error instanceof ConfigurationError) {
      term.line(term.bad(`Profile ${name} cannot be used: ${sanitize(error.message)}`));
      return EXIT_CODES.error;
    }
    throw error;
  }
  const session = createSession(provider, { store, key: name });
  return { name, profile, places, session, network };
}

/** AWS: the client registration the profile signed in with, and where a renewed one goes. */
async function awsRegistration(
  store: TokenStore,
  name: string,
): Promise<Pick<AwsSsoOptions, "registration" | "onRegistration">> {
  const saved = (await readRegistration(store, name).catch(() => undefined)) as
    Partial<AwsSsoRegistration> | undefined;
  const usable =
    typeof saved?.clientId === "string" &&
    typeof saved.clientSecret === "string" &&
    typeof saved.clientSecretExpiresAt === "number";
  return {
    ...(usable && { registration: saved as AwsSsoRegistration }),
    onRegistration: (registration) => saveRegistration(store, name, registration),
  };
}

/** The named profile, or the only one; an exit code (said on stderr) when there is none to take. */
export async function findProfile(
  wanted: string | undefined,
  places: Places,
  term: Terminal,
): Promise<{ name: string; profile: Profile } | ExitCode> {
  let profiles: Record<string, Profile>;
  try {
    profiles = await readProfiles(places.fileStore);
  } catch (error) {
    const why =
      error instanceof ProfileError || error instanceof DeviceFlowError
        ? error.message
        : String(error);
    term.line(
      term.bad(`Cannot read the saved profiles in ${sanitize(places.file)}: ${sanitize(why)}`),
    );
    return EXIT_CODES.error;
  }
  const names = Object.keys(profiles).sort();
  if (wanted === undefined) {
    if (names.length === 0) {
      term.line(
        term.bad("Not signed in: no profile is saved. Sign in with device-login <provider>."),
      );
      return EXIT_CODES.signInRequired;
    }
    if (names.length > 1) {
      return usage(term, `several profiles are saved (${names.join(", ")}): give --profile NAME`);
    }
  }
  const name = wanted ?? (names[0] as string);
  const profile = profiles[name];
  if (profile === undefined) {
    term.line(
      term.bad(
        `No profile ${name}${names.length > 0 ? ` (saved: ${names.join(", ")})` : ""}. Sign in with device-login <provider> --profile ${name}.`,
      ),
    );
    return EXIT_CODES.signInRequired;
  }
  return { name, profile };
}

/** The command line that signs the profile in again, from its recorded (non-secret) options. */
export function signInCommand(name: string, profile: Profile): string {
  const flags = Object.entries(profile.options).flatMap(([option, value]) => [
    `--${option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`,
    quote(value as string),
  ]);
  if (profile.insecure) flags.push("--insecure");
  return sanitize(["device-login", profile.provider, ...flags, "--profile", name].join(" "), 1000);
}

/**
 * Stands in for a provider whose client secret is not in the environment: a stored token that is
 * still fresh is served without it, and the first call that needs it fails saying so.
 */
function secretless(provider: string, name: string): Provider {
  const refuse = async (): Promise<never> => {
    throw new ConfigurationError(
      SECRET_MISSING,
      `profile ${name} signed in with a client secret: set ${SECRET_ENV} to refresh or revoke`,
    );
  };
  return {
    name: provider,
    requestDeviceAuthorization: refuse,
    requestToken: refuse,
    refreshToken: refuse,
    revokeToken: refuse,
  };
}

function quote(value: string): string {
  return /^[\w.:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

function usage(term: Terminal, message: string): ExitCode {
  term.line(`device-login: ${sanitize(message)}`);
  term.line("Run 'device-login --help' for usage.");
  return EXIT_CODES.usage;
}
