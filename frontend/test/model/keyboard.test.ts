import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  activate,
  editCell,
  handleKey,
  initialKeyState,
  reconcile,
  selectedIds,
  SEQUENCE_TIMEOUT_MS,
  type Action,
  type CellRef,
  type KeyContext,
  type KeyInput,
  type KeyState,
} from "../../src/model/keyboard";

const cells: CellRef[] = [
  { id: "c1", cell_type: "code" },
  { id: "m2", cell_type: "markdown" },
  { id: "c3", cell_type: "code" },
  { id: "r4", cell_type: "raw" },
];

function ctx(over: Partial<KeyContext> = {}): KeyContext {
  let n = 0;
  return { cells, clipboardSize: 0, newId: () => `new${++n}`, ...over };
}

let clock = 0;
function key(spec: string, time?: number): KeyInput {
  const parts = spec.split("-");
  const k = parts.pop()!;
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  clock = time ?? clock + 10;
  return {
    key: k === "Minus" ? "-" : k,
    shift: mods.has("shift"),
    ctrl: mods.has("ctrl"),
    alt: mods.has("alt"),
    meta: mods.has("meta"),
    time: clock,
  };
}

/** Presses keys in turn; returns the last state and every action. */
function press(state: KeyState, keys: string[], c: KeyContext = ctx()): { state: KeyState; actions: Action[] } {
  const actions: Action[] = [];
  let s = state;
  for (const k of keys) {
    const r = handleKey(s, key(k), c);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

const at = (id: string, mode: "command" | "edit" = "command") => activate(initialKeyState(cells), cells, id, { mode });

describe("modes", () => {
  test("starts in command mode on the first cell", () => {
    const s = initialKeyState(cells);
    assert.equal(s.mode, "command");
    assert.equal(s.active, "c1");
  });

  test("Enter edits, Esc leaves; markdown shows its source while edited and stays so after Esc", () => {
    let r = press(at("m2"), ["Enter"]);
    assert.equal(r.state.mode, "edit");
    assert.ok(r.state.unrendered.has("m2"));
    assert.deepEqual(r.actions, [{ type: "focus_editor", id: "m2", cursor: "keep" }]);
    r = press(r.state, ["Escape"]);
    assert.equal(r.state.mode, "command");
    assert.ok(r.state.unrendered.has("m2"));
    assert.deepEqual(r.actions, [{ type: "blur_editor" }]);
  });

  test("Esc with a completion popup open is the editor's", () => {
    const r = handleKey(at("c1", "edit"), key("Escape"), ctx({ editor: { atFirstLine: true, atLastLine: true, popupOpen: true } }));
    assert.equal(r.handled, false);
    assert.equal(r.state.mode, "edit");
  });

  test("typing in edit mode is not the notebook's", () => {
    for (const k of ["a", "d", "Shift-M", "0", "Backspace", "Tab", "Ctrl-z"]) {
      assert.equal(handleKey(at("c1", "edit"), key(k), ctx()).handled, false, k);
    }
  });

  test("double-click (editCell) on markdown unrenders it", () => {
    const r = editCell(initialKeyState(cells), cells, "m2");
    assert.equal(r.state.mode, "edit");
    assert.equal(r.state.active, "m2");
    assert.ok(r.state.unrendered.has("m2"));
  });
});

describe("running", () => {
  test("Shift-Enter runs and selects below in command mode", () => {
    const r = press(at("c1", "edit"), ["Shift-Enter"]);
    assert.deepEqual(r.actions, [{ type: "run", ids: ["c1"] }, { type: "blur_editor" }]);
    assert.equal(r.state.active, "m2");
    assert.equal(r.state.mode, "command");
  });

  test("Shift-Enter on the last cell inserts a code cell and edits it", () => {
    const r = press(at("r4"), ["Shift-Enter"]);
    assert.deepEqual(r.actions, [
      { type: "run", ids: ["r4"] },
      { type: "insert", index: 4, id: "new1", cell_type: "code" },
      { type: "focus_editor", id: "new1", cursor: "start" },
    ]);
    assert.equal(r.state.active, "new1");
    assert.equal(r.state.mode, "edit");
  });

  test("Ctrl-Enter runs in place; Alt-Enter runs and inserts below", () => {
    let r = press(at("c3", "edit"), ["Ctrl-Enter"]);
    assert.deepEqual(r.actions[0], { type: "run", ids: ["c3"] });
    assert.equal(r.state.active, "c3");
    assert.equal(r.state.mode, "command");
    r = press(at("c1"), ["Alt-Enter"]);
    assert.deepEqual(r.actions.slice(0, 2), [
      { type: "run", ids: ["c1"] },
      { type: "insert", index: 1, id: "new1", cell_type: "code" },
    ]);
    assert.equal(r.state.mode, "edit");
  });

  test("running markdown renders it", () => {
    let s = press(at("m2"), ["Enter"]).state;
    s = press(s, ["Shift-Enter"]).state;
    assert.equal(s.unrendered.has("m2"), false);
    assert.equal(s.active, "c3");
  });

  test("running a selection runs all of it and advances past it", () => {
    const r = press(at("c1"), ["Shift-j", "Shift-j", "Shift-Enter"]);
    assert.deepEqual(r.actions[0], { type: "run", ids: ["c1", "m2", "c3"] });
    assert.equal(r.state.active, "r4");
    assert.deepEqual(selectedIds(r.state, cells), ["r4"]);
  });
});

describe("selection", () => {
  test("J/K and arrows move; Shift extends; a plain move collapses", () => {
    let s = press(at("c1"), ["j", "ArrowDown"]).state;
    assert.equal(s.active, "c3");
    s = press(s, ["Shift-k", "Shift-ArrowUp"]).state;
    assert.deepEqual(selectedIds(s, cells), ["c1", "m2", "c3"]);
    s = press(s, ["ArrowDown"]).state;
    assert.deepEqual(selectedIds(s, cells), ["m2"]);
    s = press(s, ["k", "k", "k"]).state;
    assert.equal(s.active, "c1", "stops at the top");
  });

  test("Ctrl-A selects all, Esc collapses", () => {
    let s = press(at("m2"), ["Ctrl-a"]).state;
    assert.deepEqual(selectedIds(s, cells), ["c1", "m2", "c3", "r4"]);
    s = press(s, ["Escape"]).state;
    assert.deepEqual(selectedIds(s, cells), ["r4"]);
  });

  test("edit mode: Up on the first line goes to the cell above, its cursor at the end", () => {
    const r = handleKey(at("c3", "edit"), key("ArrowUp"), ctx({ editor: { atFirstLine: true, atLastLine: false, popupOpen: false } }));
    assert.equal(r.state.active, "m2");
    assert.equal(r.state.mode, "edit");
    assert.ok(r.state.unrendered.has("m2"));
    assert.deepEqual(r.actions, [{ type: "focus_editor", id: "m2", cursor: "end" }]);
    const mid = handleKey(at("c3", "edit"), key("ArrowDown"), ctx({ editor: { atFirstLine: true, atLastLine: false, popupOpen: false } }));
    assert.equal(mid.handled, false);
  });
});

describe("cell operations", () => {
  test("A and B insert above and below and select the new cell", () => {
    let r = press(at("m2"), ["a"]);
    assert.deepEqual(r.actions, [{ type: "insert", index: 1, id: "new1", cell_type: "code" }]);
    assert.equal(r.state.active, "new1");
    assert.equal(r.state.mode, "command");
    r = press(at("m2"), ["b"]);
    assert.deepEqual(r.actions, [{ type: "insert", index: 2, id: "new1", cell_type: "code" }]);
  });

  test("D,D deletes the selection and selects the cell below", () => {
    const r = press(at("c1"), ["Shift-j", "d", "d"]);
    assert.deepEqual(r.actions, [{ type: "delete", ids: ["c1", "m2"] }]);
    assert.equal(r.state.active, "c3");
  });

  test("D,D on the last cell selects the one above", () => {
    assert.equal(press(at("r4"), ["d", "d"]).state.active, "c3");
  });

  test("one D does nothing; D then another key cancels; a slow second D starts over", () => {
    assert.deepEqual(press(at("c1"), ["d"]).actions, []);
    assert.deepEqual(press(at("c1"), ["d", "j", "d"]).actions, []);
    let s = handleKey(at("c1"), key("d", 1000), ctx()).state;
    let r = handleKey(s, key("d", 1000 + SEQUENCE_TIMEOUT_MS + 1), ctx());
    assert.deepEqual(r.actions, []);
    r = handleKey(r.state, key("d", 1000 + SEQUENCE_TIMEOUT_MS + 50), ctx());
    assert.deepEqual(r.actions, [{ type: "delete", ids: ["c1"] }]);
    s = r.state;
  });

  test("Z undoes, Shift-Z redoes", () => {
    assert.deepEqual(press(at("c1"), ["z", "Shift-Z"]).actions, [{ type: "undo" }, { type: "redo" }]);
  });

  test("M, Y, R change the type of the selection; new markdown shows its source", () => {
    let r = press(at("c1"), ["Shift-j", "m"]);
    assert.deepEqual(r.actions, [{ type: "set_type", ids: ["c1", "m2"], cell_type: "markdown" }]);
    assert.ok(r.state.unrendered.has("c1"));
    r = press(r.state, ["y"]);
    assert.deepEqual(r.actions, [{ type: "set_type", ids: ["c1", "m2"], cell_type: "code" }]);
    assert.equal(r.state.unrendered.size, 0);
    assert.deepEqual(press(at("c3"), ["r"]).actions, [{ type: "set_type", ids: ["c3"], cell_type: "raw" }]);
  });

  test("X cuts, C copies, V pastes below, Shift-V above", () => {
    let r = press(at("m2"), ["x"]);
    assert.deepEqual(r.actions, [{ type: "cut", ids: ["m2"] }]);
    assert.equal(r.state.active, "c3");
    assert.deepEqual(press(at("m2"), ["c"]).actions, [{ type: "copy", ids: ["m2"] }]);
    r = press(at("m2"), ["v"], ctx({ clipboardSize: 2 }));
    assert.deepEqual(r.actions, [{ type: "paste", index: 2, ids: ["new1", "new2"] }]);
    assert.equal(r.state.active, "new2");
    assert.equal(r.state.anchor, "new1");
    r = press(at("m2"), ["Shift-V"], ctx({ clipboardSize: 1 }));
    assert.deepEqual(r.actions, [{ type: "paste", index: 1, ids: ["new1"] }]);
    assert.deepEqual(press(at("m2"), ["v"]).actions, [], "nothing to paste");
  });

  test("Shift-M merges the selection; Ctrl-Shift-Minus splits in edit mode", () => {
    assert.deepEqual(press(at("c1"), ["Shift-j", "Shift-M"]).actions, [{ type: "merge", ids: ["c1", "m2"] }]);
    assert.deepEqual(press(at("c3", "edit"), ["Ctrl-Shift-Minus"]).actions, [{ type: "split", id: "c3" }]);
    assert.deepEqual(press(at("c3", "edit"), ["Ctrl-Shift-_"]).actions, [{ type: "split", id: "c3" }]);
  });

  test("I,I interrupts; 0,0 restarts; H helps; Ctrl-S saves in both modes", () => {
    assert.deepEqual(press(at("c1"), ["i", "i"]).actions, [{ type: "interrupt" }]);
    assert.deepEqual(press(at("c1"), ["0", "0"]).actions, [{ type: "restart" }]);
    assert.deepEqual(press(at("c1"), ["i", "0"]).actions, []);
    assert.deepEqual(press(at("c1"), ["h"]).actions, [{ type: "help" }]);
    assert.deepEqual(press(at("c1"), ["Ctrl-s"]).actions, [{ type: "save" }]);
    assert.deepEqual(press(at("c1", "edit"), ["Ctrl-s"]).actions, [{ type: "save" }]);
    assert.deepEqual(press(at("c1", "edit"), ["Meta-s"]).actions, [{ type: "save" }]);
  });

  test("unknown keys pass through", () => {
    const r = handleKey(at("c1"), key("q"), ctx());
    assert.equal(r.handled, false);
  });
});

describe("reconcile with a changing cell list", () => {
  test("the active cell deleted elsewhere: its successor becomes active, in command mode", () => {
    const s = at("m2", "edit");
    const r = reconcile(s, cells.filter((c) => c.id !== "m2"));
    assert.equal(r.active, "c3");
    assert.equal(r.mode, "command");
  });

  test("the last cell deleted: the new last one; no cells: nothing active", () => {
    assert.equal(reconcile(at("r4"), cells.slice(0, 3)).active, "c3");
    assert.equal(reconcile(at("r4"), []).active, null);
  });

  test("a cell inserted above keeps the active cell and updates its index", () => {
    const r = reconcile(at("m2"), [{ id: "x", cell_type: "code" }, ...cells]);
    assert.equal(r.active, "m2");
    assert.equal(r.activeIndex, 2);
  });

  test("keys on an empty notebook", () => {
    const empty = initialKeyState([]);
    const r = handleKey(empty, key("b"), ctx({ cells: [] }));
    assert.deepEqual(r.actions, [{ type: "insert", index: 0, id: "new1", cell_type: "code" }]);
    assert.equal(r.state.active, "new1");
    assert.deepEqual(press(empty, ["d", "d", "Shift-Enter", "j"], ctx({ cells: [] })).actions, []);
  });
});
