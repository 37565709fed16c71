/**
 * Global setup of the contract project: one Prism mock per spec in specs/, each on a free
 * loopback port, their base URLs provided to the tests as `prismMocks`; all closed at teardown.
 */
import type { TestProject } from "vitest/node";
// Types `provide("prismMocks", …)`.
import type {} from "../support/prism-context.ts";
import { specNames, specPath } from "../support/prism-mocks.ts";
import { startPrism, type PrismMock } from "../support/prism-server.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: PrismMock[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.map((mock) => mock.close()));
  };
  try {
    const urls: Record<string, string> = {};
    for (const spec of specNames()) {
      const mock = await startPrism(specPath(spec));
      started.push(mock);
      urls[spec] = mock.url;
    }
    project.provide("prismMocks", urls);
  } catch (error) {
    await closeAll();
    throw error;
  }
  return closeAll;
}
