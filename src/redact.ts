/**
 * Secrets stay readable (`token.accessToken`) and serialisable (`JSON.stringify`), but
 * `console.log` and `util.inspect` show them as "[redacted]". Node, Deno and Bun all look up
 * this registered symbol, so no `node:` import is needed.
 */
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

export const REDACTED = "[redacted]";

export function redactOnInspect<T extends object>(value: T, secretKeys: readonly (keyof T)[]): T {
  Object.defineProperty(value, inspectSymbol, {
    enumerable: false,
    value(this: T, _depth: number, options: object, inspect: (v: unknown, o: object) => string) {
      const shown: Record<string, unknown> = { ...(this as Record<string, unknown>) };
      for (const key of secretKeys) {
        if (shown[key as string] !== undefined) shown[key as string] = REDACTED;
      }
      return inspect(shown, options);
    },
  });
  return value;
}
