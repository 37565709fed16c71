/**
 * Just enough of a browser's cookie store for the automated approver talking to one origin:
 * cookies kept by name and path (RFC 6265 §5.3), sent to paths they cover (§5.1.4), dropped when
 * they expire or the server deletes them. undici parses the Set-Cookie headers.
 */
import { getSetCookies, Headers as UndiciHeaders } from "undici";

interface Stored {
  name: string;
  value: string;
  path: string;
  /** Epoch milliseconds, or undefined for a session cookie. */
  expiresAt: number | undefined;
}

export class CookieJar {
  private readonly cookies = new Map<string, Stored>();

  /** Stores the cookies a response sets for a request to `url`. */
  store(url: URL, headers: Headers, now = Date.now()): void {
    // undici's parser wants undici's own Headers class (not always the global one).
    const setCookies = new UndiciHeaders(
      headers.getSetCookie().map((value): [string, string] => ["set-cookie", value]),
    );
    for (const cookie of getSetCookies(setCookies)) {
      const path = cookie.path?.startsWith("/") ? cookie.path : defaultPath(url);
      const expiresAt =
        cookie.maxAge !== undefined
          ? now + cookie.maxAge * 1000
          : cookie.expires
            ? new Date(cookie.expires).getTime()
            : undefined;
      const key = `${cookie.name}\u0000${path}`;
      if (expiresAt !== undefined && expiresAt <= now) this.cookies.delete(key);
      else this.cookies.set(key, { name: cookie.name, value: cookie.value, path, expiresAt });
    }
  }

  /** The Cookie header for a request to `url`: longer paths first (RFC 6265 §5.4), or undefined. */
  header(url: URL, now = Date.now()): string | undefined {
    const sent = [...this.cookies.values()]
      .filter(
        (cookie) =>
          (cookie.expiresAt === undefined || cookie.expiresAt > now) &&
          pathMatches(url.pathname, cookie.path),
      )
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`);
    return sent.length > 0 ? sent.join("; ") : undefined;
  }
}

/** RFC 6265 §5.1.4: the request path is the cookie path, or below it. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** RFC 6265 §5.1.4 default-path: the request path up to its last `/`. */
function defaultPath(url: URL): string {
  const path = url.pathname;
  const last = path.lastIndexOf("/");
  return last <= 0 ? "/" : path.slice(0, last);
}
