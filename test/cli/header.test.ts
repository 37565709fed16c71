/**
 * `--header NAME:VALUE`: reaches the server on every request (discovery included), for rfc8628
 * and for the presets alike; a malformed one is a usage error before any request is sent.
 */
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { startImitation, type Imitation } from "../support/cli-imitations.ts";
import { runCli } from "../support/run-cli.ts";

const imitations: Imitation[] = [];
afterAll(async () => {
  await Promise.all(imitations.map((imitation) => imitation.close()));
});

async function imitate(preset: "rfc8628" | "github") {
  const imitation = await startImitation(preset);
  imitations.push(imitation);
  return imitation;
}

describe.concurrent("device-login --header", () => {
  it("rfc8628: every request carries every --header, discovery included", async () => {
    const imitation = await imitate("rfc8628");
    const result = await runCli([
      "rfc8628",
      "--issuer",
      imitation.origin,
      "--client-id",
      "cli",
      "--header",
      "X-Api-Key: key-41",
      "--header",
      "X-Trace:t-7 ",
      "--json",
    ]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(imitation.requests.map((seen) => `${seen.method} ${seen.path}`)).toEqual([
      "GET /.well-known/oauth-authorization-server",
      "POST /device_authorization",
      "POST /token",
      "POST /token",
    ]);
    for (const seen of imitation.requests) {
      // The value's surrounding whitespace is not part of it (RFC 9110 §5.5).
      expect(seen.headers).toMatchObject({ "x-api-key": "key-41", "x-trace": "t-7" });
      // The SDK's own Accept stays.
      expect(seen.headers.accept).toBe("application/json");
    }
    expect(result.stderr).not.toContain("key-41");
  });

  it("a preset (github) passes --header on too", async () => {
    const imitation = await imitate("github");
    const result = await runCli([
      "github",
      "--base-url",
      imitation.origin,
      "--client-id",
      "Iv1.gh",
      "--header",
      "X-GitHub-Api-Version: 2022-11-28",
      "--json",
    ]);
    expect(result.code).toBe(EXIT_CODES.authorized);
    expect(imitation.requests).toHaveLength(3);
    for (const seen of imitation.requests)
      expect(seen.headers["x-github-api-version"]).toBe("2022-11-28");
  });

  it.each([
    ["X-Api-Key key-secret-9", /--header must be NAME:VALUE/],
    [": v", /--header needs a NAME/],
    ["X-A: a\r\nX-Injected: b", /--header must not contain CR, LF or NUL/],
    ["X-A: a\nX-Injected: b", /--header must not contain CR, LF or NUL/],
    ["Bad Name: v", /--header NAME must be a token/],
  ])("refuses %j with exit 2, sending nothing", async (header, message) => {
    const imitation = await imitate("rfc8628");
    const result = await runCli([
      "rfc8628",
      "--issuer",
      imitation.origin,
      "--client-id",
      "cli",
      "--header",
      header,
    ]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("key-secret-9");
    expect(imitation.requests).toEqual([]);
  });
});
