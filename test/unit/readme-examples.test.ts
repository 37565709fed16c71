// The README's quick starts are the files in examples/, which `npm run typecheck` compiles: this
// keeps the README from showing code that no longer type-checks.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const examples = readdirSync(new URL("../../examples/", import.meta.url)).filter((f) => f.endsWith(".ts"));

describe("README quick starts", () => {
  it("shows every example", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples)("examples/%s is in the README verbatim", (file) => {
    const name = file.replace(/\.ts$/, "");
    const block = readme.match(
      new RegExp(`<!-- example:${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n<!-- /example -->`),
    );
    const source = readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8");
    expect(block?.[1]).toBe(source);
  });
});
