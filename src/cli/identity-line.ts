/**
 * "Who signed in", for the login summary: the account from verified ID token claims
 * (`token.claims`, OpenID Connect Core 1.0 §5.1), or a warning when an ID token came but failed
 * verification. Claims are the issuer's text: sanitized before they reach the terminal.
 */
import type { IdTokenClaims, TokenSet } from "../index.ts";
import { sanitize } from "./sanitize.ts";
import type { Terminal } from "./terminal.ts";

/** The longest name or subject printed. */
const MAX_PART = 120;

/**
 * The account verified claims name: `<name or email or preferred_username> (<sub>)`, or the
 * `sub` alone; sanitized (for `device-login status` too).
 */
export function account(claims: IdTokenClaims): string {
  const shown = [claims.name, claims.email, claims.preferred_username]
    .map((value) => (typeof value === "string" ? sanitize(value, MAX_PART) : ""))
    .find((value) => value !== "");
  const sub = sanitize(String(claims.sub), MAX_PART);
  return shown ? `${shown} (${sub})` : sub;
}

/** What to print about who signed in: a good line, a warning, or nothing (no ID token). */
export function identityLine(
  token: Pick<TokenSet, "claims" | "idTokenError" | "idToken">,
): { warning: boolean; text: string } | undefined {
  const { claims, idTokenError } = token;
  if (claims !== undefined) return { warning: false, text: `Signed in as ${account(claims)}` };
  if (idTokenError !== undefined) {
    const code = sanitize(String(idTokenError.code), 40);
    const message = sanitize(String(idTokenError.message), 200).replace(/\.$/, "");
    return {
      warning: true,
      text: `Warning: the ID token failed verification (${code}): ${message}. Who signed in is not known; the access token is fine.`,
    };
  }
  return undefined;
}

/** Prints {@link identityLine} for `token` on the terminal, when there is one. */
export function printIdentity(
  token: Pick<TokenSet, "claims" | "idTokenError" | "idToken">,
  term: Pick<Terminal, "line" | "good" | "bad">,
): void {
  const line = identityLine(token);
  if (line) term.line(line.warning ? term.bad(line.text) : term.good(line.text));
}
