/**
 * The shape of a contract table: one row per (operation, status, example, flow) → what the SDK
 * must make of that answer. Each spec's table lives in tables/<spec>.ts; <spec>.test.ts turns every
 * row into tests, and coverage.test.ts checks that the rows cover every (operation, status) and
 * every named example the specs document.
 */
import type { GenericSchema } from "valibot";

/** A spec's Prism mock, as a driver sees it. */
export interface Mock {
  /** The mock's base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The fetch to inject: it asks Prism for the row's answer and records the exchange. */
  fetch: (input: Request) => Promise<Response>;
}

/** What openapi-fetch resolves to. */
export interface RawAnswer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export interface OperationDrivers<Flow extends string = string> {
  /** Sends the operation with the generated client: openapi-fetch typed by generated `paths`. */
  raw(mock: Mock): Promise<RawAnswer>;
  /** The generated validator of each documented body, by status. */
  bodies: Readonly<Partial<Record<number, GenericSchema>>>;
  /** The SDK's flow functions that reach this operation, by name. */
  flows: Readonly<Record<Flow, (mock: Mock) => Promise<unknown>>>;
}

/** An example body of the spec (an empty object when the status documents none). */
export type Body = Readonly<Record<string, unknown>>;
/**
 * What a flow must resolve to (compared with `toEqual`) or reject with (`toMatchObject`): a value,
 * or a function that builds it from the row's example body and the mock.
 */
export type Expectation =
  Readonly<Record<string, unknown>> | ((example: Body, mock: Mock) => unknown);

export type Row<Operation extends string = string, Flow extends string = string> = {
  operationId: Operation;
  status: number;
  /** The named example Prism is asked for (`Prefer: example=…`). */
  example?: string;
  /** Which of the operation's flows is driven. */
  flow: Flow;
  /**
   * `Prefer` for the other paths the flow visits (e.g. discovery before the device request);
   * those not listed get `code=200`, i.e. the first 200 example.
   */
  otherPaths?: Readonly<Record<string, string>>;
  /** The requests the flow must make, in order, as `METHOD url` (the URLs the SDK asked for). */
  visits?: readonly string[];
} & ({ resolves: Expectation; rejects?: never } | { rejects: Expectation; resolves?: never });

export interface SpecContract {
  /** The spec's name: specs/<spec>.yaml. */
  spec: string;
  /** Origins the spec's examples name (e.g. discovery metadata) that the mock serves instead. */
  exampleOrigins: readonly string[];
  operations: Readonly<Record<string, OperationDrivers>>;
  rows: readonly Row[];
}

type RowOf<Operations extends Record<string, OperationDrivers>> = {
  [Operation in keyof Operations & string]: Row<
    Operation,
    keyof Operations[Operation]["flows"] & string
  >;
}[keyof Operations & string];

/** A table whose operation and flow names the compiler checks against its drivers. */
export function defineContract<
  const Operations extends Record<string, OperationDrivers>,
>(contract: {
  spec: string;
  exampleOrigins?: readonly string[];
  operations: Operations;
  rows: readonly RowOf<Operations>[];
}): SpecContract {
  return { exampleOrigins: [], ...contract };
}

/** The `Prefer` header that selects a row's answer. */
export function preferOf(row: Pick<Row, "status" | "example">): string {
  return row.example === undefined
    ? `code=${row.status}`
    : `code=${row.status}, example=${row.example}`;
}

/** A row's answer as a test name: `418`, `400 slow_down`. */
export function answerName(row: Pick<Row, "status" | "example">): string {
  return row.example === undefined ? String(row.status) : `${row.status} ${row.example}`;
}
