/**
 * Headless Chromium (Debian's, through playwright-core): a page from one loopback origin imports
 * dist/ as published (an import map points its two bare imports at the dependencies' ESM files)
 * and runs conformance.js against the issuer on another origin, so CORS is real.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium as playwrightChromium } from "playwright-core";
import type { Report, Runtime } from "./report.ts";

export const chromium: Runtime = {
  name: "Chromium (headless)",
  run: async (server) => {
    const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
    // Flags from ../shared/toolchain-notes.md and a fresh profile. Nothing may leave 127.0.0.1:
    // every other host goes to a dead proxy (port 1). Playwright's context.route() is not used
    // because, once any route is set, Playwright answers CORS preflights itself, and the
    // cross-origin calls below would no longer test the server's CORS headers.
    const context = await playwrightChromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      proxy: { server: "http://127.0.0.1:1", bypass: "127.0.0.1" },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      // Uncaught exceptions fail the run; console errors only explain a failure (the harness
      // checks below provoke some on purpose).
      const uncaught: string[] = [];
      const consoleErrors: string[] = [];
      page.on("pageerror", (error) => uncaught.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      // The page comes from one origin and calls the issuer on another: real CORS, preflights included.
      await page.goto(
        `${server.pageOrigin}/conformance.html?issuer=${encodeURIComponent(server.issuer)}`,
      );
      await page
        .waitForFunction(() => "conformance" in window, undefined, { timeout: 30_000 })
        .catch((error: unknown) => {
          throw new Error(
            `the page never started the run (${String(error)}); ${[...uncaught, ...consoleErrors].join("; ")}`,
          );
        });
      const report = await page.evaluate(
        () => (window as unknown as { conformance: Promise<Report> }).conformance,
      );
      if (report.checks.some((check) => !check.ok) && consoleErrors.length > 0) {
        report.checks.push({
          name: "console errors",
          ok: false,
          detail: consoleErrors.join("; "),
        });
      }
      // The harness itself: the browser enforces CORS here, and cannot reach beyond loopback.
      const reach = (url: string) =>
        page.evaluate(
          (target) =>
            fetch(target).then(
              () => "reached",
              () => "blocked",
            ),
          url,
        );
      const noCors = await reach(`${server.issuer}/no-cors`);
      report.checks.push({
        name: "harness: a cross-origin answer without CORS headers is blocked",
        ok: noCors === "blocked",
        detail: noCors,
      });
      const outside = await reach("http://192.0.2.1/");
      report.checks.push({
        name: "harness: non-loopback hosts are unreachable",
        ok: outside === "blocked",
        detail: outside,
      });
      report.checks.push({
        name: "no uncaught exception in the page",
        ok: uncaught.length === 0,
        detail: uncaught.join("; "),
      });
      return {
        version: context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)),
        report,
      };
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  },
};
