/**
 * The access token response (RFC 6749 §5.1) turned into a {@link TokenSet}: strict about what
 * makes a token (a non-empty string `access_token`), lenient about every other field, because a
 * device code is single-use and a token the server issued cannot be asked for again.
 */
import { lenientNumber } from "./http/answer.ts";
import { tokenSet, type Authorized } from "./result.ts";

/** The longest lifetime kept, in seconds (ten years): a larger one is clamped, so dates stay valid. */
export const MAX_TOKEN_LIFETIME_S = 315_360_000;

/** The body's fields under the names a dialect uses (AWS says `accessToken`). */
export interface TokenFieldNames {
  accessToken: string;
  tokenType: string;
  expiresIn: string;
  refreshToken: string;
  scope: string;
  idToken: string;
}

const OAUTH_NAMES: TokenFieldNames = {
  accessToken: "access_token",
  tokenType: "token_type",
  expiresIn: "expires_in",
  refreshToken: "refresh_token",
  scope: "scope",
  idToken: "id_token",
};

/** Whether a body carries a token: an object whose access token is a non-empty string. */
export function hasAccessToken(body: unknown, names: TokenFieldNames = OAUTH_NAMES): body is Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const token = (body as Record<string, unknown>)[names.accessToken];
  return typeof token === "string" && token !== "";
}

/**
 * A body that {@link hasAccessToken} as `authorized`. Every other field is normalised, never
 * fatal: `expires_in` as a number or digit string (floored, clamped to ten years; anything else
 * means "not said"); `null` means absent; a missing `token_type` is `Bearer`, and `bearer` in any
 * case is written `Bearer` (RFC 6750 §5.1 schemes are case-insensitive); `scope` as a space- or
 * comma-separated string or an array becomes one space-separated string. `now` anchors
 * `expiresAt` at the answer's arrival.
 */
export function authorized(
  body: Record<string, unknown>,
  names: TokenFieldNames = OAUTH_NAMES,
  now = Date.now(),
): Authorized {
  // An empty token_type says nothing, like a missing one.
  const tokenType = text(body[names.tokenType]) || undefined;
  const token = tokenSet({
    accessToken: body[names.accessToken] as string,
    tokenType: tokenType === undefined || /^bearer$/i.test(tokenType) ? "Bearer" : tokenType,
    raw: { ...body },
  });
  const expiresIn = lenientNumber(body[names.expiresIn]);
  if (expiresIn !== undefined) {
    token.expiresIn = Math.min(Math.floor(expiresIn), MAX_TOKEN_LIFETIME_S);
    token.expiresAt = now + token.expiresIn * 1000;
  }
  const refreshToken = text(body[names.refreshToken]);
  if (refreshToken) token.refreshToken = refreshToken;
  const scope = scopeOf(body[names.scope]);
  if (scope !== undefined) token.scope = scope;
  const idToken = text(body[names.idToken]);
  if (idToken) token.idToken = idToken;
  return { status: "authorized", token };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** RFC 6749 §3.3 space-delimited; GitHub sends `repo,gist`, Twitch a JSON array. */
function scopeOf(value: unknown): string | undefined {
  const parts = Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : typeof value === "string"
      ? [value]
      : undefined;
  return parts?.flatMap((part) => part.split(/[\s,]+/)).filter(Boolean).join(" ");
}
