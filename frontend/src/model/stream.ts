// Incremental rendering of a stream output. The server keeps the text merged (protocol
// section 1): the last line changes, and so may any of the last CHANGEABLE_LINES lines
// once the stream moves its cursor up (stacked progress bars); the oldest characters may
// be dropped. So the view keeps what it has drawn as blocks of complete lines, each drawn
// once; when earlier text changed it removes the blocks from the change down and draws
// them again. The complete lines are drawn as two blocks where they reach more than
// CHANGEABLE_LINES back, so a change there never redraws more than the lines it can reach.
// Only when the start of the text changed does it draw everything again.
import { PLAIN, parseAnsi, type AnsiState, type Segment } from "./ansi";

/** How many trailing lines the server may still change (protocol section 1). */
export const CHANGEABLE_LINES = 100;

/** Complete lines drawn together: `text.slice(start, end)`, parsed from `state`. */
export interface StreamBlock {
  readonly start: number;
  readonly end: number;
  readonly state: AnsiState;
}

export interface StreamRendered {
  /** The text drawn so far. */
  readonly text: string;
  /** Characters of `text` drawn as complete lines (up to and including the last "\n"). */
  readonly committed: number;
  /** The ANSI state at `committed`, to go on parsing from there. */
  readonly state: AnsiState;
  /** The blocks the complete lines are drawn as, in order, covering [0, committed). */
  readonly blocks: readonly StreamBlock[];
}

export const EMPTY_STREAM: StreamRendered = { text: "", committed: 0, state: PLAIN, blocks: [] };

export interface StreamPatch {
  /** True: throw away what is drawn and draw `lines` from scratch. */
  readonly reset: boolean;
  /** How many of the last drawn blocks to remove first. */
  readonly drop: number;
  /** New blocks of complete lines to append, in order. */
  readonly added: readonly (readonly Segment[])[];
  /** Every new complete line, all blocks together. */
  readonly lines: readonly Segment[];
  /** The unfinished last line, which replaces the drawn one. */
  readonly tail: readonly Segment[];
  readonly next: StreamRendered;
}

/** Where the line `count` lines before offset `end` (a line start) starts. */
export function lineStartBefore(text: string, end: number, count: number): number {
  let at = end;
  for (let i = 0; i < count && at > 0; i++) at = text.lastIndexOf("\n", at - 2) + 1;
  return at;
}

/**
 * What to draw to go from `prev` to `text`. A trailing "\r" (kept by the server so the
 * next chunk can overwrite the line) is not drawn; a "\r" inside the last line, which a
 * server that did not merge would leave, shows only what follows it overwriting.
 */
export function planStream(prev: StreamRendered, text: string): StreamPatch {
  let blocks = prev.blocks;
  let base: StreamRendered | null = prev;
  let reset = false;
  let drop = 0;
  if (!(prev.committed <= text.length && text.startsWith(prev.text.slice(0, prev.committed)))) {
    // Keep the blocks that end before the changeable lines, when the text still has them.
    const cut = lineStartBefore(prev.text, prev.committed, CHANGEABLE_LINES);
    let keep = blocks.length;
    while (keep > 0 && blocks[keep - 1]!.end > cut) keep--;
    const from = blocks[keep];
    if (keep > 0 && from && cut <= text.length && text.startsWith(prev.text.slice(0, from.start))) {
      drop = blocks.length - keep;
      blocks = blocks.slice(0, keep);
      base = { text: prev.text, committed: from.start, state: from.state, blocks };
    } else base = null;
  }
  if (base === null) {
    reset = prev.blocks.length > 0 || prev.text.length > 0;
    blocks = [];
    base = EMPTY_STREAM;
  }
  const nl = text.lastIndexOf("\n");
  const committed = Math.max(base.committed, nl + 1);
  // Two blocks when the new lines reach back further than the changeable ones.
  const split = lineStartBefore(text, committed, CHANGEABLE_LINES);
  const ends = split > base.committed && split < committed ? [split, committed] : [committed];
  const added: Segment[][] = [];
  const next: StreamBlock[] = [...blocks];
  let start = base.committed;
  let state = base.state;
  for (const end of ends) {
    if (end <= start) continue;
    const done = parseAnsi(text.slice(start, end), state);
    added.push(done.segments);
    next.push({ start, end, state });
    start = end;
    state = done.end;
  }
  const tail = parseAnsi(overwriteLine(text.slice(committed)), state);
  return {
    reset,
    drop,
    added,
    lines: added.flat(),
    tail: tail.segments,
    next: { text, committed, state, blocks: next },
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
