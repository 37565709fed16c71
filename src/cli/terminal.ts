/**
 * The human channel: stderr, always (stdout is reserved for the token). Knows whether a person
 * is watching (a TTY) and whether colour is welcome (https://no-color.org).
 */

/** The little of a stream the CLI uses; process.stderr and test doubles both fit. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Terminal {
  /** stderr is a terminal: draw in place, open a browser. Otherwise plain lines for logs. */
  readonly interactive: boolean;
  readonly color: boolean;
  /** Usable width; 80 when unknown. */
  readonly columns: number;
  /** Writes text as is (no newline). */
  write(text: string): void;
  /** Writes one line. */
  line(text?: string): void;
  bold(text: string): string;
  dim(text: string): string;
  accent(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

const DEFAULT_COLUMNS = 80;

export function terminalFor(
  sink: TextSink,
  env: Readonly<Record<string, string | undefined>>,
): Terminal {
  const interactive = sink.isTTY === true;
  // NO_COLOR: "when present and not an empty string"; TERM=dumb cannot show colours either.
  const color = interactive && !env.NO_COLOR && env.TERM !== "dumb";
  const paint = (open: number, close: number) => (text: string) =>
    color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    interactive,
    color,
    columns: sink.columns && sink.columns > 0 ? sink.columns : DEFAULT_COLUMNS,
    write: (text) => void sink.write(text),
    line: (text = "") => void sink.write(`${text}\n`),
    bold: paint(1, 22),
    dim: paint(2, 22),
    accent: paint(36, 39),
    good: paint(32, 39),
    bad: paint(31, 39),
  };
}
