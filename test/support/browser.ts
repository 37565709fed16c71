/**
 * A real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) that can reach
 * 127.0.0.1 and nothing else, and the user's part of a device login done in it by clicking
 * through the demo server's pages like a person would.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Flags for a quiet, offline, throwaway browser (see ../shared/toolchain-notes.md). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface LoopbackBrowser {
  browser: Browser;
  /** A fresh context (own cookies) whose requests off 127.0.0.1 are aborted and recorded. */
  newContext(): Promise<BrowserContext>;
  /** Every URL a page tried to load that was not on 127.0.0.1 (all were aborted). */
  readonly blocked: readonly string[];
  close(): Promise<void>;
}

/** Launches Chromium headless; playwright gives it a fresh temporary user-data-dir. */
export async function launchLoopbackBrowser(): Promise<LoopbackBrowser> {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  const blocked: string[] = [];
  return {
    browser,
    blocked,
    async newContext() {
      const context = await browser.newContext();
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (new URL(url).hostname === "127.0.0.1") return route.continue();
        blocked.push(url);
        return route.abort("blockedbyclient");
      });
      return context;
    },
    close: () => browser.close(),
  };
}

export interface BrowserApproval {
  login: string;
  password: string;
  decision: "approve" | "deny";
  /** The code the device shows: the confirmation page must show the same (RFC 8628 §5.4). */
  userCode: string;
}

/** The page the flow ended on, as its `data-page` says, and the code the confirmation page showed. */
export interface BrowserOutcome {
  finalPage: string | null;
  shownUserCode: string | null;
}

/**
 * Opens `verificationUriComplete` in a fresh context (a user with no session yet), checks the
 * code, signs in and allows (or denies) on the consent page, by clicking the buttons a person
 * would click.
 */
export async function approveInBrowser(
  browser: LoopbackBrowser,
  verificationUriComplete: string,
  approval: BrowserApproval,
): Promise<BrowserOutcome> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(verificationUriComplete);
    // oidc-provider's auto-submitting form lands on the confirmation page.
    await reached(page, "code-confirm");
    const shownUserCode = await page.locator("code.user-code").textContent();
    await page.getByRole("button", { name: "Continue" }).click();

    await reached(page, "login");
    await page.getByLabel("Login").fill(approval.login);
    await page.getByLabel("Password").fill(approval.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    await reached(page, "consent");
    await page
      .getByRole("button", { name: approval.decision === "approve" ? "Allow" : "Deny" })
      .click();
    await reached(page, approval.decision === "approve" ? "success" : "aborted");
    return { finalPage: await pageKind(page), shownUserCode };
  } finally {
    await context.close();
  }
}

async function reached(page: Page, kind: string): Promise<void> {
  await page.locator(`main[data-page="${kind}"]`).waitFor({ timeout: 20_000 });
}

function pageKind(page: Page): Promise<string | null> {
  return page.locator("main").getAttribute("data-page");
}
