// Find and replace over the whole notebook, in the shared document rather than the page:
// cells the page has not built (the editors and outputs of cells far from the screen)
// are searched like the others. Sources are searched as they are stored; outputs as the
// text the page shows for them (a stream's text, an error's traceback, a rich output's
// shown representation with HTML reduced to its text). Replacing is on sources only, in
// one transaction of the LOCAL origin: other browsers see it, and the notebook's undo
// (Z in command mode, model/undo.ts) takes a replace-all back as one step.
import * as Y from "yjs";
import { stripAnsi } from "./ansi";
import {
  asObject,
  cellId,
  cellOutputs,
  cellSource,
  cellsOf,
  cellType,
  streamText,
  type CellMap,
  type OutputMap,
} from "./document";
import { mimeText, pickMime } from "./mime";
import { LOCAL } from "./ops";

export interface FindOptions {
  readonly query: string;
  readonly caseSensitive: boolean;
  readonly regex: boolean;
  readonly wholeWord: boolean;
}

/** A compiled query: a global RegExp, or why the query is not one. */
export type Pattern = { readonly re: RegExp } | { readonly error: string };

/** Where a match is: the cell's source (`output` null) or one of its outputs' text. */
export interface Match {
  readonly cell: string;
  /** The cell's position in the notebook when searched. */
  readonly cellIndex: number;
  /** Index in the cell's outputs, or null for the source. */
  readonly output: number | null;
  /** Offsets (UTF-16) in the source, or in `outputText` of that output. */
  readonly from: number;
  readonly to: number;
  /** This match's rank among the matches in the same source or output. */
  readonly nth: number;
}

/** Matches kept at most: a query like "e" in a big notebook should not hold the page. */
export const MAX_MATCHES = 20_000;

const WORD = "[\\p{L}\\p{N}_]";

/** The query as a RegExp with the g and u flags, or null for an empty query. */
export function compilePattern(o: FindOptions): Pattern | null {
  if (o.query === "") return null;
  let source = o.regex ? o.query : o.query.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  if (o.wholeWord) source = `(?<!${WORD})(?:${source})(?!${WORD})`;
  try {
    return { re: new RegExp(source, o.caseSensitive ? "gu" : "giu") };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** The text an HTML output shows (scripts and styles dropped, tags removed). */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
      }
      return ENTITIES[name.toLowerCase()] ?? all;
    });
}

/**
 * Each output's text, kept while the output is unchanged: a search runs again after
 * every change to the document while the find bar is open, and reducing megabytes of
 * HTML tables to text each time would hold the page. Checked by what changes when an
 * output does (its data object is replaced; a stream's chunks are appended).
 */
const texts = new WeakMap<OutputMap, { key: readonly unknown[]; text: string }>();

function versionOf(output: OutputMap, trusted: boolean): unknown[] {
  const text = output.get("text");
  if (text instanceof Y.Array) return [trusted, text, text.length, text.length ? text.get(text.length - 1) : null];
  return [trusted, output.get("output_type"), output.get("data"), output.get("traceback"), text];
}

/** The searchable text of one output: what the page shows of it, as text. */
export function outputText(output: OutputMap, trusted = true): string {
  const key = versionOf(output, trusted);
  const hit = texts.get(output);
  if (hit && hit.key.length === key.length && hit.key.every((k, i) => k === key[i])) return hit.text;
  const text = computeOutputText(output, trusted);
  texts.set(output, { key, text });
  return text;
}

function computeOutputText(output: OutputMap, trusted: boolean): string {
  switch (output.get("output_type")) {
    case "stream":
      return stripAnsi(streamText(output));
    case "error": {
      const tb = output.get("traceback");
      if (Array.isArray(tb) && tb.length) return stripAnsi(tb.map((l) => String(l)).join("\n"));
      return `${String(output.get("ename") ?? "")}: ${String(output.get("evalue") ?? "")}`;
    }
    case "display_data":
    case "execute_result": {
      const data = asObject(output.get("data"));
      const mime = pickMime(data, trusted);
      if (mime === "text/html") return htmlText(mimeText(data[mime]));
      if (mime === "text/markdown" || mime === "text/latex") return mimeText(data[mime]);
      if (mime === "application/json") return JSON.stringify(data[mime], null, 2);
      if (mime === "text/plain") return stripAnsi(mimeText(data[mime]));
      return ""; // images, charts, scripts: no text on the page
    }
    default:
      return "";
  }
}

/** Appends the matches of `re` in `text` to `out`; false once MAX_MATCHES is reached. */
function collect(
  re: RegExp,
  text: string,
  at: Omit<Match, "from" | "to" | "nth">,
  out: Match[],
): boolean {
  re.lastIndex = 0;
  let nth = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      // An empty match (a regex like `a*`) shows nothing: step past it.
      re.lastIndex = m.index + (text.codePointAt(m.index)! > 0xffff ? 2 : 1);
      continue;
    }
    out.push({ ...at, from: m.index, to: m.index + m[0].length, nth: nth++ });
    if (out.length >= MAX_MATCHES) return false;
  }
  return true;
}

/** Every match in the notebook, in reading order: each cell's source, then its outputs. */
export function findAll(doc: Y.Doc, re: RegExp): Match[] {
  const out: Match[] = [];
  const cells = cellsOf(doc).toArray();
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const id = cellId(cell);
    if (!collect(re, cellSource(cell).toString(), { cell: id, cellIndex: i, output: null }, out)) break;
    const outputs = cellType(cell) === "code" ? cellOutputs(cell) : null;
    if (!outputs) continue;
    const trusted = cell.get("trusted") !== false;
    const list = outputs.toArray();
    let more = true;
    for (let k = 0; k < list.length && more; k++) {
      more = collect(re, outputText(list[k]!, trusted), { cell: id, cellIndex: i, output: k }, out);
    }
    if (!more) break;
  }
  return out;
}

/**
 * The replacement for a match: with a regex query, `$&`, `$1`… and `$<name>` stand for
 * the match and its groups, as in String.prototype.replace; otherwise the text as is.
 */
function replacementFor(m: RegExpExecArray, replacement: string, regex: boolean): string {
  if (!regex) return replacement;
  return replacement.replace(/\$(\$|&|\d{1,2}|<([^>]*)>)/g, (all, what: string, name: string | undefined) => {
    if (what === "$") return "$";
    if (what === "&") return m[0];
    if (name !== undefined) return m.groups?.[name] ?? "";
    const n = Number(what);
    return n > 0 && n < m.length ? (m[n] ?? "") : all;
  });
}

/** The match of `re` that starts exactly at `from` in `text`, if any. */
function matchAt(re: RegExp, text: string, from: number): RegExpExecArray | null {
  const sticky = new RegExp(re.source, `${re.flags.replace("g", "")}y`);
  sticky.lastIndex = from;
  const m = sticky.exec(text);
  return m && m[0].length > 0 ? m : null;
}

function cellById(doc: Y.Doc, id: string): CellMap | null {
  return cellsOf(doc).toArray().find((c) => cellId(c) === id) ?? null;
}

/**
 * Replaces one source match, if the text there still matches (the document may have
 * changed since the search). Returns whether it did.
 */
export function replaceMatch(doc: Y.Doc, match: Match, re: RegExp, replacement: string, regex: boolean): boolean {
  if (match.output !== null) return false;
  const cell = cellById(doc, match.cell);
  if (!cell) return false;
  const text = cellSource(cell);
  const m = matchAt(re, text.toString(), match.from);
  if (!m) return false;
  const by = replacementFor(m, replacement, regex);
  doc.transact(() => {
    text.delete(m.index, m[0].length);
    text.insert(m.index, by);
  }, LOCAL);
  return true;
}

/** Replaces every source match in the notebook in one transaction; returns how many. */
export function replaceAll(doc: Y.Doc, re: RegExp, replacement: string, regex: boolean): number {
  let count = 0;
  doc.transact(() => {
    for (const cell of cellsOf(doc).toArray()) {
      const text = cellSource(cell);
      const found: Match[] = [];
      collect(re, text.toString(), { cell: "", cellIndex: 0, output: null }, found);
      const source = text.toString();
      // From the end, so earlier offsets stay true.
      for (let i = found.length - 1; i >= 0; i--) {
        const m = matchAt(re, source, found[i]!.from)!;
        text.delete(m.index, m[0].length);
        text.insert(m.index, replacementFor(m, replacement, regex));
        count++;
      }
    }
  }, LOCAL);
  return count;
}

/**
 * The match to show first: the first one in or after the cell at `fromIndex` (the
 * active cell), wrapping round to the first one.
 */
export function firstFrom(matches: readonly Match[], fromIndex: number): number {
  if (matches.length === 0) return -1;
  const i = matches.findIndex((m) => m.cellIndex >= fromIndex);
  return i < 0 ? 0 : i;
}
