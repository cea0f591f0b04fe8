// The headings of a notebook's markdown cells, read from the sources (the page need not
// have built a cell for its headings to count): for the table of contents and for
// `#heading` links. A heading's anchor is JupyterLab's: its text with spaces as dashes,
// so links written for JupyterLab work here.
import * as Y from "yjs";
import { cellId, cellOutputs, cellSource, cellsOf, cellType, runState, type CellMap } from "./document";

export interface Heading {
  readonly level: number;
  /** The heading's text, its inline markup (emphasis, code, links) reduced to text. */
  readonly text: string;
  readonly anchor: string;
}

/** Inline markdown reduced to the text it shows. */
function plain(inline: string): string {
  return inline
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__|\*|_|`)(.+?)\1/g, "$2")
    .trim();
}

export function headingAnchor(text: string): string {
  return text.trim().replace(/\s+/g, "-");
}

/** The ATX (`# Title`) and setext (`Title` over `===`) headings of a markdown source. */
export function markdownHeadings(source: string): Heading[] {
  const out: Heading[] = [];
  let fence: string | null = null;
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const atx = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) {
      const text = plain(atx[2] ?? "");
      if (text) out.push({ level: atx[1]!.length, text, anchor: headingAnchor(text) });
      continue;
    }
    const under = lines[i + 1];
    if (under !== undefined && line.trim() && /^ {0,3}(=+|-+)[ \t]*$/.test(under) && !/^ {0,3}([-*+]|\d+[.)])\s/.test(line)) {
      const text = plain(line);
      out.push({ level: under.trim()[0] === "=" ? 1 : 2, text, anchor: headingAnchor(text) });
      i++;
    }
  }
  return out;
}

/** The cell holding the heading with this anchor (the first one), and which heading. */
export function findHeading(doc: Y.Doc, anchor: string): { cell: string; index: number } | null {
  for (const cell of cellsOf(doc).toArray()) {
    if (cellType(cell) !== "markdown") continue;
    const index = markdownHeadings(cellSource(cell).toString()).findIndex(
      (h) => h.anchor === anchor || h.anchor.toLowerCase() === anchor.toLowerCase(),
    );
    if (index >= 0) return { cell: cellId(cell), index };
  }
  return null;
}

/** One line of the table of contents. */
export type OutlineEntry =
  | { readonly kind: "heading"; readonly cell: string; readonly index: number; readonly level: number; readonly text: string }
  | { readonly kind: "running" | "queued" | "error"; readonly cell: string; readonly level: number; readonly text: string };

/** A code cell's first line that says something, for its entry. */
function firstLine(source: string): string {
  const line = source.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line.trim();
}

/** "ename: evalue" of the cell's first error output, or null when it has none. */
function errorText(cell: CellMap): string | null {
  for (const o of cellOutputs(cell)?.toArray() ?? []) {
    if (o.get("output_type") === "error") return `${String(o.get("ename") ?? "Error")}: ${String(o.get("evalue") ?? "")}`;
  }
  return null;
}

/**
 * The notebook's outline: its headings, and among them, where they are, the cells
 * running or waiting to run and the cells with an error (their last run failed, or
 * the file came with an error output).
 */
export function notebookOutline(doc: Y.Doc): OutlineEntry[] {
  const out: OutlineEntry[] = [];
  let level = 0;
  for (const cell of cellsOf(doc).toArray()) {
    const id = cellId(cell);
    const type = cellType(cell);
    if (type === "markdown") {
      markdownHeadings(cellSource(cell).toString()).forEach((h, index) => {
        out.push({ kind: "heading", cell: id, index, level: h.level, text: h.text });
        level = h.level;
      });
      continue;
    }
    if (type !== "code") continue;
    const state = runState(cell);
    if (state === "running" || state === "queued") {
      out.push({ kind: state, cell: id, level: level + 1, text: firstLine(cellSource(cell).toString()) });
    } else {
      const error = errorText(cell) ?? (state === "error" ? "error" : null);
      if (error !== null) out.push({ kind: "error", cell: id, level: level + 1, text: error });
    }
  }
  return out;
}
