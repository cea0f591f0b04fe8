// Cell operations as functions on the shared document. Each runs in one transaction with
// the LOCAL origin, which is what the cell undo manager tracks (see undo.ts); edits typed
// in an editor carry the editor binding's own origin and are undone by the editor.
import * as Y from "yjs";
import {
  asInt,
  asObject,
  cellId,
  cellOutputs,
  cellSource,
  cellType,
  cellsOf,
  type CellMap,
  type CellType,
  type OutputMap,
} from "./document";
import type { JSONObject, JSONValue } from "./protocol";

/** The transaction origin of this browser's cell operations. */
export const LOCAL = Symbol("notewire.local-cell-op");

/** A cell as nbformat writes it; what copy and paste carry. */
export interface CellJSON {
  cell_type: CellType;
  source: string;
  metadata: JSONObject;
  attachments?: JSONObject;
  execution_count?: number | null;
  outputs?: JSONObject[];
  /**
   * Not nbformat: false when the outputs came from a cell whose outputs are not trusted
   * (protocol section 4), so that a pasted copy is no more trusted than its original.
   */
  trusted?: false;
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A new nbformat 4.5 cell id: 12 random characters from [a-z0-9]. */
export function newCellId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let id = "";
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

function outputToMap(o: JSONObject): OutputMap {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(o)) {
    if (k === "text" && o["output_type"] === "stream") {
      const chunks = new Y.Array<string>();
      const text = Array.isArray(v) ? v.join("") : String(v ?? "");
      if (text) chunks.push([text]);
      m.set("text", chunks);
    } else {
      m.set(k, v);
    }
  }
  return m;
}

function outputToJSON(m: OutputMap): JSONObject {
  const out: JSONObject = {};
  m.forEach((v, k) => {
    if (v instanceof Y.Array) out[k] = (v.toArray() as string[]).join("");
    else out[k] = v as JSONValue;
  });
  return out;
}

/** A new cell Map, ready to insert; code cells get empty outputs and a null count. */
export function makeCell(json: CellJSON, id: string = newCellId()): CellMap {
  const cell = new Y.Map<unknown>();
  cell.set("id", id);
  cell.set("cell_type", json.cell_type);
  cell.set("source", new Y.Text(json.source));
  cell.set("metadata", json.metadata);
  if (json.cell_type === "code") {
    cell.set("execution_count", json.execution_count ?? null);
    const outputs = new Y.Array<OutputMap>();
    outputs.push((json.outputs ?? []).map(outputToMap));
    cell.set("outputs", outputs);
    if (json.trusted === false) cell.set("trusted", false);
  } else if (json.attachments !== undefined) {
    cell.set("attachments", json.attachments);
  }
  return cell;
}

/** A cell's content as nbformat JSON (run state and ids left out; untrusted outputs marked). */
export function cellToJSON(cell: CellMap): CellJSON {
  const json: CellJSON = {
    cell_type: cellType(cell),
    source: cellSource(cell).toString(),
    metadata: asObject(cell.get("metadata")),
  };
  const attachments = cell.get("attachments");
  if (attachments !== undefined) json.attachments = asObject(attachments);
  if (json.cell_type === "code") {
    json.execution_count = asInt(cell.get("execution_count"));
    json.outputs = (cellOutputs(cell)?.toArray() ?? []).map(outputToJSON);
    if (cell.get("trusted") === false && json.outputs.length > 0) json.trusted = false;
  }
  return json;
}

export function cellIds(doc: Y.Doc): string[] {
  return cellsOf(doc).toArray().map(cellId);
}

export function indexOfCell(doc: Y.Doc, id: string): number {
  const cells = cellsOf(doc);
  for (let i = 0; i < cells.length; i++) if (cellId(cells.get(i)) === id) return i;
  return -1;
}

export function cellById(doc: Y.Doc, id: string): CellMap | null {
  const i = indexOfCell(doc, id);
  return i < 0 ? null : cellsOf(doc).get(i);
}

/**
 * Inserts cells at `index` (clamped to the list); returns their ids: `ids` when given
 * (the keyboard model picks them ahead), else new ones.
 */
export function insertCells(doc: Y.Doc, index: number, cells: readonly CellJSON[], ids?: readonly string[]): string[] {
  const list = cellsOf(doc);
  const at = Math.max(0, Math.min(index, list.length));
  const maps = cells.map((c, i) => makeCell(c, ids?.[i] ?? newCellId()));
  doc.transact(() => list.insert(at, maps), LOCAL);
  return maps.map(cellId);
}

export function insertCell(doc: Y.Doc, index: number, type: CellType = "code", source = "", id?: string): string {
  const [made] = insertCells(doc, index, [{ cell_type: type, source, metadata: {} }], id ? [id] : undefined);
  return made!;
}

/** Deletes the cells with these ids (unknown ids are ignored). */
export function deleteCells(doc: Y.Doc, ids: Iterable<string>): void {
  const want = new Set(ids);
  const list = cellsOf(doc);
  doc.transact(() => {
    for (let i = list.length - 1; i >= 0; i--) if (want.has(cellId(list.get(i)))) list.delete(i, 1);
  }, LOCAL);
}

function copyCellMap(cell: CellMap): CellMap {
  const copy = new Y.Map<unknown>();
  cell.forEach((v, k) => {
    if (v instanceof Y.Text) copy.set(k, new Y.Text(v.toString()));
    else if (v instanceof Y.Array) {
      const outs = new Y.Array<OutputMap>();
      outs.push((v.toArray() as OutputMap[]).map((o) => outputToMap(outputToJSON(o))));
      copy.set(k, outs);
    } else copy.set(k, v);
  });
  return copy;
}

/**
 * Moves the cells with these ids (kept in their document order) so that the first of
 * them lands at `toIndex` of the list as it would be without them. Yjs arrays have no
 * move: each moved cell is deleted and a copy with the same id inserted, in one
 * transaction.
 */
export function moveCells(doc: Y.Doc, ids: Iterable<string>, toIndex: number): void {
  const want = new Set(ids);
  const list = cellsOf(doc);
  doc.transact(() => {
    const moving: CellMap[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list.get(i);
      if (want.has(cellId(c))) {
        moving.unshift(copyCellMap(c));
        list.delete(i, 1);
      }
    }
    if (moving.length === 0) return;
    list.insert(Math.max(0, Math.min(toIndex, list.length)), moving);
  }, LOCAL);
}

/** Clears outputs and execution counts of these code cells. */
export function clearOutputs(doc: Y.Doc, ids: Iterable<string>): void {
  const want = new Set(ids);
  doc.transact(() => {
    for (const cell of cellsOf(doc)) {
      if (!want.has(cellId(cell))) continue;
      const outputs = cellOutputs(cell);
      if (outputs && outputs.length > 0) outputs.delete(0, outputs.length);
      if (cell.get("outputs_dropped")) cell.set("outputs_dropped", 0);
      if (cell.has("execution_count") && cell.get("execution_count") !== null) cell.set("execution_count", null);
    }
  }, LOCAL);
}

const CODE_ONLY_KEYS = ["outputs", "execution_count", "run_state", "trusted", "outputs_dropped"];

/**
 * Changes the type of these cells in place (the source Text, and so the editor binding,
 * stays). A cell that stops being code loses its outputs; one that becomes code gets
 * empty ones.
 */
export function setCellType(doc: Y.Doc, ids: Iterable<string>, type: CellType): void {
  const want = new Set(ids);
  doc.transact(() => {
    for (const cell of cellsOf(doc)) {
      if (!want.has(cellId(cell)) || cellType(cell) === type) continue;
      cell.set("cell_type", type);
      if (type === "code") {
        cell.set("execution_count", null);
        cell.set("outputs", new Y.Array<OutputMap>());
        cell.delete("attachments");
      } else {
        for (const k of CODE_ONLY_KEYS) cell.delete(k);
      }
    }
  }, LOCAL);
}

/**
 * Merges these cells into the first of them (in document order), sources joined by a
 * blank line as JupyterLab does. With one id, merges it with the cell below.
 * The first cell keeps its id and source Text; a merged code cell's outputs are cleared.
 * Returns the id of the merged cell, or null if there was nothing to merge.
 */
export function mergeCells(doc: Y.Doc, ids: Iterable<string>): string | null {
  const want = new Set(ids);
  const list = cellsOf(doc);
  let indices: number[] = [];
  for (let i = 0; i < list.length; i++) if (want.has(cellId(list.get(i)))) indices.push(i);
  if (indices.length === 1 && indices[0]! + 1 < list.length) indices = [indices[0]!, indices[0]! + 1];
  if (indices.length < 2) return null;
  const first = list.get(indices[0]!);
  doc.transact(() => {
    const text = cellSource(first);
    const rest = indices.slice(1).map((i) => cellSource(list.get(i)).toString());
    text.insert(text.length, rest.map((s) => "\n\n" + s).join(""));
    for (let k = indices.length - 1; k >= 1; k--) list.delete(indices[k]!, 1);
    // In the same transaction: one undo step brings back the cells and the outputs.
    if (cellType(first) === "code") clearOutputs(doc, [cellId(first)]);
  }, LOCAL);
  return cellId(first);
}

/**
 * Splits a cell at these source offsets (a cursor gives one, a selection two). The first
 * piece stays in the cell (same id, Text and outputs); the others become new cells of
 * the same type below it. Newlines at the seams are dropped, as JupyterLab does.
 * Returns the ids of all the pieces, in order.
 */
export function splitCell(doc: Y.Doc, id: string, offsets: readonly number[]): string[] {
  const index = indexOfCell(doc, id);
  if (index < 0) return [];
  const list = cellsOf(doc);
  const cell = list.get(index);
  const text = cellSource(cell);
  const source = text.toString();
  const cuts = [...new Set(offsets.map((o) => Math.max(0, Math.min(o, source.length))))]
    .filter((o) => o > 0 && o < source.length)
    .sort((a, b) => a - b);
  if (cuts.length === 0) return [id];
  const bounds = [0, ...cuts, source.length];
  const pieces = bounds.slice(0, -1).map((start, i) => source.slice(start, bounds[i + 1]));
  const trim = (s: string) => s.replace(/^\n+/, "").replace(/\n+$/, "");
  const type = cellType(cell);
  const made = pieces.slice(1).map((p) => makeCell({ cell_type: type, source: trim(p), metadata: {} }));
  doc.transact(() => {
    const keep = trim(pieces[0]!);
    const lead = pieces[0]!.length - pieces[0]!.replace(/^\n+/, "").length;
    text.delete(cuts[0]!, source.length - cuts[0]!);
    text.delete(lead + keep.length, cuts[0]! - lead - keep.length);
    text.delete(0, lead);
    list.insert(index + 1, made);
  }, LOCAL);
  return [id, ...made.map(cellId)];
}

/** Replaces a cell's metadata (the document keeps it as one JSON value). */
export function setCellMetadata(doc: Y.Doc, id: string, metadata: JSONObject): void {
  const cell = cellById(doc, id);
  if (cell) doc.transact(() => cell.set("metadata", metadata), LOCAL);
}

/** The cells of `ids` as nbformat JSON, in document order: what copy puts on the clipboard. */
export function copyCells(doc: Y.Doc, ids: Iterable<string>): CellJSON[] {
  const want = new Set(ids);
  return cellsOf(doc)
    .toArray()
    .filter((c) => want.has(cellId(c)))
    .map(cellToJSON);
}
