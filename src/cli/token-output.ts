/** Where the token goes: stdout (`--json`) and/or a private file (`--output`). */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { TokenSet } from "../index.ts";

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
