/**
 * What a token revocation endpoint's answer means (RFC 7009 §2.2, §2.2.1), read once for every
 * adapter that revokes.
 */
import { field, unexpected, type Answer } from "./http/answer.ts";
import type { RevokeResult } from "./result.ts";

/**
 * Codes that say the token is already not valid. RFC 7009 §2.2: "invalid tokens do not cause an
 * error response [...] the purpose of the revocation request, invalidating the particular token,
 * is already achieved". Google answers 400 `invalid_token` "Token expired or revoked" all the same
 * (GO1, fs:11010748853), e.g. for the access token of a refresh token revoked a moment before.
 */
const ALREADY_INVALID: ReadonlySet<string> = new Set(["invalid_token"]);

/**
 * One revocation answer → `revoked` or `error`: any 2xx is `revoked` (§2.2: the body is ignored),
 * as is a 4xx saying the token is already invalid; any other error code is a non-retryable
 * `error` (§2.2.1, e.g. `unsupported_token_type`); 503, other 5xx and 429 are retryable, with the
 * server's `Retry-After` (§2.2.1).
 * @see RFC 7009 §2.2, §2.2.1
 */
export function classifyRevocationAnswer(answer: Answer): RevokeResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { status: "revoked" };
  const code = field(answer.body, "error");
  if (
    status >= 400 &&
    status < 500 &&
    status !== 429 &&
    code !== undefined &&
    ALREADY_INVALID.has(code)
  ) {
    return { status: "revoked" };
  }
  return unexpected(answer, code, field(answer.body, "error_description"));
}
