/**
 * The user's part on the demo server: a login form for one fixed user and a consent form that
 * grants what the client asked for. Plain node:http handlers around oidc-provider's interaction
 * API (`interactionDetails`, `interactionFinished`), the way its own examples wire Express.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InteractionDetails, Provider } from "oidc-provider";
import { consentPage, errorPage, loginPage } from "./pages.ts";

/** The demo's only user. */
export interface DemoUser {
  login: string;
  password: string;
  name: string;
}

const PATH = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Handles `/interaction/…` requests; returns false for any other path, which oidc-provider then
 * serves.
 */
export function interactionHandler(
  provider: Provider,
  user: DemoUser,
  clientNames: ReadonlyMap<string, string>,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const match = PATH.exec(new URL(req.url ?? "/", "http://localhost").pathname);
    if (!match) return false;
    const [, uid, action] = match;
    try {
      const details = await provider.interactionDetails(req, res);
      // The uid in the path must be the one the browser's interaction cookie names.
      if (details.uid !== uid) {
        send(
          res,
          400,
          errorPage({ error: "invalid_request", error_description: "interaction mismatch" }),
        );
        return true;
      }
      const clientName =
        clientNames.get(details.params.client_id ?? "") ??
        details.params.client_id ??
        "An application";

      if (req.method === "GET" && action === undefined) {
        const page =
          details.prompt.name === "login"
            ? loginPage(uid, clientName, hintFor(user))
            : consentPage(uid, clientName, requestedScopes(details));
        send(res, 200, page);
      } else if (req.method === "POST" && action === "login" && details.prompt.name === "login") {
        const form = await readForm(req);
        if (form.get("login") !== user.login || form.get("password") !== user.password) {
          send(res, 200, loginPage(uid, clientName, hintFor(user), "Wrong login or password."));
        } else {
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: user.login } },
            { mergeWithLastSubmission: false },
          );
        }
      } else if (
        req.method === "POST" &&
        action === "consent" &&
        details.prompt.name === "consent"
      ) {
        const form = await readForm(req);
        if (form.get("decision") === "approve") {
          const grantId = await grantRequested(provider, details);
          await provider.interactionFinished(
            req,
            res,
            { consent: { grantId } },
            { mergeWithLastSubmission: true },
          );
        } else {
          await provider.interactionFinished(
            req,
            res,
            { error: "access_denied", error_description: "End-User denied the request" },
            { mergeWithLastSubmission: false },
          );
        }
      } else {
        send(
          res,
          405,
          errorPage({ error: "invalid_request", error_description: "method not allowed" }),
        );
      }
    } catch (error) {
      // SessionNotFound and the like: the interaction expired or the cookie is gone.
      const name = error instanceof Error ? error.name : "Error";
      send(
        res,
        400,
        errorPage({ error: "invalid_request", error_description: `interaction failed (${name})` }),
      );
    }
    return true;
  };
}

/** The consent: everything the client asked for and the user has not granted yet. */
async function grantRequested(provider: Provider, details: InteractionDetails): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (!accountId || !clientId) throw new Error("consent without a signed-in user or a client");
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  return grant.save();
}

function requestedScopes(details: InteractionDetails): string[] {
  return (details.params.scope ?? "").split(" ").filter(Boolean);
}

function hintFor(user: DemoUser): string {
  return `Demo server: sign in as "${user.login}" with password "${user.password}".`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error("form too large");
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    // Nothing but inline style and same-origin form posts.
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  });
  res.end(html);
}
