/**
 * The demo authorization server's pages: self-contained HTML (inline CSS, no fonts, scripts or
 * images from anywhere), because oidc-provider's stock pages load a web font from the internet.
 * Every page says what it is in `<main data-page="…">`, which the automated approver and the
 * browser tests read instead of guessing from the wording.
 */

/** What a page is, as `data-page` says it. */
export type PageKind =
  "code-input" | "code-confirm" | "login" | "consent" | "success" | "aborted" | "error";

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem 1rem;color:#1d2330}
main{max-width:22rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;margin:.75rem 0 .25rem;font-size:.9rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem}
button{font-size:1rem;padding:.55rem 1rem;margin:1rem .5rem 0 0;border-radius:4px;border:1px solid #2456c8;cursor:pointer}
button.primary{background:#2456c8;color:#fff}button.secondary{background:#fff;color:#2456c8}
code.user-code{display:block;font-size:2rem;letter-spacing:.1em;text-align:center;margin:1rem 0}
p.error{color:#b00020}p.hint{font-size:.85rem;color:#555}ul{padding-left:1.2rem}
`;

/** `&`, `<`, `>`, `"` and `'` escaped: anything a server or a user sent is shown as text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole document around `body`; `page` goes in `<main data-page>`. */
export function layout(page: PageKind, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main data-page="${page}">
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

/**
 * The page where the user types the code (RFC 8628 §3.3). `form` is oidc-provider's own form
 * (`id="op.deviceInputForm"`, with its xsrf token); the button submits it from outside.
 */
export function codeInputPage(form: string, error?: { name: string; userCode?: string }): string {
  if (error?.name === "AbortedError") {
    return layout(
      "aborted",
      "Request denied",
      "<p>The sign-in request was denied. You can close this page.</p>",
    );
  }
  const message = error
    ? `<p class="error">${error.userCode || error.name === "NoCodeError" ? "That code is not valid or has expired. Try again." : "Something went wrong. Try again."}</p>`
    : "<p>Enter the code shown on your device.</p>";
  return layout(
    "code-input",
    "Connect a device",
    `${message}
${form}
<button class="primary" type="submit" form="op.deviceInputForm">Continue</button>`,
  );
}

/**
 * RFC 8628 §5.4: the user compares the code with the one on the device before approving.
 * "Deny" submits oidc-provider's form with `abort=yes`, which ends the flow with `access_denied`.
 */
export function codeConfirmPage(form: string, clientName: string, userCode: string): string {
  return layout(
    "code-confirm",
    "Confirm the device",
    `<p><strong>${escapeHtml(clientName)}</strong> wants to sign in. Check that your device shows this code:</p>
<code class="user-code">${escapeHtml(userCode)}</code>
<p class="hint">If you did not start this, or the code differs, choose Deny.</p>
${form}
<button class="primary" type="submit" form="op.deviceConfirmForm">Continue</button>
<button class="secondary" type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Deny</button>`,
  );
}

export function successPage(clientName: string): string {
  return layout(
    "success",
    "Device connected",
    `<p>${escapeHtml(clientName)} is signed in. You can close this page and return to your device.</p>`,
  );
}

export function loginPage(uid: string, clientName: string, hint: string, error?: string): string {
  return layout(
    "login",
    "Sign in",
    `<p>Sign in to continue to <strong>${escapeHtml(clientName)}</strong>.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ""}
<form id="login" method="post" action="/interaction/${encodeURIComponent(uid)}/login">
<label for="login-name">Login</label>
<input id="login-name" type="text" name="login" autocomplete="username" required autofocus>
<label for="login-password">Password</label>
<input id="login-password" type="password" name="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>
<p class="hint">${escapeHtml(hint)}</p>`,
  );
}

export function consentPage(uid: string, clientName: string, scopes: readonly string[]): string {
  const items =
    scopes.length > 0
      ? scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("")
      : "<li>sign you in</li>";
  return layout(
    "consent",
    "Allow access?",
    `<p><strong>${escapeHtml(clientName)}</strong> asks to:</p>
<ul>${items}</ul>
<form id="consent" method="post" action="/interaction/${encodeURIComponent(uid)}/consent">
<button class="primary" type="submit" name="decision" value="approve">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** oidc-provider's `out` holds only what is fit to show (`error`, `error_description`). */
export function errorPage(out: Readonly<Record<string, string>>): string {
  const rows = Object.entries(out)
    .map(
      ([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`,
    )
    .join("\n");
  return layout("error", "Something went wrong", rows);
}
