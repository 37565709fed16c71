// The README's mapping tables are documentation users trust: they must say what the code does.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { faktsStatuses } from "../../src/providers/fakts.ts";
import { rfc8628ErrorCodes } from "../../src/providers/rfc8628.ts";
import { traktStatuses } from "../../src/providers/trakt.ts";
import { transparencErrorCodes } from "../../src/providers/transparenc.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function readmeTable(provider: string): Record<string, string> {
  const block = readme.match(new RegExp(`<!-- mapping:${provider} -->([\\s\\S]*?)<!-- /mapping -->`));
  if (!block?.[1]) throw new Error(`README has no mapping table for ${provider}`);
  const rows = block[1].split("\n").filter((line) => line.startsWith("| `"));
  return Object.fromEntries(
    rows.map((line) => {
      const [answer, result] = line.split("|").slice(1, 3).map((cell) => cell.trim().replaceAll("`", ""));
      return [answer, result];
    }),
  );
}

const stringKeys = (table: object) =>
  Object.fromEntries(Object.entries(table).map(([key, value]) => [String(key), value]));

describe("README mapping tables", () => {
  it.each([
    ["rfc8628", rfc8628ErrorCodes],
    ["trakt", traktStatuses],
    ["transparenc", transparencErrorCodes],
    ["fakts", faktsStatuses],
  ])("%s matches the adapter's table", (provider, table) => {
    expect(readmeTable(provider)).toEqual(stringKeys(table));
  });
});
