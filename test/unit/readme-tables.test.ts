// The README's mapping tables are documentation users trust: they must say what the code does.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  amazonErrorCodes,
  auth0ErrorCodes,
  awsSsoErrorCodes,
  faktsStatuses,
  githubErrorCodes,
  googleErrorCodes,
  keycloakErrorCodes,
  microsoftErrorCodes,
  oktaErrorCodes,
  rfc8628ErrorCodes,
  traktStatuses,
  transparencErrorCodes,
  twitchErrorCodes,
} from "../../src/index.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/**
 * A README table as code → row. `<!-- mapping:github +rfc8628 -->` lists only what a preset adds
 * to the rfc8628 table, whose rows it inherits. A `{ fix }` row is written `error` with the fix in
 * the third column.
 */
function readmeTable(provider: string): Record<string, unknown> {
  const block = readme.match(new RegExp(`<!-- mapping:${provider}( \\+([\\w-]+))? -->([\\s\\S]*?)<!-- /mapping -->`));
  if (!block?.[3]) throw new Error(`README has no mapping table for ${provider}`);
  const inherited = block[2] === undefined ? {} : readmeTable(block[2]);
  const rows = block[3].split("\n").filter((line) => line.startsWith("| `"));
  return {
    ...inherited,
    ...Object.fromEntries(
      rows.map((line) => {
        const [answer, result, fix] = line.split("|").slice(1, 4).map((cell) => cell.trim().replaceAll("`", ""));
        return [answer, result === "error" ? { fix } : result];
      }),
    ),
  };
}

const stringKeys = (table: object) =>
  Object.fromEntries(Object.entries(table).map(([key, value]) => [String(key), value]));

describe("README mapping tables", () => {
  it.each([
    ["rfc8628", rfc8628ErrorCodes],
    ["trakt", traktStatuses],
    ["transparenc", transparencErrorCodes],
    ["fakts", faktsStatuses],
    ["github", githubErrorCodes],
    ["google", googleErrorCodes],
    ["microsoft", microsoftErrorCodes],
    ["auth0", auth0ErrorCodes],
    ["okta", oktaErrorCodes],
    ["keycloak", keycloakErrorCodes],
    ["twitch", twitchErrorCodes],
    ["amazon", amazonErrorCodes],
    ["aws-sso", awsSsoErrorCodes],
  ])("%s matches the adapter's table", (provider, table) => {
    expect(readmeTable(provider)).toEqual(stringKeys(table));
  });
});
