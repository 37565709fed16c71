/**
 * The Prism mocks as a test file sees them: test/contract/prism.setup.ts provides their base URLs
 * with vitest's `provide`, typed here, and a test asks for one with {@link mockUrl}.
 */
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of each spec's Prism mock, by spec name (`trakt` for specs/trakt.yaml). */
    prismMocks: Record<string, string>;
  }
}

/** The base URL of `spec`'s mock, e.g. `http://127.0.0.1:40123`. */
export function mockUrl(spec: string): string {
  const url = inject("prismMocks")[spec];
  if (url === undefined)
    throw new Error(`no Prism mock for spec "${spec}" (is specs/${spec}.yaml there?)`);
  return url;
}
