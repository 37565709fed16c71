/**
 * Where `device-login` keeps its sign-ins. A profile is a name for one token set plus what it takes
 * to rebuild its provider later (the subcommand and its non-secret options), so `device-login
 * token` can refresh without the original command line.
 *
 * The token set lives in the profile's store under the profile's name (through a session,
 * src/session/session.ts). The profile records all live in the file store, under one key
 * ({@link PROFILES_KEY}), whichever store holds the tokens: the OS keychain cannot list its
 * entries, and `status` must. A record never holds a secret: no client secret, no `--header`
 * value, no proxy URL (it may carry credentials).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import { fileStore } from "../node/file-store.ts";
import { keychainStore, type KeychainStore } from "../node/keychain-store.ts";
import type { TokenStore } from "../session/store.ts";
import type { LoginOptions } from "./args.ts";
import { PROVIDERS, type ProviderName } from "./subcommands.ts";

/** Overrides the folder of `tokens.json` (tests, portable installs). */
export const HOME_ENV = "DEVICE_LOGIN_HOME";
/** The keychain service every `--store keychain` token set is filed under. */
export const KEYCHAIN_SERVICE = "device-login";
export const STORE_KINDS = ["file", "keychain"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The profile records' key in the file store; a profile name cannot contain `:`, so none clashes. */
export const PROFILES_KEY = "device-login:profiles";
/** A profile name: it is a store key and a keychain account name. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The login options a profile records: the ones that rebuild the provider, none of them secret. */
const SAVED_OPTIONS = [
  "issuer",
  "deviceEndpoint",
  "tokenEndpoint",
  "revocationEndpoint",
  "baseUrl",
  "clientId",
  "clientAuth",
  "audience",
  "scope",
  "tenant",
  "domain",
  "realm",
  "region",
  "startUrl",
  "clientName",
  "scopeData",
  "deviceType",
  "deviceOs",
  "manifestIdentifier",
  "manifestVersion",
  "clientKind",
  "ca",
] as const satisfies readonly (keyof LoginOptions)[];

type SavedName = (typeof SAVED_OPTIONS)[number];
export type SavedOptions = Pick<LoginOptions, SavedName>;

/** One profile, as `tokens.json` records it. */
export interface Profile {
  provider: ProviderName;
  store: StoreKind;
  options: SavedOptions;
  /** `--insecure` was given: plain http to a host that is not loopback. */
  insecure: boolean;
  /** The sign-in used a client secret: refreshing and revoking need DEVICE_LOGIN_CLIENT_SECRET. */
  needsSecret: boolean;
  /** When the profile was last signed in, ISO 8601. */
  savedAt: string;
}

interface ProfilesRecord {
  v: 1;
  profiles: Record<string, Profile>;
}

/** The profile list cannot be read or written (a corrupt `tokens.json`, a store that keeps refusing). */
export class ProfileError extends Error {
  override name = "ProfileError";
}

/** The places tokens go: the folder, its file store, and the keychain (opened on first use). */
export interface Places {
  folder: string;
  /** `tokens.json` in {@link Places.folder}. */
  file: string;
  fileStore: TokenStore;
  store(kind: StoreKind): TokenStore;
  /** Proves `kind` can keep a token (the keychain writes and reads back a probe); rejects if not. */
  check(kind: StoreKind): Promise<void>;
  /** Where a profile's token set is, in words: the file's path, or the keychain service. */
  describe(kind: StoreKind): string;
}

/** `DEVICE_LOGIN_HOME`, else the user's config folder (`~/.config/device-login` on Linux). */
export function configFolder(env: Readonly<Record<string, string | undefined>>): string {
  return env[HOME_ENV] || envPaths("device-login", { suffix: "" }).config;
}

/** The stores under `folder`; nothing is created until {@link ensureFolder} or a write. */
export function placesIn(folder: string): Places {
  const file = join(folder, "tokens.json");
  const files = fileStore(file);
  let opened: KeychainStore | undefined;
  const keychain = () => (opened ??= keychainStore({ service: KEYCHAIN_SERVICE }));
  return {
    folder,
    file,
    fileStore: files,
    store: (kind) => (kind === "file" ? files : keychain()),
    check: async (kind) => {
      if (kind === "keychain") await keychain().check();
    },
    describe: (kind) =>
      kind === "file" ? `${file} (mode 0600)` : `the OS keychain (service ${KEYCHAIN_SERVICE})`,
  };
}

/** Creates the folder, private to its owner, before the first write. */
export async function ensureFolder(places: Places): Promise<void> {
  await mkdir(places.folder, { recursive: true, mode: 0o700 });
}

/** What a login records about itself: the subcommand, its non-secret options, and the store. */
export function profileOf(options: LoginOptions, store: StoreKind, now = new Date()): Profile {
  const saved: Record<string, string> = {};
  for (const name of SAVED_OPTIONS) {
    const value = options[name];
    if (typeof value === "string") saved[name] = value;
  }
  return {
    provider: options.provider,
    store,
    options: saved as SavedOptions,
    insecure: options.insecure,
    needsSecret: options.clientSecret !== undefined,
    savedAt: now.toISOString(),
  };
}

/** The login options that rebuild a profile's provider; the secret comes from the caller. */
export function loginOptionsOf(
  profile: Profile,
  extra: Pick<LoginOptions, "clientSecret" | "headers" | "ca">,
): LoginOptions {
  const options: LoginOptions = {
    provider: profile.provider,
    ...profile.options,
    json: false,
    open: false,
    qr: false,
    insecure: profile.insecure,
  };
  if (extra.clientSecret !== undefined) options.clientSecret = extra.clientSecret;
  if (extra.headers !== undefined) options.headers = extra.headers;
  if (extra.ca !== undefined) options.ca = extra.ca;
  return options;
}

/** Every profile, by name (none when nothing was saved yet). */
export async function readProfiles(store: TokenStore): Promise<Record<string, Profile>> {
  return (await readRecord(store)).profiles;
}

/** Adds or replaces one profile (compare-and-swap, so two logins at once both land). */
export function saveProfile(store: TokenStore, name: string, profile: Profile): Promise<void> {
  return update(store, (profiles) => {
    profiles[name] = profile;
  });
}

/** Removes one profile; nothing happens when it is absent. */
export function removeProfile(store: TokenStore, name: string): Promise<void> {
  return update(store, (profiles) => {
    delete profiles[name];
  });
}

/** Bounded: a store that refuses this many compare-and-swaps in a row is broken, not busy. */
const MAX_ATTEMPTS = 10;

async function update(
  store: TokenStore,
  change: (profiles: Record<string, Profile>) => void,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const { profiles, version } = await readRecord(store);
    change(profiles);
    const value = JSON.stringify({ v: 1, profiles } satisfies ProfilesRecord);
    if ((await store.set(PROFILES_KEY, value, version)) !== undefined) return;
  }
  throw new ProfileError("the profile list kept changing under this write; try again");
}

async function readRecord(
  store: TokenStore,
): Promise<{ profiles: Record<string, Profile>; version: string | undefined }> {
  const entry = await store.get(PROFILES_KEY);
  if (entry === undefined) return { profiles: {}, version: undefined };
  let record: Partial<ProfilesRecord> | undefined;
  try {
    record = JSON.parse(entry.value) as Partial<ProfilesRecord>;
  } catch {
    record = undefined;
  }
  if (record?.v !== 1 || typeof record.profiles !== "object" || record.profiles === null) {
    throw new ProfileError("the saved profile list is unreadable");
  }
  const profiles: Record<string, Profile> = {};
  for (const [name, profile] of Object.entries(record.profiles)) {
    // A record this version cannot rebuild a provider from is left out rather than guessed at.
    if (PROFILE_NAME.test(name) && isProfile(profile)) profiles[name] = profile;
  }
  return { profiles, version: entry.version };
}

function isProfile(value: unknown): value is Profile {
  const profile = value as Partial<Profile> | null;
  return (
    typeof profile === "object" &&
    profile !== null &&
    (PROVIDERS as readonly unknown[]).includes(profile.provider) &&
    (STORE_KINDS as readonly unknown[]).includes(profile.store) &&
    typeof profile.options === "object" &&
    profile.options !== null &&
    Object.entries(profile.options).every(
      ([name, option]) =>
        (SAVED_OPTIONS as readonly string[]).includes(name) && typeof option === "string",
    ) &&
    typeof profile.insecure === "boolean" &&
    typeof profile.needsSecret === "boolean"
  );
}

/**
 * AWS IAM Identity Center's client registration (AW1) for a profile: a refresh must come from the
 * client that was issued the token, so `token` reuses it. It holds the registered client's
 * secret, so it lives in the profile's token store beside the tokens (the keychain with
 * `--store keychain`), never in the profile record.
 */
export function registrationKey(name: string): string {
  return `registration:${name}`;
}

/** Saves a registration under the profile (compare-and-swap against what is there). */
export async function saveRegistration(
  store: TokenStore,
  name: string,
  value: unknown,
): Promise<void> {
  const key = registrationKey(name);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const current = await store.get(key);
    if ((await store.set(key, JSON.stringify(value), current?.version)) !== undefined) return;
  }
  throw new ProfileError("the client registration kept changing under this write");
}

/** The profile's saved registration, parsed; undefined when there is none or it is unreadable. */
export async function readRegistration(store: TokenStore, name: string): Promise<unknown> {
  const entry = await store.get(registrationKey(name));
  if (entry === undefined) return undefined;
  try {
    return JSON.parse(entry.value) as unknown;
  } catch {
    return undefined;
  }
}
