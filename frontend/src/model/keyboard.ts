// Jupyter's keyboard model as a pure state machine: command and edit modes, the active
// cell and a Shift-extended selection, markdown rendered/editing, and the two-key
// sequences (D,D / I,I / 0,0). `handleKey` maps a key to a new state plus the actions
// the view carries out; it touches no DOM and no document.
import type { CellType } from "./document";

export type Mode = "command" | "edit";

export interface KeyState {
  readonly mode: Mode;
  /** The active cell: the one the cursor or the command-mode highlight is on. */
  readonly active: string | null;
  /** The other end of the selection; the selection is every cell from anchor to active. */
  readonly anchor: string | null;
  /** Where the active cell was, to pick a neighbour when it disappears. */
  readonly activeIndex: number;
  /** Markdown cells shown as their source (being edited) rather than rendered. */
  readonly unrendered: ReadonlySet<string>;
  /** The first key of a two-key sequence and when it was pressed (ms). */
  readonly pending: { readonly key: string; readonly time: number } | null;
}

export interface CellRef {
  readonly id: string;
  readonly cell_type: CellType;
}

export interface KeyInput {
  /** KeyboardEvent.key */
  readonly key: string;
  readonly shift?: boolean;
  readonly ctrl?: boolean;
  readonly alt?: boolean;
  /** The Mac command key; treated as Ctrl. */
  readonly meta?: boolean;
  /** A timestamp in ms, for the two-key sequences. */
  readonly time: number;
}

export interface KeyContext {
  readonly cells: readonly CellRef[];
  /** In edit mode: where the editor's cursor is, and whether a popup (completion) is open. */
  readonly editor?: { readonly atFirstLine: boolean; readonly atLastLine: boolean; readonly popupOpen: boolean };
  /** How many cells the clipboard holds (paste inserts that many). */
  readonly clipboardSize: number;
  /** Makes the id of a cell that an action will insert. */
  readonly newId: () => string;
}

/** What the view does after a key; ids are in document order. */
export type Action =
  | { readonly type: "run"; readonly ids: readonly string[] }
  | { readonly type: "insert"; readonly index: number; readonly id: string; readonly cell_type: CellType }
  | { readonly type: "delete"; readonly ids: readonly string[] }
  | { readonly type: "undo" }
  | { readonly type: "redo" }
  | { readonly type: "set_type"; readonly ids: readonly string[]; readonly cell_type: CellType }
  | { readonly type: "copy"; readonly ids: readonly string[] }
  | { readonly type: "cut"; readonly ids: readonly string[] }
  | { readonly type: "paste"; readonly index: number; readonly ids: readonly string[] }
  | { readonly type: "merge"; readonly ids: readonly string[] }
  | { readonly type: "split"; readonly id: string }
  | { readonly type: "interrupt" }
  | { readonly type: "restart" }
  | { readonly type: "save" }
  | { readonly type: "help" }
  /** Focus the active cell's editor, its cursor at the start, the end, or where it was. */
  | { readonly type: "focus_editor"; readonly id: string; readonly cursor: "start" | "end" | "keep" }
  /** Take focus out of the editor (command mode). */
  | { readonly type: "blur_editor" };

export interface KeyResult {
  readonly state: KeyState;
  readonly actions: readonly Action[];
  /** False: the key is not the notebook's; let the editor or the browser have it. */
  readonly handled: boolean;
}

/** How long the second key of D,D / I,I / 0,0 may wait, in ms. */
export const SEQUENCE_TIMEOUT_MS = 1000;

export function initialKeyState(cells: readonly CellRef[]): KeyState {
  const first = cells[0]?.id ?? null;
  return { mode: "command", active: first, anchor: first, activeIndex: 0, unrendered: new Set(), pending: null };
}

/**
 * Re-anchors the state on the current cell list: when the active cell went away (another
 * browser deleted it), the cell now at its old position becomes active.
 */
export function reconcile(state: KeyState, cells: readonly CellRef[]): KeyState {
  const index = state.active === null ? -1 : cells.findIndex((c) => c.id === state.active);
  if (index >= 0) {
    const anchorOk = state.anchor !== null && cells.some((c) => c.id === state.anchor);
    if (index === state.activeIndex && anchorOk) return state;
    return { ...state, activeIndex: index, anchor: anchorOk ? state.anchor : state.active };
  }
  if (cells.length === 0) return { ...state, mode: "command", active: null, anchor: null, activeIndex: 0 };
  const i = Math.min(Math.max(state.activeIndex, 0), cells.length - 1);
  const id = cells[i]!.id;
  return { ...state, mode: "command", active: id, anchor: id, activeIndex: i };
}

/** The selected cells, in document order (at least the active one, when there is one). */
export function selectedIds(state: KeyState, cells: readonly CellRef[]): string[] {
  const a = cells.findIndex((c) => c.id === state.active);
  if (a < 0) return [];
  let b = cells.findIndex((c) => c.id === state.anchor);
  if (b < 0) b = a;
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return cells.slice(lo, hi + 1).map((c) => c.id);
}

/** Makes `id` active; with `extend`, keeps the anchor (Shift-click). */
export function activate(
  state: KeyState,
  cells: readonly CellRef[],
  id: string,
  opts: { mode?: Mode; extend?: boolean } = {},
): KeyState {
  const index = cells.findIndex((c) => c.id === id);
  if (index < 0) return state;
  const mode = opts.mode ?? state.mode;
  return {
    ...state,
    mode,
    active: id,
    activeIndex: index,
    anchor: opts.extend ? (state.anchor ?? id) : id,
    pending: null,
  };
}

/** Marks a markdown cell rendered (false) or being edited (true). */
export function setUnrendered(state: KeyState, id: string, editing: boolean): KeyState {
  if (state.unrendered.has(id) === editing) return state;
  const unrendered = new Set(state.unrendered);
  if (editing) unrendered.add(id);
  else unrendered.delete(id);
  return { ...state, unrendered };
}

/** Enters edit mode on `id` (double-click, click into an editor): markdown shows its source. */
export function editCell(state: KeyState, cells: readonly CellRef[], id: string): KeyResult {
  const cell = cells.find((c) => c.id === id);
  if (!cell) return { state, actions: [], handled: false };
  let s = activate(state, cells, id, { mode: "edit" });
  if (cell.cell_type === "markdown") s = setUnrendered(s, id, true);
  return { state: s, actions: [{ type: "focus_editor", id, cursor: "keep" }], handled: true };
}

function done(state: KeyState, actions: Action[] = []): KeyResult {
  return { state: { ...state, pending: null }, actions, handled: true };
}

function pass(state: KeyState): KeyResult {
  return { state, actions: [], handled: false };
}

function isCtrl(k: KeyInput): boolean {
  return Boolean(k.ctrl || k.meta);
}

/** The cells that a run of `ids` renders: markdown cells being edited. */
function renderMarkdown(state: KeyState, cells: readonly CellRef[], ids: readonly string[]): KeyState {
  let s = state;
  for (const id of ids) {
    if (cells.find((c) => c.id === id)?.cell_type === "markdown") s = setUnrendered(s, id, false);
  }
  return s;
}

function run(
  state: KeyState,
  cells: readonly CellRef[],
  ctx: KeyContext,
  how: "stay" | "advance" | "insert",
): KeyResult {
  const ids = selectedIds(state, cells);
  if (ids.length === 0) return done(state);
  let s = renderMarkdown(state, cells, ids);
  const actions: Action[] = [{ type: "run", ids }];
  const last = cells.findIndex((c) => c.id === ids[ids.length - 1]);
  if (how === "stay") {
    s = { ...s, mode: "command" };
    actions.push({ type: "blur_editor" });
    return done(s, actions);
  }
  if (how === "advance" && last + 1 < cells.length) {
    s = activate({ ...s, mode: "command" }, cells, cells[last + 1]!.id);
    actions.push({ type: "blur_editor" });
    return done(s, actions);
  }
  // Alt-Enter, or Shift-Enter on the last cell: a new code cell below, ready to type in.
  const id = ctx.newId();
  actions.push({ type: "insert", index: last + 1, id, cell_type: "code" });
  actions.push({ type: "focus_editor", id, cursor: "start" });
  const withNew = [...cells.slice(0, last + 1), { id, cell_type: "code" as const }, ...cells.slice(last + 1)];
  return done(activate(s, withNew, id, { mode: "edit" }), actions);
}

function move(state: KeyState, cells: readonly CellRef[], delta: number, extend: boolean): KeyResult {
  const i = cells.findIndex((c) => c.id === state.active);
  if (i < 0) return done(state);
  const j = Math.max(0, Math.min(cells.length - 1, i + delta));
  return done(activate(state, cells, cells[j]!.id, { extend }));
}

function insertAt(state: KeyState, cells: readonly CellRef[], ctx: KeyContext, below: boolean): KeyResult {
  const i = cells.findIndex((c) => c.id === state.active);
  const index = i < 0 ? cells.length : below ? i + 1 : i;
  const id = ctx.newId();
  const withNew = [...cells.slice(0, index), { id, cell_type: "code" as const }, ...cells.slice(index)];
  return done(activate(state, withNew, id), [{ type: "insert", index, id, cell_type: "code" }]);
}

/** After deleting or cutting `ids`: the cell below the last of them, else the one above. */
function afterRemoval(state: KeyState, cells: readonly CellRef[], ids: readonly string[]): KeyState {
  const gone = new Set(ids);
  const lastIndex = Math.max(...ids.map((id) => cells.findIndex((c) => c.id === id)));
  const firstIndex = Math.min(...ids.map((id) => cells.findIndex((c) => c.id === id)));
  const rest = cells.filter((c) => !gone.has(c.id));
  const below = cells.slice(lastIndex + 1).find((c) => !gone.has(c.id));
  const above = cells.slice(0, firstIndex).reverse().find((c) => !gone.has(c.id));
  const next = below ?? above;
  if (!next) return { ...state, active: null, anchor: null, activeIndex: 0 };
  return activate(state, rest, next.id);
}

function sequence(state: KeyState, key: string, time: number, action: Action | null, then?: KeyState): KeyResult {
  const p = state.pending;
  if (p && p.key === key && time - p.time <= SEQUENCE_TIMEOUT_MS) {
    return done(then ?? state, action ? [action] : []);
  }
  return { state: { ...state, pending: { key, time } }, actions: [], handled: true };
}

function handleEdit(state: KeyState, cells: readonly CellRef[], k: KeyInput, ctx: KeyContext): KeyResult {
  const active = state.active;
  if (active === null) return pass(state);
  const popup = ctx.editor?.popupOpen ?? false;
  const plain = !k.shift && !isCtrl(k) && !k.alt;
  switch (k.key) {
    case "Escape":
      if (popup) return pass(state);
      return done({ ...state, mode: "command" }, [{ type: "blur_editor" }]);
    case "Enter":
      if (k.shift && !isCtrl(k) && !k.alt) return run(state, cells, ctx, "advance");
      if (isCtrl(k) && !k.shift && !k.alt) return run(state, cells, ctx, "stay");
      if (k.alt && !k.shift && !isCtrl(k)) return run(state, cells, ctx, "insert");
      return pass(state);
    case "ArrowUp":
    case "ArrowDown": {
      if (!plain || popup || !ctx.editor) return pass(state);
      const up = k.key === "ArrowUp";
      if (up ? !ctx.editor.atFirstLine : !ctx.editor.atLastLine) return pass(state);
      const i = cells.findIndex((c) => c.id === active);
      const j = up ? i - 1 : i + 1;
      if (i < 0 || j < 0 || j >= cells.length) return pass(state);
      const target = cells[j]!;
      let s = activate(state, cells, target.id, { mode: "edit" });
      if (target.cell_type === "markdown") s = setUnrendered(s, target.id, true);
      return done(s, [{ type: "focus_editor", id: target.id, cursor: up ? "end" : "start" }]);
    }
    default:
      break;
  }
  if (isCtrl(k) && !k.alt && k.key.toLowerCase() === "s" && !k.shift) return done(state, [{ type: "save" }]);
  if (isCtrl(k) && k.shift && (k.key === "-" || k.key === "_")) {
    return done(state, [{ type: "split", id: active }]);
  }
  return pass(state);
}

function handleCommand(state: KeyState, cells: readonly CellRef[], k: KeyInput, ctx: KeyContext): KeyResult {
  const key = k.key.length === 1 ? k.key.toLowerCase() : k.key;
  const ctrl = isCtrl(k);
  if (ctrl && !k.alt) {
    if (key === "s" && !k.shift) return done(state, [{ type: "save" }]);
    if (key === "Enter" && !k.shift) return run(state, cells, ctx, "stay");
    if (key === "a" && !k.shift && cells.length > 0) {
      const s = { ...state, anchor: cells[0]!.id, active: cells[cells.length - 1]!.id, activeIndex: cells.length - 1 };
      return done(s);
    }
    return pass(state);
  }
  if (k.alt) {
    if (key === "Enter" && !k.shift) return run(state, cells, ctx, "insert");
    return pass(state);
  }
  const selected = selectedIds(state, cells);
  const active = state.active;
  // A key outside a sequence cancels a pending first key.
  const s: KeyState = state.pending && state.pending.key !== key ? { ...state, pending: null } : state;
  if (k.shift) {
    switch (key) {
      case "Enter":
        return run(s, cells, ctx, "advance");
      case "ArrowUp":
      case "k":
        return move(s, cells, -1, true);
      case "ArrowDown":
      case "j":
        return move(s, cells, 1, true);
      case "m":
        return selected.length > 0 ? done(s, [{ type: "merge", ids: selected }]) : done(s);
      case "v": {
        const i = cells.findIndex((c) => c.id === selected[0]);
        return paste(s, cells, ctx, i < 0 ? 0 : i);
      }
      case "z":
        return done(s, [{ type: "redo" }]);
      default:
        return pass(state);
    }
  }
  switch (key) {
    case "Enter": {
      if (active === null) return done(s);
      return done(editCell(s, cells, active).state, [{ type: "focus_editor", id: active, cursor: "keep" }]);
    }
    case "Escape":
      return done(activate(s, cells, active ?? "", {}));
    case "ArrowUp":
    case "k":
      return move(s, cells, -1, false);
    case "ArrowDown":
    case "j":
      return move(s, cells, 1, false);
    case "a":
      return insertAt(s, cells, ctx, false);
    case "b":
      return insertAt(s, cells, ctx, true);
    case "d":
      if (selected.length === 0) return done(s);
      return sequence(s, "d", k.time, { type: "delete", ids: selected }, afterRemoval(s, cells, selected));
    case "i":
      return sequence(s, "i", k.time, { type: "interrupt" });
    case "0":
      return sequence(s, "0", k.time, { type: "restart" });
    case "z":
      return done(s, [{ type: "undo" }]);
    case "m":
    case "y":
    case "r": {
      const cell_type = key === "m" ? "markdown" : key === "y" ? "code" : "raw";
      let next = s;
      // A cell that becomes markdown this way is shown as its source until run.
      for (const id of selected) next = setUnrendered(next, id, cell_type === "markdown");
      return done(next, [{ type: "set_type", ids: selected, cell_type }]);
    }
    case "c":
      return done(s, selected.length ? [{ type: "copy", ids: selected }] : []);
    case "x":
      if (selected.length === 0) return done(s);
      return done(afterRemoval(s, cells, selected), [{ type: "cut", ids: selected }]);
    case "v": {
      const i = cells.findIndex((c) => c.id === selected[selected.length - 1]);
      return paste(s, cells, ctx, i + 1);
    }
    case "h":
      return done(s, [{ type: "help" }]);
    default:
      return pass(state);
  }
}

function paste(state: KeyState, cells: readonly CellRef[], ctx: KeyContext, index: number): KeyResult {
  if (ctx.clipboardSize === 0) return done(state);
  const ids = Array.from({ length: ctx.clipboardSize }, () => ctx.newId());
  const withNew = [...cells.slice(0, index), ...ids.map((id) => ({ id, cell_type: "code" as const })), ...cells.slice(index)];
  const s = activate(activate(state, withNew, ids[0]!), withNew, ids[ids.length - 1]!, { extend: true });
  return done(s, [{ type: "paste", index, ids }]);
}

/** The notebook's answer to one key press. */
export function handleKey(state: KeyState, k: KeyInput, ctx: KeyContext): KeyResult {
  const s = reconcile(state, ctx.cells);
  return s.mode === "edit" ? handleEdit(s, ctx.cells, k, ctx) : handleCommand(s, ctx.cells, k, ctx);
}

/** The shortcuts the help dialog lists (H), in the order shown. */
export const SHORTCUTS: ReadonlyArray<readonly [mode: string, keys: string, what: string]> = [
  ["both", "Shift-Enter", "run, select below (a new cell after the last)"],
  ["both", "Ctrl-Enter", "run selected cells"],
  ["both", "Alt-Enter", "run, insert a cell below"],
  ["both", "Ctrl-S", "save"],
  ["edit", "Esc", "command mode"],
  ["edit", "Tab", "complete"],
  ["edit", "Shift-Tab", "show the signature and docstring"],
  ["edit", "Ctrl-Shift-Minus", "split the cell at the cursor"],
  ["both", "Ctrl-F", "find and replace in the whole notebook (Enter / Shift-Enter: next / previous; Esc: close)"],
  ["both", "Ctrl-Shift-K", "table of contents"],
  ["command", "Enter", "edit mode"],
  ["command", "Up / K, Down / J", "select the cell above / below"],
  ["command", "Shift-Up / Shift-K, Shift-Down / Shift-J", "extend the selection"],
  ["command", "Ctrl-A", "select all cells"],
  ["command", "A / B", "insert a cell above / below"],
  ["command", "D, D", "delete selected cells"],
  ["command", "Z / Shift-Z", "undo / redo a cell operation"],
  ["command", "M / Y / R", "to markdown / code / raw"],
  ["command", "X / C / V / Shift-V", "cut / copy / paste below / paste above"],
  ["command", "Shift-M", "merge selected cells (one: with the cell below)"],
  ["command", "I, I", "interrupt the kernel"],
  ["command", "0, 0", "restart the kernel"],
  ["command", "H", "this help"],
];
