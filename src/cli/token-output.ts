/** Where the token goes: stdout (`--json`) and/or a private file (`--output`), and its summary. */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { TokenSet } from "../index.ts";
import { sanitize } from "./sanitize.ts";

/** The TokenSet as the JSON the CLI prints and saves (every field, including `raw`). */
export function tokenJson(token: TokenSet): string {
  return `${JSON.stringify(token, null, 2)}\n`;
}

/**
 * Writes `text` to `file` readable by its owner only (0600). The text goes to a new file beside
 * it, created exclusively with that mode (so it never exists with wider permissions, and a
 * planted symlink is not followed), then renamed over `file`: an existing file is replaced
 * atomically, and a reader never sees half a token.
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", 0o600);
  try {
    try {
      await handle.chmod(0o600); // in case the umask was unusual; 0600 is already the ceiling
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Why `file` cannot receive the token, checked before the flow starts so no approval is wasted:
 * its folder must exist and take a new file (probed by creating and removing one, which also
 * catches read-only mounts and ACLs that `access` misses), and `file` must not be a directory.
 * Undefined when it can be written.
 */
export async function outputProblem(file: string): Promise<string | undefined> {
  const folder = dirname(resolve(file));
  const folderStat = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (folderStat instanceof Error) {
    return `its folder ${folder} does not exist (${folderStat.code ?? "error"})`;
  }
  if (!folderStat.isDirectory()) return `${folder} is not a folder`;
  const fileStat = await stat(file).catch(() => undefined);
  if (fileStat?.isDirectory()) return "it is a directory";
  if (fileStat !== undefined) {
    // Replaced by rename, which needs only the folder; an unwritable file is still a mistake.
    const writable = await access(file, constants.W_OK).then(
      () => true,
      () => false,
    );
    if (!writable) return "it is not writable";
  }
  const probe = join(folder, `.${basename(file)}.${randomBytes(6).toString("hex")}.probe`);
  try {
    const handle = await open(probe, "wx", 0o600);
    await handle.close();
    await unlink(probe);
  } catch (error) {
    return `cannot create a file in ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  return undefined;
}

/**
 * Saves a token whose `--output` could not be written, so it is never lost after the user
 * approved: a new 0600 file beside the target, else in the current folder. Resolves to the path
 * written; rejects only when neither place takes it.
 */
export async function writeFallbackFile(file: string, text: string): Promise<string> {
  const name = `${basename(file)}.device-login-${randomBytes(4).toString("hex")}.json`;
  let lastError: unknown;
  for (const folder of [dirname(resolve(file)), process.cwd()]) {
    const path = join(folder, name);
    try {
      // "wx": a fresh file, never an existing one or a planted symlink.
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      return path;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Epoch milliseconds a Date can hold (ECMA-262 §21.4.1.1: ±8.64e15). */
const MAX_DATE_MS = 8.64e15;

/**
 * The one-line summary of a token for stderr, which never throws whatever the token holds: an
 * expiry a Date cannot represent (or that is not a number) is left out rather than crashing
 * after the token was already delivered.
 */
export function tokenSummary(
  token: Pick<TokenSet, "tokenType" | "expiresAt" | "expiresIn" | "refreshToken">,
): string {
  const parts = [`Signed in: ${sanitize(String(token.tokenType), 40)} token`];
  const { expiresAt, expiresIn } = token;
  if (
    typeof expiresAt === "number" &&
    Number.isFinite(expiresAt) &&
    Math.abs(expiresAt) <= MAX_DATE_MS
  ) {
    const lifetime =
      typeof expiresIn === "number" && Number.isFinite(expiresIn)
        ? ` (in ${Math.round(expiresIn)} s)`
        : "";
    parts.push(`expires ${new Date(expiresAt).toISOString()}${lifetime}`);
  }
  if (token.refreshToken !== undefined) parts.push("with a refresh token");
  return parts.join(", ");
}
