// Incremental rendering of a stream output. The server keeps the text merged (protocol
// section 1): only the last line can change, and the oldest characters may be dropped.
// So the view keeps the complete lines it has drawn and redraws only the last line,
// unless the start of the text changed, when it draws everything again.
import { PLAIN, parseAnsi, type AnsiState, type Segment } from "./ansi";

export interface StreamRendered {
  /** The text drawn so far. */
  readonly text: string;
  /** Characters of `text` drawn as complete lines (up to and including the last "\n"). */
  readonly committed: number;
  /** The ANSI state at `committed`, to go on parsing from there. */
  readonly state: AnsiState;
}

export const EMPTY_STREAM: StreamRendered = { text: "", committed: 0, state: PLAIN };

export interface StreamPatch {
  /** True: throw away what is drawn and draw `lines` from scratch. */
  readonly reset: boolean;
  /** Complete lines to append to the drawn lines. */
  readonly lines: readonly Segment[];
  /** The unfinished last line, which replaces the drawn one. */
  readonly tail: readonly Segment[];
  readonly next: StreamRendered;
}

/**
 * What to draw to go from `prev` to `text`. A trailing "\r" (kept by the server so the
 * next chunk can overwrite the line) is not drawn; a "\r" inside the last line, which a
 * server that did not merge would leave, shows only what follows it overwriting.
 */
export function planStream(prev: StreamRendered, text: string): StreamPatch {
  const keep = prev.committed <= text.length && text.startsWith(prev.text.slice(0, prev.committed));
  const base = keep ? prev : EMPTY_STREAM;
  const nl = text.lastIndexOf("\n");
  const committed = Math.max(base.committed, nl + 1);
  const fresh = text.slice(base.committed, committed);
  const done = parseAnsi(fresh, base.state);
  const tail = parseAnsi(overwriteLine(text.slice(committed)), done.end);
  return {
    reset: !keep,
    lines: done.segments,
    tail: tail.segments,
    next: { text, committed, state: done.end },
  };
}

/** A single line with carriage returns applied: later characters overwrite earlier ones. */
export function overwriteLine(line: string): string {
  if (!line.includes("\r")) return line;
  const parts = line.split("\r");
  while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  let out = "";
  for (const p of parts) out = p + out.slice(p.length);
  return out;
}
