/**
 * Turns a contract table into tests against the spec's Prism mock:
 * - per documented answer, the generated client gets exactly the spec's example, its status and
 *   headers, and the body passes the generated validator;
 * - per row, the SDK's flow function resolves (or rejects) to what the row says.
 * Every exchange must come from the spec: no `sl-violations`, no Prism problem answer.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { mockUrl } from "../support/prism-context.ts";
import { prismFetch, type PrismFetch } from "../support/prism-fetch.ts";
import { documentedResponse, type DocumentedResponse } from "../support/prism-spec.ts";
import {
  answerName,
  preferOf,
  type Body,
  type Expectation,
  type Mock,
  type Row,
  type SpecContract,
} from "./contract.ts";

export function runContract(contract: SpecContract): void {
  const { spec } = contract;

  describe(`${spec}.yaml through the generated client`, () => {
    for (const row of uniqueAnswers(contract.rows)) {
      it(`${row.operationId} → ${answerName(row)}`, async () => {
        const documented = await documentedResponse(spec, row.operationId, row.status);
        const url = mockUrl(spec);
        const mediaType = row.example === undefined ? undefined : documented.mediaTypes.get(row.example);
        const recorder = prismFetch({
          prefer: (path) => (path === documented.path ? preferOf(row) : undefined),
          ...(mediaType === undefined ? {} : { accept: mediaType }),
        });
        const drivers = driversOf(contract, row);

        const answer = await drivers.raw({ url, fetch: recorder.fetch });

        expectFromSpec(recorder, documented, row);
        expect(answer.response.status).toBe(row.status);
        expect(answer.response.headers.get("content-type") ?? "").toContain(mediaType ?? "");
        const body = decoded(answer.response.ok ? answer.data : answer.error, answer.response);
        const example = exampleOf(documented, row);
        expect(body).toEqual(example);
        if (example !== undefined) {
          const schema = drivers.bodies[row.status];
          expect(
            schema,
            `a generated validator for ${row.operationId} ${row.status}`,
          ).toBeDefined();
          expect(v.safeParse(schema as v.GenericSchema, body).issues).toBeUndefined();
        }
        for (const header of documented.headers) {
          expect(answer.response.headers.has(header), `documented header ${header}`).toBe(true);
        }
      });
    }
  });

  describe(`${spec}.yaml through the flow functions`, () => {
    for (const row of contract.rows) {
      it(`${row.operationId} → ${answerName(row)}: ${row.flow}`, async () => {
        const documented = await documentedResponse(spec, row.operationId, row.status);
        const url = mockUrl(spec);
        const recorder = prismFetch({
          prefer: (path) =>
            path === documented.path ? preferOf(row) : (row.otherPaths?.[path] ?? "code=200"),
          rewrite: Object.fromEntries(contract.exampleOrigins.map((origin) => [origin, url])),
        });
        const mock: Mock = { url, fetch: recorder.fetch };
        const example = (exampleOf(documented, row) ?? {}) as Body;

        const run = driversOf(contract, row).flows[row.flow];
        expect(run, `flow ${row.flow}`).toBeDefined();
        const outcome = (run as (mock: Mock) => Promise<unknown>)(mock);
        if (row.rejects !== undefined) {
          await expect(outcome).rejects.toMatchObject(build(row.rejects, example, mock) as object);
        } else {
          await expect(outcome).resolves.toEqual(build(row.resolves, example, mock));
        }

        expectFromSpec(recorder, documented, row);
        if (row.visits) {
          const visited = recorder.exchanges.map(
            ({ method, url: target }) => `${method} ${target}`,
          );
          expect(visited).toEqual(row.visits);
        }
      });
    }
  });
}

/**
 * A body a raw driver read as text (`parseAs: "text"`, so form answers can be read at all),
 * decoded by its media type; bodies openapi-fetch already parsed pass through.
 */
function decoded(body: unknown, response: Response): unknown {
  if (typeof body !== "string") return body;
  if (body === "") return undefined;
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(body));
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Every answer came from the spec, and the row's operation got the row's status. */
function expectFromSpec(recorder: PrismFetch, documented: DocumentedResponse, row: Row): void {
  expect(recorder.problems()).toEqual([]);
  const reached = recorder.exchanges.some(
    ({ method, url, status }) =>
      method === documented.method &&
      new URL(url).pathname === documented.path &&
      status === row.status,
  );
  expect(reached, `${documented.method} ${documented.path} answered ${row.status}`).toBe(true);
}

/** The body Prism serves for the row: the named example, or the first one, or none. */
function exampleOf(documented: DocumentedResponse, row: Row): unknown {
  if (row.example === undefined) return documented.examples.values().next().value;
  expect(documented.examples.has(row.example), `example ${row.example} is in the spec`).toBe(true);
  return documented.examples.get(row.example);
}

function driversOf(contract: SpecContract, row: Row) {
  const drivers = contract.operations[row.operationId];
  if (!drivers) throw new Error(`no drivers for ${contract.spec} ${row.operationId}`);
  return drivers;
}

function build(expected: Expectation, example: Body, mock: Mock): unknown {
  return typeof expected === "function" ? expected(example, mock) : expected;
}

/** One raw test per documented answer a table names, however many flows it drives. */
function uniqueAnswers(rows: readonly Row[]): Row[] {
  const first = new Map<string, Row>();
  for (const row of rows) {
    const answer = `${row.operationId} ${answerName(row)}`;
    if (!first.has(answer)) first.set(answer, row);
  }
  return [...first.values()];
}
