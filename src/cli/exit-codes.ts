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
  interrupted: "interrupted (Ctrl-C)",
};
