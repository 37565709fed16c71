/**
 * The `device-login` subcommands, one row per provider: which options each takes and how its
 * `--help` describes them. The parser (args.ts) and the help (help.ts) both read this table, so
 * an option cannot be accepted without being documented, or documented without being accepted.
 */
import type { OptionName } from "./args.ts";

/** The environment variable the client secret can come from, so it stays out of `ps`. */
export const SECRET_ENV = "DEVICE_LOGIN_CLIENT_SECRET";

/** One option of one subcommand, as its `--help` shows it. */
export interface OptionHelp {
  name: OptionName;
  /** The value's placeholder, e.g. `URL`. */
  value: string;
  text: string;
}

/** One subcommand: what it signs in with, its own options, and an example for the help. */
export interface Subcommand {
  /** One line for `device-login --help`. */
  summary: string;
  /** Its provider-specific options, in help order. */
  options: readonly OptionHelp[];
  example: string;
}

const secretText = `better: set ${SECRET_ENV}, which stays out of the process list`;
const scope = (text = "space-separated scopes"): OptionHelp => ({
  name: "scope",
  value: "S",
  text,
});
const clientId = (text = "the OAuth client id (required)"): OptionHelp => ({
  name: "client-id",
  value: "ID",
  text,
});
const baseUrl = (origin: string, why: string): OptionHelp => ({
  name: "base-url",
  value: "URL",
  text: `origin to use instead of ${origin} (${why})`,
});

/** Every subcommand; the key is the name typed on the command line. */
export const SUBCOMMANDS = {
  rfc8628: {
    summary: "any RFC 8628 server, by discovery (RFC 8414) or with both endpoints",
    options: [
      { name: "issuer", value: "URL", text: "find the endpoints by discovery (RFC 8414)" },
      {
        name: "device-endpoint",
        value: "URL",
        text: "device authorization endpoint (with --token-endpoint)",
      },
      { name: "token-endpoint", value: "URL", text: "token endpoint" },
      {
        name: "revocation-endpoint",
        value: "URL",
        text: "token revocation endpoint (RFC 7009), for logout; --issuer finds it by discovery",
      },
      clientId(),
      { name: "client-secret", value: "S", text: secretText },
      {
        name: "client-auth",
        value: "M",
        text: "client_secret_basic (default with a secret), client_secret_post, none",
      },
      { name: "audience", value: "A", text: "audience parameter (e.g. Auth0)" },
      scope(),
    ],
    example:
      "device-login rfc8628 --issuer https://auth.example.com --client-id my-cli --scope openid",
  },
  github: {
    summary: "GitHub and GitHub Enterprise Server (OAuth apps and GitHub Apps)",
    options: [
      clientId("the app's client id (required); enable Device Flow in the app's settings"),
      baseUrl("https://github.com", "GitHub Enterprise Server: https://HOSTNAME"),
      scope('space-separated scopes, e.g. "repo read:org" (GitHub Apps ignore it)'),
    ],
    example: 'device-login github --client-id Iv1.0123456789abcdef --scope "repo read:org"',
  },
  google: {
    summary: 'Google (a "TVs and Limited Input devices" OAuth client)',
    options: [
      clientId(),
      { name: "client-secret", value: "S", text: `required by Google; ${secretText}` },
      baseUrl("https://oauth2.googleapis.com", "tests, proxies"),
      scope(
        "space-separated scopes (required); Google allows only openid, email, profile and a few more",
      ),
    ],
    example:
      'device-login google --client-id 123.apps.googleusercontent.com --scope "openid email"',
  },
  microsoft: {
    summary: "Microsoft Entra ID (v2.0 endpoints)",
    options: [
      clientId("the application (client) id (required)"),
      {
        name: "tenant",
        value: "T",
        text: "common (default), organizations, consumers, a tenant id or a domain",
      },
      baseUrl(
        "https://login.microsoftonline.com",
        "sovereign clouds, e.g. https://login.microsoftonline.us",
      ),
      scope("space-separated scopes (required); add offline_access for a refresh token"),
    ],
    example:
      'device-login microsoft --tenant organizations --client-id 00000000-0000-0000-0000-000000000000 --scope "openid offline_access User.Read"',
  },
  auth0: {
    summary: "Auth0 (a Native application with the Device Code grant)",
    options: [
      {
        name: "domain",
        value: "D",
        text: "the tenant or custom domain (required), e.g. example.eu.auth0.com, or an origin URL",
      },
      clientId(),
      { name: "audience", value: "A", text: "the API identifier to get an access token for" },
      scope("space-separated scopes; add offline_access for a refresh token"),
    ],
    example:
      "device-login auth0 --domain example.eu.auth0.com --client-id ID --audience https://api.example.com",
  },
  okta: {
    summary: "Okta (endpoints found by discovery from the authorization server)",
    options: [
      {
        name: "issuer",
        value: "URL",
        text: "the authorization server (required), e.g. https://example.okta.com/oauth2/default",
      },
      clientId("the Native app's client id (required)"),
      scope("space-separated scopes; add offline_access for a refresh token"),
    ],
    example:
      'device-login okta --issuer https://example.okta.com/oauth2/default --client-id ID --scope "openid offline_access"',
  },
  keycloak: {
    summary: "Keycloak (a realm's OpenID Connect endpoints)",
    options: [
      {
        name: "base-url",
        value: "URL",
        text: "the server's origin (required), e.g. https://sso.example.com",
      },
      { name: "realm", value: "R", text: "the realm (required)" },
      clientId(),
      {
        name: "client-secret",
        value: "S",
        text: `for a confidential client (sent with HTTP Basic); ${secretText}`,
      },
      scope(),
    ],
    example:
      "device-login keycloak --base-url https://sso.example.com --realm main --client-id my-cli",
  },
  aws: {
    summary: "AWS IAM Identity Center (registers a public client first)",
    options: [
      { name: "region", value: "R", text: "the Identity Center region (required), e.g. eu-west-1" },
      {
        name: "start-url",
        value: "URL",
        text: "the AWS access portal URL (required), e.g. https://d-1234567890.awsapps.com/start",
      },
      { name: "client-name", value: "N", text: "the name the client is registered under" },
      baseUrl("https://oidc.{region}.amazonaws.com", "tests, proxies"),
    ],
    example:
      "device-login aws --region eu-west-1 --start-url https://d-1234567890.awsapps.com/start",
  },
  amazon: {
    summary: "Login with Amazon (code-based linking)",
    options: [
      clientId(),
      baseUrl("https://api.amazon.com", "tests, proxies"),
      scope("space-separated scopes (required), e.g. profile"),
      {
        name: "scope-data",
        value: "JSON",
        text: 'Alexa devices: the scope_data JSON, e.g. {"alexa:all":{"productID":"…",…}}',
      },
    ],
    example: "device-login amazon --client-id amzn1.application-oa2-client.0123 --scope profile",
  },
  twitch: {
    summary: "Twitch (a public client)",
    options: [
      clientId(),
      baseUrl("https://id.twitch.tv", "tests, proxies"),
      scope("space-separated scopes, e.g. user:read:email (sent as Twitch's scopes)"),
    ],
    example: 'device-login twitch --client-id ID --scope "user:read:email"',
  },
  trakt: {
    summary: "Trakt",
    options: [
      clientId(),
      { name: "client-secret", value: "S", text: `required by Trakt; ${secretText}` },
      baseUrl("https://auth.trakt.tv", "tests, proxies"),
    ],
    example: "device-login trakt --client-id ID",
  },
  transparenc: {
    summary: "a Transparenc-style server (Django REST framework)",
    options: [
      { name: "base-url", value: "URL", text: "the server's origin (required)" },
      clientId(),
      { name: "device-type", value: "T", text: "required, e.g. tv, desktop" },
      { name: "device-os", value: "O", text: "required, e.g. linux, android" },
      scope(),
    ],
    example:
      "device-login transparenc --base-url https://t.example --client-id ID --device-type tv --device-os linux",
  },
  fakts: {
    summary: "a fakts (arkitekt) server",
    options: [
      {
        name: "base-url",
        value: "URL",
        text: "the fakts base URL (required), e.g. https://arkitekt.example/f/",
      },
      { name: "manifest-identifier", value: "I", text: "the app's identifier (required)" },
      { name: "manifest-version", value: "V", text: "the app's version (required)" },
      { name: "client-kind", value: "K", text: "development (default), website, desktop" },
      scope(),
    ],
    example:
      "device-login fakts --base-url https://arkitekt.example/f/ --manifest-identifier org.example.app --manifest-version 1.0.0",
  },
} as const satisfies Record<string, Subcommand>;

export type ProviderName = keyof typeof SUBCOMMANDS;

/** The subcommands, in help order. */
export const PROVIDERS = Object.keys(SUBCOMMANDS) as ProviderName[];

const profileOption = (text: string): OptionHelp => ({ name: "profile", value: "NAME", text });
const networkOptions: readonly OptionHelp[] = [
  { name: "header", value: "NAME:VALUE", text: "send this header with every request (repeatable)" },
  { name: "proxy", value: "URL", text: "HTTP(S) proxy; default: HTTPS_PROXY / HTTP_PROXY" },
  {
    name: "ca",
    value: "FILE",
    text: "trust the PEM certificate(s) in FILE (default: the sign-in's)",
  },
];

/**
 * The commands over saved sign-ins (profiles), which take no provider: the profile knows it. Each
 * is one file in commands/.
 */
export const PROFILE_COMMAND_HELP = {
  token: {
    summary: "print a profile's access token on stdout, refreshed when it expires",
    options: [profileOption("which profile (default: the only one saved)"), ...networkOptions],
    example: 'curl -H "Authorization: Bearer $(device-login token --profile trakt)" URL',
  },
  status: {
    summary: "list the profiles: provider, expiry, scope, refresh token held; no secret",
    options: [
      profileOption("only this profile"),
      { name: "json", value: "", text: "print the list as JSON on stdout" },
    ],
    example: "device-login status --json",
  },
  logout: {
    summary: "revoke a profile's tokens where the provider can, then delete them",
    options: [profileOption("which profile (default: the only one saved)"), ...networkOptions],
    example: "device-login logout --profile github",
  },
} as const satisfies Record<string, Subcommand>;

export type ProfileCommandName = keyof typeof PROFILE_COMMAND_HELP;

/** The profile commands, in help order. */
export const PROFILE_COMMANDS = Object.keys(PROFILE_COMMAND_HELP) as ProfileCommandName[];
