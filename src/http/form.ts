/** `application/x-www-form-urlencoded` bodies (RFC 6749 Appendix B). */

export type FormFields = Record<string, string | readonly string[] | undefined>;

/** The exact header openapi-fetch needs to send a form instead of JSON. */
export const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" } as const;

/**
 * Serialises a body: absent fields are left out, arrays become one field per value (RFC 8707).
 * No body at all (a Basic-authenticated device authorization without scope) is an empty form.
 */
export function formBody(fields: object | undefined): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries((fields ?? {}) as FormFields)) {
    if (value === undefined) continue;
    if (typeof value === "string") form.append(name, value);
    else for (const item of value) form.append(name, item);
  }
  return form;
}

/** One value encoded as a form field would be (space as `+`), for HTTP Basic (RFC 6749 §2.3.1). */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Basic base64(formUrlEncode(id) ":" formUrlEncode(secret))`, RFC 6749 §2.3.1. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`)}`;
}

/** The options of every form request: the form body, its exact header, the answer read as text. */
export const formRequest = { bodySerializer: formBody, headers: formHeaders, parseAs: "text" } as const;
