/**
 * Opening the verification page in the user's browser, as fakts' `open_browser` does: best
 * effort, detached, errors ignored (the URL is on screen anyway).
 */
import { spawn } from "node:child_process";
import { safeWebUrl } from "./sanitize.ts";

export interface BrowserContext {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether a person is watching (stderr is a terminal). */
  interactive: boolean;
}

/**
 * Whether to try at all: only on a terminal (a script or CI job has nobody to look at a browser)
 * and, on Linux and the BSDs, only with an X11 or Wayland display (a server over SSH has none).
 */
export function canOpenBrowser({ platform, env, interactive }: BrowserContext): boolean {
  if (!interactive) return false;
  if (platform === "darwin" || platform === "win32") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** The program and arguments that open `url`; no shell is involved, so nothing is interpreted. */
export function browserCommand(url: string, platform: NodeJS.Platform): [string, string[]] {
  if (platform === "darwin") return ["open", [url]];
  // rundll32, not `cmd /c start`: cmd would read `&` in a query string as a command separator.
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/**
 * Starts the browser on an http(s) URL and returns true, or returns false without doing anything
 * for any other URL. Never throws and never waits for the browser.
 */
export function openBrowser(url: string, platform: NodeJS.Platform): boolean {
  const safe = safeWebUrl(url);
  if (safe === undefined) return false;
  const [command, args] = browserCommand(safe, platform);
  try {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.on("error", () => {}); // e.g. xdg-open not installed
    child.unref();
  } catch {
    // Deliberately ignored: the user can open the URL shown on screen.
  }
  return true;
}
