/**
 * `--header NAME:VALUE`: extra request headers, an escape hatch for what a provider or a gateway
 * in front of it wants and no option covers (an API key, a tenant hint, a tracing header). They
 * go to the SDK as the provider's `headers` option, so every request carries them.
 */

/** RFC 9110 §5.1: a field name is a token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Names that describe the connection or the message framing (RFC 9110 §7.6.1, §6.4.1, §10.1.1):
 * the HTTP client sets them, fetch drops some (Host, Content-Length) and refuses others
 * (Transfer-Encoding, Keep-Alive, Upgrade, Expect), so accepting them would only mislead.
 */
const SET_BY_THE_CLIENT = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-connection",
]);

/**
 * Parses `NAME:VALUE` texts (RFC 9110 §5: the value's surrounding whitespace is not part of it).
 * Returns the headers, or the reason the command line is wrong. The value is never quoted back:
 * it may be a key.
 */
export function headersFrom(texts: readonly string[]): Record<string, string> | string {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const text of texts) {
    const colon = text.indexOf(":");
    if (colon < 0) return "--header must be NAME:VALUE (no colon found)";
    const name = text.slice(0, colon);
    // Header injection: CR or LF would start a new header or end the head (RFC 9110 §5.5).
    if (/[\r\n\0]/.test(text)) return "--header must not contain CR, LF or NUL";
    if (name === "") return "--header needs a NAME before the colon";
    if (!TOKEN.test(name)) {
      return "--header NAME must be a token: letters, digits and !#$%&'*+-.^_`|~, no spaces";
    }
    const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    // RFC 9110 §5.5: other controls than HTAB are not field content.
    if (/[\u0001-\u0008\u000b-\u001f\u007f]/.test(value)) {
      return `--header ${name}: the value must not contain control characters`;
    }
    const lower = name.toLowerCase();
    if (SET_BY_THE_CLIENT.has(lower))
      return `--header ${name} is set by the HTTP client and cannot be given`;
    if (seen.has(lower)) return `--header ${name} is given twice`;
    seen.add(lower);
    headers[name] = value;
  }
  return headers;
}
