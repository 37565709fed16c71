/**
 * The token set `device-login --json` printed, described for the demo's output with every secret
 * cut to its first characters: enough to see that a token arrived, not enough to use it.
 */

/** How many characters of a secret are shown. */
const SHOWN = 6;

/** `abcdef… (43 chars)`. */
export function shorten(secret: string): string {
  return `${secret.slice(0, SHOWN)}… (${secret.length} chars)`;
}

/** One line per field of the TokenSet JSON; a line saying so when it is not one. */
export function summariseToken(json: string): string[] {
  let token: unknown;
  try {
    token = JSON.parse(json);
  } catch {
    return ["(device-login printed no JSON token set)"];
  }
  if (typeof token !== "object" || token === null)
    return ["(device-login printed no JSON token set)"];
  const fields = token as Record<string, unknown>;
  const text = (name: string) =>
    typeof fields[name] === "string" ? (fields[name] as string) : undefined;
  const number = (name: string) =>
    typeof fields[name] === "number" ? (fields[name] as number) : undefined;

  const lines: string[] = [];
  const accessToken = text("accessToken");
  lines.push(`token type:    ${text("tokenType") ?? "(none)"}`);
  lines.push(`scope:         ${text("scope") ?? "(not stated)"}`);
  const expiresIn = number("expiresIn");
  const expiresAt = number("expiresAt");
  lines.push(
    `expires:       ${expiresIn === undefined ? "(not stated)" : `in ${expiresIn} s`}${expiresAt === undefined ? "" : `, at ${new Date(expiresAt).toISOString()}`}`,
  );
  lines.push(`access token:  ${accessToken ? shorten(accessToken) : "(missing!)"}`);
  const refreshToken = text("refreshToken");
  lines.push(`refresh token: ${refreshToken ? `yes, ${shorten(refreshToken)}` : "no"}`);
  const idToken = text("idToken");
  lines.push(`ID token:      ${idToken ? `yes, ${shorten(idToken)}` : "no"}`);
  return lines;
}
