/**
 * The exit codes of `device-login`: one table, read by the code, the `--help` text and the tests,
 * so the three cannot disagree.
 */
export const EXIT_CODES = {
  authorized: 0,
  error: 1,
  usage: 2,
  denied: 3,
  expired: 4,
  invalidCode: 5,
  signInRequired: 6,
  interrupted: 130,
} as const;

export type ExitReason = keyof typeof EXIT_CODES;
export type ExitCode = (typeof EXIT_CODES)[ExitReason];

/** What each code means, in the order `--help` lists them. */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitReason, string>> = {
  authorized: "authorized: the token was printed or saved",
  // Also a sign-in whose --output could not be written after approval: the token is then on
  // stdout (--json) or in a fallback file stderr names, never lost, but FILE does not hold it.
  error: "any other error (network, TLS, server, bad response, --output not written)",
  usage: "usage error: unknown or missing option, bad value, unusable URL or --output FILE",
  denied: "the user denied the request",
  expired: "the code expired before approval, or --timeout elapsed",
  invalidCode: "the server does not know the device code, or it was already used",
  // `device-login token`: nothing stored, or the refresh token was refused (RFC 6749 §5.2
  // invalid_grant). Refreshing again cannot help; only a new sign-in can.
  signInRequired: "token: sign in again (no saved token, or the refresh token was refused)",
  interrupted: "interrupted (Ctrl-C)",
};
