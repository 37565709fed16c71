/** The access token response (RFC 6749 §5.1) turned into a {@link TokenSet}. */
import { tokenSet, type Authorized } from "./result.ts";

/** The token fields, already checked by a generated validator. */
export interface TokenFields {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
}

/** `raw` is the body as sent; `now` anchors `expiresAt` at the answer's arrival. */
export function authorized(
  fields: TokenFields,
  raw: unknown,
  defaultTokenType = "Bearer",
  now = Date.now(),
): Authorized {
  const token = tokenSet({
    accessToken: fields.access_token,
    tokenType: fields.token_type || defaultTokenType,
    raw: typeof raw === "object" && raw !== null ? { ...(raw as Record<string, unknown>) } : {},
  });
  if (fields.expires_in !== undefined) {
    token.expiresIn = fields.expires_in;
    // A lifetime that overflows a date (1e308 s) is no known expiry: keep the token, skip the time.
    const expiresAt = now + fields.expires_in * 1000;
    if (Number.isFinite(expiresAt)) token.expiresAt = expiresAt;
  }
  if (fields.refresh_token) token.refreshToken = fields.refresh_token;
  if (fields.scope !== undefined) token.scope = fields.scope;
  // Not every dialect's validator knows id_token, so its type is checked here.
  if (typeof fields.id_token === "string" && fields.id_token) token.idToken = fields.id_token;
  return { status: "authorized", token };
}
