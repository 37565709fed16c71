/**
 * `device-login <provider>` saves by default: the sign-in runs through a session
 * (src/session/session.ts), which saves the token set under the profile's name before the flow
 * resolves, and the profile (how to rebuild the provider) is recorded next to it. Everything that
 * can make the save fail is checked before the flow starts, since a device code is single-use and
 * an approval whose token cannot be kept is wasted (RFC 8628 §3.5); a token issued anyway is never
 * dropped (see {@link rescueUnsaved}).
 */
import { DeviceFlowError } from "../../errors.ts";
import type { Provider, StartOptions } from "../../provider.ts";
import type { DeviceAuthorization, PollResult, TerminalResult, TokenSet } from "../../result.ts";
import { createSession } from "../../session/session.ts";
import type { TokenStore } from "../../session/store.ts";
import { startDeviceAuthorization } from "../../start.ts";
import { waitForToken } from "../../wait.ts";
import type { LoginOptions } from "../args.ts";
import { EXIT_CODES, type ExitCode } from "../exit-codes.ts";
import {
  configFolder,
  ensureFolder,
  HOME_ENV,
  placesIn,
  profileOf,
  readProfiles,
  saveProfile,
  saveRegistration,
  type Places,
  type StoreKind,
} from "../profiles.ts";
import { sanitize } from "../sanitize.ts";
import type { Terminal, TextSink } from "../terminal.ts";
import {
  outputProblem,
  tokenJson,
  tokenSummary,
  writeFallbackFile,
  writePrivateFile,
} from "../token-output.ts";

const FILE_HINT = `; set ${HOME_ENV} to another folder, or use --no-save`;

/** Where this sign-in is saved. */
export interface SavePlan {
  /** The profile's name: the token set's key. */
  name: string;
  kind: StoreKind;
  places: Places;
  store: TokenStore;
}

/** What the login flow hands the sign-in: the caller's UI hooks. */
export interface FlowHooks extends StartOptions {
  onVerification: (authorization: DeviceAuthorization) => void;
  onPoll: (result: PollResult) => void;
}

/** One sign-in, start to terminal result. */
export type SignInFlow = (hooks: FlowHooks) => Promise<TerminalResult>;

/**
 * Opens the profile's store and proves it can take the token: the folder is created (0700) and
 * takes a new file, the profile list reads, and the keychain (with `--store keychain`) writes and
 * reads back a probe. Resolves to the plan, or to the reason it cannot be saved.
 */
export async function prepareSave(
  options: LoginOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SavePlan | { problem: string }> {
  const name = options.profile ?? options.provider;
  const kind = options.store ?? "file";
  const places = placesIn(configFolder(env));
  try {
    await ensureFolder(places);
  } catch (error) {
    return { problem: `cannot create the folder ${places.folder} (${codeOf(error)})${FILE_HINT}` };
  }
  const fileProblem = await outputProblem(places.file);
  if (fileProblem !== undefined) {
    return { problem: `cannot write ${places.file}: ${fileProblem}${FILE_HINT}` };
  }
  try {
    await readProfiles(places.fileStore);
    await places.check(kind);
    const store = places.store(kind);
    await store.get(name);
    return { name, kind, places, store };
  } catch (error) {
    const hint = kind === "keychain" ? "; use --store file or --no-save" : FILE_HINT;
    return { problem: `cannot save to ${places.describe(kind)}: ${messageOf(error)}${hint}` };
  }
}

/** The sign-in without saving: start (RFC 8628 §3.1), show the code, wait (§3.4–3.5). */
export function plainFlow(provider: Provider): SignInFlow {
  return async ({ onVerification, onPoll, ...start }) => {
    const authorization = await startDeviceAuthorization(provider, start);
    onVerification(authorization);
    return waitForToken(provider, authorization, {
      onPoll,
      ...(start.signal !== undefined && { signal: start.signal }),
    });
  };
}

/**
 * The sign-in through a session, which saves the token set under the profile's name before it
 * resolves; then the profile is recorded (rejects when either write fails: the caller still holds
 * the token, from `onPoll`).
 */
export function savingFlow(provider: Provider, plan: SavePlan, options: LoginOptions): SignInFlow {
  const session = createSession(provider, { store: plan.store, key: plan.name });
  return async (hooks) => {
    const result = await session.signIn(hooks);
    if (result.status === "authorized") {
      await saveProfile(plan.places.fileStore, plan.name, profileOf(options, plan.kind));
    }
    return result;
  };
}

/** Saves AWS's client registration with the profile (see profiles.ts registrationKey). */
export function keepRegistration(plan: SavePlan, registration: unknown): Promise<void> {
  return saveRegistration(plan.store, plan.name, registration);
}

/** The line that says where the token was saved and how to get it back. */
export function savedLine(plan: SavePlan): string {
  return `Saved as profile ${plan.name} in ${sanitize(plan.places.describe(plan.kind))}; 'device-login token --profile ${plan.name}' prints a valid access token.`;
}

/**
 * The token was issued but could not be saved: it goes to --json's stdout and --output where
 * those were asked for, else to a new 0600 file beside tokens.json (or in the current folder), or
 * as a last resort to stdout; stderr says where. Exit code 1: the profile does not hold it.
 */
export async function rescueUnsaved(
  token: TokenSet,
  error: unknown,
  plan: SavePlan,
  options: LoginOptions,
  io: { stdout: TextSink },
  term: Terminal,
): Promise<ExitCode> {
  const json = tokenJson(token);
  const places: string[] = [];
  if (options.json) {
    io.stdout.write(json);
    places.push("on stdout");
  }
  if (options.output !== undefined) {
    const written = await writePrivateFile(options.output, json).then(
      () => true,
      () => false,
    );
    if (written) places.push(`in ${sanitize(options.output)} (mode 0600)`);
  }
  if (places.length === 0) {
    try {
      places.push(`in ${sanitize(await writeFallbackFile(plan.places.file, json))} (mode 0600)`);
    } catch {
      io.stdout.write(json);
      places.push("on stdout");
    }
  }
  term.line(
    term.bad(
      `${tokenSummary(token)}, but it could not be saved as profile ${plan.name} (${sanitize(messageOf(error))}): the token is ${places.join(" and ")}.`,
    ),
  );
  return EXIT_CODES.error;
}

function messageOf(error: unknown): string {
  if (error instanceof DeviceFlowError || error instanceof Error) return error.message;
  return String(error);
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
