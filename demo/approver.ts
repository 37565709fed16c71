/**
 * The user's part of a device login, done by a program through the demo server's real pages:
 * plain HTTP with a hand-kept cookie jar, reading each page's `data-page` and submitting its form
 * the way a browser would (hidden fields, plus the button pressed). It only understands the demo
 * server's own pages (demo/pages.ts and oidc-provider's form markup), so regular expressions are
 * enough: this is no general HTML parser.
 */
import { CookieJar } from "./cookie-jar.ts";

export interface ApproveOptions {
  /** The demo user's login and password. */
  login: string;
  password: string;
  /** Approve (default) or deny the request. */
  decision?: "approve" | "deny";
  /**
   * Where to deny: on the device confirmation page ("this is not my device", default) or on the
   * consent page, after signing in.
   */
  denyAt?: "confirm" | "consent";
  /** The user code to type, when starting from the plain `verification_uri`. */
  userCode?: string;
  /** Called with each page reached, e.g. for a demo's progress output. */
  onPage?: (page: string, url: string) => void;
  signal?: AbortSignal;
}

/** What the user's side ended with. */
export type ApprovalOutcome = "approved" | "denied";

/** The pages did not go as the demo server's flow goes. */
export class ApproverError extends Error {
  override name = "ApproverError";
}

interface Form {
  id: string | undefined;
  action: string;
  fields: [string, string][];
}

/** More pages than any path through the flow visits (auto-post, confirm, login, consent, success, redirects). */
const MAX_STEPS = 20;

/**
 * Opens `verificationUri` (best: `verification_uri_complete`), confirms the code, signs in, and
 * approves or denies. Resolves once the server shows its success or denied page.
 * @see RFC 8628 §3.3 (user interaction)
 */
export async function approveDevice(
  verificationUri: string,
  options: ApproveOptions,
): Promise<ApprovalOutcome> {
  const origin = new URL(verificationUri).origin;
  const jar = new CookieJar();
  const deny = options.decision === "deny";
  const denyAt = options.denyAt ?? "confirm";

  let url = new URL(verificationUri);
  let response = await send(url, undefined);
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      if (!location) throw new ApproverError(`redirect without Location from ${url.pathname}`);
      url = new URL(location, url);
      response = await send(url, undefined);
      continue;
    }
    const html = await response.text();
    const page = /<main data-page="([a-z-]+)"/.exec(html)?.[1] ?? "auto-submit";
    options.onPage?.(page, url.href);
    const forms = parseForms(html);

    switch (page) {
      case "auto-submit": {
        // oidc-provider's form_post page: a script submits its only form; so do we.
        response = await submit(only(forms, undefined, page), []);
        break;
      }
      case "code-input": {
        if (!options.userCode)
          throw new ApproverError("the server asked for the user code, and none was given");
        if (html.includes('class="error"'))
          throw new ApproverError("the server did not accept the user code");
        const form = only(forms, "op.deviceInputForm", page);
        response = await submit(
          { ...form, fields: form.fields.filter(([name]) => name !== "user_code") },
          [["user_code", options.userCode]],
        );
        break;
      }
      case "code-confirm": {
        const form = only(forms, "op.deviceConfirmForm", page);
        // The Deny button submits the same form with its own name and value.
        response = await submit(form, deny && denyAt === "confirm" ? [["abort", "yes"]] : []);
        break;
      }
      case "login": {
        if (html.includes('class="error"')) throw new ApproverError("the server refused the login");
        response = await submit(only(forms, "login", page), [
          ["login", options.login],
          ["password", options.password],
        ]);
        break;
      }
      case "consent": {
        const decision = deny && denyAt === "consent" ? "deny" : "approve";
        response = await submit(only(forms, "consent", page), [["decision", decision]]);
        break;
      }
      case "success":
        return "approved";
      case "aborted":
        return "denied";
      default:
        throw new ApproverError(
          `unexpected page "${page}" (HTTP ${response.status}) at ${url.pathname}: ${text(html)}`,
        );
    }
  }
  throw new ApproverError(`no outcome after ${MAX_STEPS} pages`);

  async function submit(form: Form, extra: [string, string][]): Promise<Response> {
    url = new URL(form.action || url.href, url);
    return send(url, new URLSearchParams([...form.fields, ...extra]));
  }

  async function send(target: URL, body: URLSearchParams | undefined): Promise<Response> {
    // The approver talks to the server it was pointed at, and nowhere else.
    if (target.origin !== origin)
      throw new ApproverError(`refusing to leave ${origin} for ${target.origin}`);
    const headers = new Headers();
    const cookie = jar.header(target);
    if (cookie) headers.set("cookie", cookie);
    if (body) headers.set("content-type", "application/x-www-form-urlencoded");
    const answer = await fetch(target, {
      method: body ? "POST" : "GET",
      headers,
      body,
      redirect: "manual",
      signal: options.signal ?? null,
    });
    jar.store(target, answer.headers);
    return answer;
  }
}

/** Every `<form>` with its id, action and hidden fields. */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const [, attributes = "", inner = ""] of html.matchAll(
    /<form\b([^>]*)>([\s\S]*?)<\/form>/gi,
  )) {
    const fields: [string, string][] = [];
    for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input, "name");
      if (attribute(input, "type") === "hidden" && name !== undefined)
        fields.push([name, attribute(input, "value") ?? ""]);
    }
    forms.push({
      id: attribute(attributes, "id"),
      action: attribute(attributes, "action") ?? "",
      fields,
    });
  }
  return forms;
}

function only(forms: Form[], id: string | undefined, page: string): Form {
  const found = id === undefined ? forms : forms.filter((form) => form.id === id);
  if (found.length !== 1 || !found[0]) {
    throw new ApproverError(
      `page "${page}" has ${found.length} forms${id ? ` with id ${id}` : ""}, expected 1`,
    );
  }
  return found[0];
}

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}="([^"]*)"`, "i").exec(tag)?.[1];
  return value === undefined ? undefined : decodeEntities(value);
}

function decodeEntities(value: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return value.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (entity, code: string) => {
    if (code.startsWith("#x") || code.startsWith("#X"))
      return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith("#")) return String.fromCodePoint(Number(code.slice(1)));
    return named[code.toLowerCase()] ?? entity;
  });
}

/** A page's text, short, for an error message. */
function text(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/gi, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}
