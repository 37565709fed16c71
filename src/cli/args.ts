/**
 * The command line: `device-login <subcommand> [options]`, one subcommand per provider, parsed
 * strictly with `node:util` parseArgs, then checked against what that subcommand takes
 * (subcommands.ts) and needs ({@link requireFor}). Every mistake is a {@link UsageError} (exit
 * code 2) with a message naming the option.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { ClientAuth, FaktsClientKind } from "../index.ts";
import { headersFrom } from "./headers.ts";
import { PROFILE_NAME, STORE_KINDS, type StoreKind } from "./profiles.ts";
import {
  PROFILE_COMMANDS,
  PROVIDERS,
  SECRET_ENV,
  SUBCOMMANDS,
  type ProfileCommandName,
  type ProviderName,
} from "./subcommands.ts";

export { PROFILE_COMMANDS, PROVIDERS, SECRET_ENV, type ProfileCommandName, type ProviderName };

const CLIENT_AUTHS = ["client_secret_basic", "client_secret_post", "none"] as const;
const CLIENT_KINDS = ["development", "website", "desktop"] as const;

export const OPTIONS = {
  issuer: { type: "string" },
  "device-endpoint": { type: "string" },
  "token-endpoint": { type: "string" },
  "revocation-endpoint": { type: "string" },
  "base-url": { type: "string" },
  "client-id": { type: "string" },
  "client-secret": { type: "string" },
  "client-auth": { type: "string" },
  audience: { type: "string" },
  scope: { type: "string" },
  tenant: { type: "string" },
  domain: { type: "string" },
  realm: { type: "string" },
  region: { type: "string" },
  "start-url": { type: "string" },
  "client-name": { type: "string" },
  "scope-data": { type: "string" },
  "device-type": { type: "string" },
  "device-os": { type: "string" },
  "manifest-identifier": { type: "string" },
  "manifest-version": { type: "string" },
  "client-kind": { type: "string" },
  header: { type: "string", multiple: true },
  json: { type: "boolean" },
  output: { type: "string" },
  "no-open": { type: "boolean" },
  "no-qr": { type: "boolean" },
  profile: { type: "string" },
  store: { type: "string" },
  "no-save": { type: "boolean" },
  timeout: { type: "string" },
  proxy: { type: "string" },
  ca: { type: "string" },
  insecure: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies ParseArgsConfig["options"];

export type OptionName = keyof typeof OPTIONS;
type Values = Partial<Record<OptionName, string | boolean | string[]>>;

/** The options only some subcommands take (from {@link SUBCOMMANDS}); all others apply to every one. */
const PROVIDER_SPECIFIC = new Set<OptionName>(
  Object.values(SUBCOMMANDS).flatMap((subcommand) =>
    subcommand.options.map((option) => option.name),
  ),
);

/** Everything a login needs, checked. */
export interface LoginOptions {
  provider: ProviderName;
  issuer?: string;
  deviceEndpoint?: string;
  tokenEndpoint?: string;
  /** RFC 7009 revocation endpoint, with the two above (discovery finds it from --issuer). */
  revocationEndpoint?: string;
  baseUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuth?: ClientAuth;
  audience?: string;
  scope?: string;
  /** Entra ID's tenant (the path segment before `/oauth2/v2.0/`). */
  tenant?: string;
  /** Auth0's domain: a host or an origin URL. */
  domain?: string;
  /** Keycloak's realm. */
  realm?: string;
  /** AWS region, e.g. `eu-west-1`. */
  region?: string;
  /** The AWS access portal URL. */
  startUrl?: string;
  /** The name AWS registers the client under. */
  clientName?: string;
  /** Login with Amazon's `scope_data` (Alexa devices), sent as given. */
  scopeData?: string;
  deviceType?: string;
  deviceOs?: string;
  manifestIdentifier?: string;
  manifestVersion?: string;
  clientKind?: FaktsClientKind;
  /** `--header NAME:VALUE`s, sent with every request (the provider's `headers` option). */
  headers?: Record<string, string>;
  /** Print the TokenSet as JSON on stdout. */
  json: boolean;
  /** Write the TokenSet as JSON to this file (mode 0600). */
  output?: string;
  open: boolean;
  qr: boolean;
  /** Seconds to wait in all before giving up. */
  timeout?: number;
  proxy?: string;
  ca?: string;
  insecure: boolean;
  /** `--profile`: the name the token set is saved under; default the provider's name. */
  profile?: string;
  /** `--store`: where the token set is saved; default `file`. */
  store?: StoreKind;
  /** `--no-save`: the token is not saved (only --json / --output deliver it). */
  noSave?: true;
}

/** `device-login token | status | logout`: a saved profile's options. */
export interface ProfileOptions {
  /** Which profile; default the only one there is. */
  profile?: string;
  /** `status --json`. */
  json: boolean;
  headers?: Record<string, string>;
  proxy?: string;
  ca?: string;
}

/** The options each profile command takes (with --help); any other is a usage error. */
const PROFILE_COMMAND_OPTIONS: Record<ProfileCommandName, readonly OptionName[]> = {
  token: ["profile", "header", "proxy", "ca"],
  status: ["profile", "json"],
  logout: ["profile", "header", "proxy", "ca"],
};

export type Command =
  /** `provider`: `device-login <provider> --help` shows that subcommand's options. */
  | { kind: "help"; provider?: ProviderName | ProfileCommandName }
  | { kind: "version" }
  | { kind: "login"; options: LoginOptions }
  | { kind: ProfileCommandName; options: ProfileOptions };

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `argv` (without node and the script); `env` supplies {@link SECRET_ENV}. */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  const { values, positionals } = parse(argv);
  const [provider, ...extra] = positionals;
  if (values.help) {
    return provider !== undefined && (isProvider(provider) || isProfileCommand(provider))
      ? { kind: "help", provider }
      : { kind: "help" };
  }
  if (values.version) return { kind: "version" };
  if (provider !== undefined && isProfileCommand(provider)) {
    return { kind: provider, options: profileCommand(provider, values, extra) };
  }

  if (provider === undefined)
    throw new UsageError(
      `missing provider: one of ${PROVIDERS.join(", ")} (or ${PROFILE_COMMANDS.join(", ")})`,
    );
  if (!isProvider(provider))
    throw new UsageError(`unknown provider '${provider}': use one of ${PROVIDERS.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);

  const allowed = new Set<OptionName>(SUBCOMMANDS[provider].options.map((option) => option.name));
  for (const name of Object.keys(values) as OptionName[]) {
    if (PROVIDER_SPECIFIC.has(name) && !allowed.has(name)) {
      throw new UsageError(`--${name} does not apply to ${provider}`);
    }
  }
  if (values["no-save"] && (values.profile !== undefined || values.store !== undefined)) {
    throw new UsageError("--no-save saves nothing: give it without --profile and --store");
  }

  const options: LoginOptions = {
    provider,
    json: values.json ?? false,
    open: !values["no-open"],
    qr: !values["no-qr"],
    insecure: values.insecure ?? false,
  };
  assign(options, "issuer", nonEmpty(values, "issuer"));
  assign(options, "deviceEndpoint", nonEmpty(values, "device-endpoint"));
  assign(options, "tokenEndpoint", nonEmpty(values, "token-endpoint"));
  assign(options, "revocationEndpoint", nonEmpty(values, "revocation-endpoint"));
  assign(options, "baseUrl", nonEmpty(values, "base-url"));
  assign(options, "clientId", nonEmpty(values, "client-id"));
  assign(options, "audience", nonEmpty(values, "audience"));
  assign(options, "scope", nonEmpty(values, "scope"));
  assign(options, "tenant", pathSegment(values, "tenant"));
  assign(options, "domain", nonEmpty(values, "domain"));
  assign(options, "realm", pathSegment(values, "realm"));
  assign(options, "region", region(values));
  assign(options, "startUrl", webUrl(values, "start-url"));
  assign(options, "clientName", nonEmpty(values, "client-name"));
  assign(options, "scopeData", nonEmpty(values, "scope-data"));
  assign(options, "deviceType", nonEmpty(values, "device-type"));
  assign(options, "deviceOs", nonEmpty(values, "device-os"));
  assign(options, "manifestIdentifier", nonEmpty(values, "manifest-identifier"));
  assign(options, "manifestVersion", nonEmpty(values, "manifest-version"));
  assign(options, "clientAuth", oneOf(values, "client-auth", CLIENT_AUTHS));
  assign(options, "clientKind", oneOf(values, "client-kind", CLIENT_KINDS));
  assign(options, "headers", headerOptions(values.header));
  assign(options, "output", nonEmpty(values, "output"));
  assign(options, "proxy", proxyUrl(values.proxy));
  assign(options, "ca", nonEmpty(values, "ca"));
  assign(options, "timeout", seconds(values.timeout));
  assign(options, "profile", profileName(values));
  assign(options, "store", oneOf(values, "store", STORE_KINDS));
  if (values["no-save"]) options.noSave = true;
  if (allowed.has("client-secret")) {
    // The flag wins; the variable keeps the secret out of the process list.
    assign(
      options,
      "clientSecret",
      nonEmpty(values, "client-secret") ?? (env[SECRET_ENV] || undefined),
    );
  }

  requireFor(options);
  return { kind: "login", options };
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages name the option ("Unknown option '--frobnicate'").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The options each provider cannot do without. */
function requireFor(options: LoginOptions): void {
  const need = (present: unknown, flag: string) => {
    if (present === undefined) throw new UsageError(`${options.provider} needs ${flag}`);
  };
  switch (options.provider) {
    case "rfc8628": {
      need(options.clientId, "--client-id");
      const endpoints =
        options.deviceEndpoint !== undefined ||
        options.tokenEndpoint !== undefined ||
        options.revocationEndpoint !== undefined;
      if (options.issuer !== undefined && endpoints) {
        throw new UsageError(
          "give either --issuer or --device-endpoint with --token-endpoint (and --revocation-endpoint), not both",
        );
      }
      if (options.issuer === undefined) {
        need(options.deviceEndpoint, "--issuer, or --device-endpoint with --token-endpoint");
        need(options.tokenEndpoint, "--token-endpoint with --device-endpoint");
      }
      if (options.clientAuth !== undefined && options.clientAuth !== "none") {
        need(
          options.clientSecret,
          `--client-secret (or ${SECRET_ENV}) for --client-auth ${options.clientAuth}`,
        );
      }
      return;
    }
    case "github":
    case "twitch":
      need(options.clientId, "--client-id");
      return;
    // Their device requests require a scope (MS1, LW1): say so before any request is sent.
    case "microsoft":
    case "amazon":
      need(options.clientId, "--client-id");
      need(options.scope, "--scope");
      return;
    case "google":
      // GO1: client_id and scope in the device request, client_secret in the poll.
      need(options.clientId, "--client-id");
      need(options.clientSecret, `--client-secret (or ${SECRET_ENV})`);
      need(options.scope, "--scope");
      return;
    case "trakt":
      need(options.clientId, "--client-id");
      need(options.clientSecret, `--client-secret (or ${SECRET_ENV})`);
      return;
    case "auth0":
      need(options.domain, "--domain");
      need(options.clientId, "--client-id");
      return;
    case "okta":
      need(options.issuer, "--issuer");
      need(options.clientId, "--client-id");
      return;
    case "keycloak":
      need(options.baseUrl, "--base-url");
      need(options.realm, "--realm");
      need(options.clientId, "--client-id");
      return;
    case "aws":
      need(options.region, "--region");
      need(options.startUrl, "--start-url");
      return;
    case "transparenc":
      need(options.baseUrl, "--base-url");
      need(options.clientId, "--client-id");
      need(options.deviceType, "--device-type");
      need(options.deviceOs, "--device-os");
      return;
    case "fakts":
      need(options.baseUrl, "--base-url");
      need(options.manifestIdentifier, "--manifest-identifier");
      need(options.manifestVersion, "--manifest-version");
      return;
  }
}

/** `token`, `status`, `logout`: the options they take, checked. */
function profileCommand(
  command: ProfileCommandName,
  values: Values,
  extra: readonly string[],
): ProfileOptions {
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const allowed = new Set<OptionName>(PROFILE_COMMAND_OPTIONS[command]);
  for (const name of Object.keys(values) as OptionName[]) {
    if (!allowed.has(name)) throw new UsageError(`--${name} does not apply to ${command}`);
  }
  const options: ProfileOptions = { json: values.json === true };
  assign(options, "profile", profileName(values));
  assign(options, "headers", headerOptions(values.header as string[] | undefined));
  assign(options, "proxy", proxyUrl(values.proxy as string | undefined));
  assign(options, "ca", nonEmpty(values, "ca"));
  return options;
}

function isProvider(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}

function isProfileCommand(name: string): name is ProfileCommandName {
  return (PROFILE_COMMANDS as readonly string[]).includes(name);
}

function profileName(values: Values): string | undefined {
  const value = nonEmpty(values, "profile");
  if (value !== undefined && !PROFILE_NAME.test(value)) {
    throw new UsageError(
      "--profile must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return value;
}

function assign<T extends object, K extends keyof T>(
  options: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) options[key] = value;
}

function nonEmpty(values: Values, name: OptionName): string | undefined {
  const value = values[name];
  if (typeof value !== "string") return undefined;
  if (value.trim() === "") throw new UsageError(`--${name} needs a value`);
  return value;
}

function oneOf<T extends string>(
  values: Values,
  name: OptionName,
  choices: readonly T[],
): T | undefined {
  const value = nonEmpty(values, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}`);
  }
  return value as T;
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(number > 0) || number > 86_400)
    throw new UsageError("--timeout must be a number of seconds, above 0 and at most 86400");
  return number;
}

function proxyUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // The URL itself is not echoed: it may carry proxy credentials.
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new UsageError("--proxy must be an http:// or https:// URL");
  }
  return value;
}

/** A value that becomes one URL path segment (Entra's tenant, Keycloak's realm): no `/`, `?`, `#`. */
function pathSegment(values: Values, name: OptionName): string | undefined {
  const value = nonEmpty(values, name);
  if (
    value !== undefined &&
    (/[/?#%\\]/.test(value) || /^\.\.?$/.test(value) || hasControl(value))
  ) {
    throw new UsageError(`--${name} must be a single name, without / ? # % or \\`);
  }
  return value;
}

/** An AWS region goes into a host name (`oidc.{region}.amazonaws.com`): letters, digits, dashes. */
function region(values: Values): string | undefined {
  const value = nonEmpty(values, "region");
  if (value !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+$/.test(value)) {
    throw new UsageError("--region must be an AWS region name, e.g. eu-west-1");
  }
  return value;
}

function webUrl(values: Values, name: OptionName): string | undefined {
  const value = nonEmpty(values, name);
  if (value === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "https:" && protocol !== "http:") {
    throw new UsageError(`--${name} must be an http(s) URL`);
  }
  return value;
}

/** `--header NAME:VALUE`, repeatable; refused whole if one is malformed or a name repeats. */
function headerOptions(texts: readonly string[] | undefined): Record<string, string> | undefined {
  if (texts === undefined || texts.length === 0) return undefined;
  const parsed = headersFrom(texts);
  if (typeof parsed === "string") throw new UsageError(parsed);
  return parsed;
}

function hasControl(value: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(value);
}
