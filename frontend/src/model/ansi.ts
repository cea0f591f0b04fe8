// ANSI SGR colours (as tracebacks and progress bars use them) to styled text segments.
// The view turns segments into spans whose textContent is the text: output text never
// goes through innerHTML. Escape sequences other than SGR (cursor moves, OSC titles and
// hyperlinks) are dropped, keeping the text they wrap.

/** A palette index 0-255 or a "#rrggbb" truecolor. */
export type Color = number | string;

export interface AnsiState {
  readonly fg: Color | null;
  readonly bg: Color | null;
  readonly bold: boolean;
  readonly dim: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly inverse: boolean;
}

export interface Segment {
  readonly text: string;
  readonly state: AnsiState;
}

export const PLAIN: AnsiState = {
  fg: null,
  bg: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
};

// CSI ... final byte, OSC ... (BEL | ESC \), or a lone two-byte escape.
const ESCAPE = /\x1b(?:\[([0-9;:?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

function hex(n: number): string {
  return Math.max(0, Math.min(255, n)).toString(16).padStart(2, "0");
}

function applySgr(state: AnsiState, params: string): AnsiState {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  let s: { -readonly [K in keyof AnsiState]: AnsiState[K] } = { ...state };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) s = { ...PLAIN };
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 7) s.inverse = true;
    else if (c === 22) {
      s.bold = false;
      s.dim = false;
    } else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c === 27) s.inverse = false;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c === 49) s.bg = null;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 38 || c === 48) {
      let color: Color | null = null;
      if (codes[i + 1] === 5 && i + 2 < codes.length) {
        color = Math.max(0, Math.min(255, codes[i + 2]!));
        i += 2;
      } else if (codes[i + 1] === 2 && i + 4 < codes.length) {
        color = `#${hex(codes[i + 2]!)}${hex(codes[i + 3]!)}${hex(codes[i + 4]!)}`;
        i += 4;
      } else {
        break;
      }
      if (c === 38) s.fg = color;
      else s.bg = color;
    }
  }
  return s;
}

/** Splits text into runs of equal style, starting from `start` (the state a previous chunk ended in). */
export function parseAnsi(text: string, start: AnsiState = PLAIN): { segments: Segment[]; end: AnsiState } {
  const segments: Segment[] = [];
  let state = start;
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = segments[segments.length - 1];
    if (prev && prev.state === state) segments[segments.length - 1] = { text: prev.text + t, state };
    else segments.push({ text: t, state });
  };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(text); m !== null; m = ESCAPE.exec(text)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === "m" && !(m[1] ?? "").startsWith("?")) state = applySgr(state, m[1] ?? "");
  }
  push(text.slice(last));
  return { segments, end: state };
}

/** Text with every escape sequence removed (for copying, searching, and tests). */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, "");
}

const NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/** The 256-colour palette entry as "#rrggbb" (16-231 the 6x6x6 cube, 232-255 greys). */
export function paletteColor(n: number): string {
  if (n < 16) throw new RangeError(`palette colours below 16 are themed classes, got ${n}`);
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `#${hex(v)}${hex(v)}${hex(v)}`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `#${hex(level(Math.floor(i / 36)))}${hex(level(Math.floor(i / 6) % 6))}${hex(level(i % 6))}`;
}

/**
 * A segment's look: the 16 base colours are classes (`ansi-red-fg`, `ansi-bright-red-bg`)
 * so the theme can pick them for light and dark; other colours are inline styles.
 */
export function segmentStyle(state: AnsiState): { classes: string[]; style: Record<string, string> } {
  const classes: string[] = [];
  const style: Record<string, string> = {};
  let fg = state.fg;
  let bg = state.bg;
  if (state.inverse) {
    [fg, bg] = [bg, fg];
    if (fg === null) classes.push("ansi-inverse-fg");
    if (bg === null) classes.push("ansi-inverse-bg");
  }
  const put = (c: Color | null, which: "fg" | "bg") => {
    if (c === null) return;
    if (typeof c === "number" && c < 16) {
      classes.push(`ansi-${c >= 8 ? "bright-" : ""}${NAMES[c % 8]}-${which}`);
    } else {
      style[which === "fg" ? "color" : "background-color"] = typeof c === "number" ? paletteColor(c) : c;
    }
  };
  put(fg, "fg");
  put(bg, "bg");
  if (state.bold) classes.push("ansi-bold");
  if (state.dim) classes.push("ansi-dim");
  if (state.italic) classes.push("ansi-italic");
  if (state.underline) classes.push("ansi-underline");
  return { classes, style };
}
