/** The CLI's "Signed in as …" line: from verified claims only, sanitized, and a warning on failure. */
import { describe, expect, it } from "vitest";
import { identityLine, printIdentity } from "../../src/cli/identity-line.ts";
import type { IdTokenClaims } from "../../src/identity/index.ts";

const claims = (extra: Partial<IdTokenClaims>): IdTokenClaims => ({
  iss: "https://issuer.example",
  sub: "user-42",
  aud: "tv-app",
  exp: 2,
  iat: 1,
  ...extra,
});

describe("identityLine", () => {
  it.each([
    [{ name: "Ada Lovelace", email: "ada@example.com" }, "Signed in as Ada Lovelace (user-42)"],
    [
      { email: "ada@example.com", preferred_username: "ada" },
      "Signed in as ada@example.com (user-42)",
    ],
    [{ preferred_username: "ada@contoso.example" }, "Signed in as ada@contoso.example (user-42)"],
    [{ name: "   " }, "Signed in as user-42"],
    [{}, "Signed in as user-42"],
  ])("%o → %s", (extra, text) => {
    expect(identityLine({ claims: claims(extra), idToken: "x" })).toEqual({ warning: false, text });
  });

  it("a name that tries to drive the terminal or forge a line is printed inert", () => {
    const line = identityLine({
      claims: claims({ name: "Eve\u001b[2J\nSigned in as admin\u202e" }),
      idToken: "x",
    });
    expect(line?.text).toBe("Signed in as Eve Signed in as admin (user-42)");
    expect(line?.text).not.toMatch(/[\u0000-\u001f\u202e]/);
  });

  it("an ID token that failed verification is a warning naming its code", () => {
    const line = identityLine({
      idToken: "x",
      idTokenError: { code: "wrong_issuer", message: 'unexpected "iss" claim value' },
    });
    expect(line?.warning).toBe(true);
    expect(line?.text).toMatch(
      /^Warning: the ID token failed verification \(wrong_issuer\): unexpected "iss" claim value\./,
    );
  });

  it("no ID token, no line", () => {
    expect(identityLine({})).toBeUndefined();
    const lines: string[] = [];
    printIdentity({}, { line: (text = "") => lines.push(text), good: (t) => t, bad: (t) => t });
    expect(lines).toEqual([]);
  });
});
