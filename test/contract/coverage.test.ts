/**
 * Every (operation, status) pair every spec documents, and every named example, has a row in a
 * contract table (and so a test: specs.test.ts runs every row). A spec added without a table, or
 * a status added to a spec without a row, fails here by name.
 */
import { describe, expect, it } from "vitest";
import { specNames } from "../support/prism-mocks.ts";
import { documentedResponses } from "../support/prism-spec.ts";
import { answerName } from "./contract.ts";
import { contracts } from "./tables/index.ts";

interface Documented {
  pairs: Set<string>;
  examples: Set<string>;
}

async function documented(spec: string): Promise<Documented> {
  const pairs = new Set<string>();
  const examples = new Set<string>();
  for (const response of await documentedResponses(spec)) {
    pairs.add(`${spec} ${response.operationId} ${response.status}`);
    for (const name of response.examples.keys()) {
      examples.add(
        `${spec} ${response.operationId} ${answerName({ status: Number(response.status), example: name })}`,
      );
    }
  }
  return { pairs, examples };
}

function tabled(spec: string): Documented {
  const rows = contracts.find((contract) => contract.spec === spec)?.rows ?? [];
  return {
    pairs: new Set(rows.map((row) => `${spec} ${row.operationId} ${row.status}`)),
    examples: new Set(
      rows
        .filter((row) => row.example !== undefined)
        .map((row) => `${spec} ${row.operationId} ${answerName(row)}`),
    ),
  };
}

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((item) => !b.has(item));

describe("contract coverage of specs/", () => {
  const specs = specNames();

  it("finds the specs", () => {
    expect(specs).toEqual(expect.arrayContaining(["fakts", "rfc8628", "trakt", "transparenc"]));
  });

  it("has a table for every spec, and no table without a spec", () => {
    expect(contracts.map((contract) => contract.spec).sort()).toEqual(specs);
  });

  it("has a test for every documented (operation, status) pair", async () => {
    const uncovered: string[] = [];
    let pairs = 0;
    for (const spec of specs) {
      const inSpec = await documented(spec);
      pairs += inSpec.pairs.size;
      uncovered.push(...minus(inSpec.pairs, tabled(spec).pairs));
    }
    expect(pairs).toBeGreaterThan(0);
    expect(uncovered, "documented (operation, status) pairs without a contract test").toEqual([]);
  });

  it("asks Prism for every named example at least once", async () => {
    const uncovered: string[] = [];
    for (const spec of specs)
      uncovered.push(...minus((await documented(spec)).examples, tabled(spec).examples));
    expect(uncovered, "documented examples without a contract test").toEqual([]);
  });

  it("has no row for an answer the spec does not document", async () => {
    const stale: string[] = [];
    for (const spec of specs) {
      const inSpec = await documented(spec);
      const inTable = tabled(spec);
      stale.push(
        ...minus(inTable.pairs, inSpec.pairs),
        ...minus(inTable.examples, inSpec.examples),
      );
    }
    expect(stale, "rows for answers the specs do not document").toEqual([]);
  });
});
