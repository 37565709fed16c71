/**
 * What a spec documents, read the way Prism reads it (`getHttpOperationsFromSpec`, $refs
 * resolved): every operation, every status it answers with, and each status' named examples.
 */
import { getHttpOperationsFromSpec } from "@stoplight/prism-http";
import { specPath } from "./prism-mocks.ts";

export interface DocumentedResponse {
  operationId: string;
  method: string;
  path: string;
  /** The status as the spec writes it: "200", "429" (or "default", "4XX"). */
  status: string;
  /**
   * Named examples of the body, by name; empty when the status documents no body. A
   * form-urlencoded example is written as the encoded string the wire carries (Prism serves it as
   * is); here it is decoded into the object of strings a client reads.
   */
  examples: ReadonlyMap<string, unknown>;
  /** The media type each named example is documented under. */
  mediaTypes: ReadonlyMap<string, string>;
  /** The response headers the spec declares. */
  headers: readonly string[];
}

const FORM = "application/x-www-form-urlencoded";

const cache = new Map<string, Promise<DocumentedResponse[]>>();

/** Every (operation, status) a spec documents. */
export function documentedResponses(spec: string): Promise<DocumentedResponse[]> {
  let responses = cache.get(spec);
  if (!responses) {
    responses = read(spec);
    cache.set(spec, responses);
  }
  return responses;
}

async function read(spec: string): Promise<DocumentedResponse[]> {
  const operations = await getHttpOperationsFromSpec(specPath(spec));
  return operations.flatMap((operation) =>
    operation.responses.map((response) => {
      const examples = new Map<string, unknown>();
      const mediaTypes = new Map<string, string>();
      for (const content of response.contents ?? []) {
        for (const example of content.examples ?? []) {
          if (!("value" in example)) continue;
          const form = content.mediaType === FORM && typeof example.value === "string";
          examples.set(example.key, form ? Object.fromEntries(new URLSearchParams(example.value as string)) : example.value);
          mediaTypes.set(example.key, content.mediaType);
        }
      }
      return {
        operationId: operation.iid ?? `${operation.method} ${operation.path}`,
        method: operation.method.toUpperCase(),
        path: operation.path,
        status: response.code,
        examples,
        mediaTypes,
        headers: (response.headers ?? []).map((header) => header.name),
      };
    }),
  );
}

/** The one documented response of `operationId` and `status`; throws if the spec has none. */
export async function documentedResponse(
  spec: string,
  operationId: string,
  status: number,
): Promise<DocumentedResponse> {
  const found = (await documentedResponses(spec)).find(
    (response) => response.operationId === operationId && response.status === String(status),
  );
  if (!found) throw new Error(`${spec}.yaml documents no ${status} for ${operationId}`);
  return found;
}
