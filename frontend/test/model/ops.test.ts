import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as Y from "yjs";
import { cellOutputs, cellSource, cellsOf, readCell, readOutput } from "../../src/model/document";
import {
  cellIds,
  cellById,
  clearOutputs,
  copyCells,
  deleteCells,
  insertCell,
  insertCells,
  makeCell,
  mergeCells,
  moveCells,
  newCellId,
  setCellType,
  splitCell,
} from "../../src/model/ops";
import { createCellUndo } from "../../src/model/undo";

function sources(doc: Y.Doc): string[] {
  return cellsOf(doc).toArray().map((c) => cellSource(c).toString());
}

function docWith(...srcs: string[]): { doc: Y.Doc; ids: string[] } {
  const doc = new Y.Doc();
  const ids = insertCells(
    doc,
    0,
    srcs.map((source) => ({ cell_type: "code" as const, source, metadata: {} })),
  );
  return { doc, ids };
}

/** A stream output as the server writes it: text as an Array of chunks. */
function addStream(doc: Y.Doc, id: string, chunks: string[]): void {
  const out = new Y.Map<unknown>();
  out.set("output_type", "stream");
  out.set("name", "stdout");
  const text = new Y.Array<string>();
  text.push(chunks);
  out.set("text", text);
  doc.transact(() => {
    cellOutputs(cellById(doc, id)!)!.push([out]);
    cellById(doc, id)!.set("execution_count", 3);
  }, "server");
}

describe("cell ids", () => {
  test("are nbformat 4.5 ids and differ", () => {
    const ids = new Set(Array.from({ length: 200 }, newCellId));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, /^[a-z0-9]{12}$/);
  });
});

describe("insert and delete", () => {
  test("a new code cell has the schema's keys", () => {
    const doc = new Y.Doc();
    const id = insertCell(doc, 0, "code", "x = 1");
    const cell = cellById(doc, id)!;
    assert.deepEqual(readCell(cell), {
      id,
      cell_type: "code",
      execution_count: null,
      run_state: "idle",
      trusted: true,
      outputs_dropped: 0,
      metadata: {},
    });
    assert.equal(cellSource(cell).toString(), "x = 1");
    assert.equal(cellOutputs(cell)!.length, 0);
  });

  test("a markdown cell has no outputs", () => {
    const doc = new Y.Doc();
    const id = insertCell(doc, 0, "markdown", "# hi");
    assert.equal(cellOutputs(cellById(doc, id)!), null);
    assert.equal(cellById(doc, id)!.has("execution_count"), false);
  });

  test("insert clamps the index; delete takes ids", () => {
    const { doc, ids } = docWith("a", "b", "c");
    insertCell(doc, 99, "code", "d");
    insertCell(doc, -5, "code", "z");
    assert.deepEqual(sources(doc), ["z", "a", "b", "c", "d"]);
    deleteCells(doc, [ids[0]!, ids[2]!, "nope"]);
    assert.deepEqual(sources(doc), ["z", "b", "d"]);
  });
});

describe("move", () => {
  test("moves a block keeping ids and content", () => {
    const { doc, ids } = docWith("a", "b", "c", "d");
    addStream(doc, ids[1]!, ["out", "put\n"]);
    moveCells(doc, [ids[1]!, ids[2]!], 2);
    assert.deepEqual(sources(doc), ["a", "d", "b", "c"]);
    assert.deepEqual(cellIds(doc), [ids[0], ids[3], ids[1], ids[2]]);
    const moved = cellById(doc, ids[1]!)!;
    assert.equal(readCell(moved).execution_count, 3);
    assert.deepEqual(readOutput(cellOutputs(moved)!.get(0)), {
      output_type: "stream",
      name: "stdout",
      text: "output\n",
      dropped_chars: 0,
    });
  });

  test("to the top and to the end", () => {
    const { doc, ids } = docWith("a", "b", "c");
    moveCells(doc, [ids[2]!], 0);
    assert.deepEqual(sources(doc), ["c", "a", "b"]);
    moveCells(doc, [ids[2]!], 99);
    assert.deepEqual(sources(doc), ["a", "b", "c"]);
  });
});

describe("merge and split", () => {
  test("merge joins with a blank line into the first cell and clears its outputs", () => {
    const { doc, ids } = docWith("a", "b", "c");
    addStream(doc, ids[0]!, ["x"]);
    const text = cellSource(cellById(doc, ids[0]!)!);
    assert.equal(mergeCells(doc, [ids[2]!, ids[0]!]), ids[0]);
    assert.deepEqual(sources(doc), ["a\n\nc", "b"]);
    assert.equal(cellSource(cellById(doc, ids[0]!)!), text, "the Text (editor binding) survives");
    assert.equal(cellOutputs(cellById(doc, ids[0]!)!)!.length, 0);
    assert.equal(readCell(cellById(doc, ids[0]!)!).execution_count, null);
  });

  test("merge of one cell merges it with the one below; the last cell alone does nothing", () => {
    const { doc, ids } = docWith("a", "b");
    assert.equal(mergeCells(doc, [ids[1]!]), null);
    mergeCells(doc, [ids[0]!]);
    assert.deepEqual(sources(doc), ["a\n\nb"]);
  });

  test("split at a cursor and around a selection, trimming newlines at the seams", () => {
    const { doc, ids } = docWith("one\n\ntwo\nthree\n");
    const pieces = splitCell(doc, ids[0]!, [5]);
    assert.equal(pieces.length, 2);
    assert.equal(pieces[0], ids[0]);
    assert.deepEqual(sources(doc), ["one", "two\nthree"]);
    const more = splitCell(doc, pieces[1]!, [1, 3]);
    assert.deepEqual(sources(doc), ["one", "t", "wo", "three"]);
    assert.equal(more.length, 3);
  });

  test("split at the edges does nothing", () => {
    const { doc, ids } = docWith("abc");
    assert.deepEqual(splitCell(doc, ids[0]!, [0, 3]), [ids[0]]);
    assert.deepEqual(sources(doc), ["abc"]);
  });

  test("split keeps the type", () => {
    const doc = new Y.Doc();
    const id = insertCell(doc, 0, "markdown", "# a\nb");
    splitCell(doc, id, [4]);
    assert.deepEqual(
      cellsOf(doc).toArray().map((c) => readCell(c).cell_type),
      ["markdown", "markdown"],
    );
  });
});

describe("type and outputs", () => {
  test("code to markdown drops code-only keys; back to code has empty outputs", () => {
    const { doc, ids } = docWith("a");
    addStream(doc, ids[0]!, ["x"]);
    const cell = cellById(doc, ids[0]!)!;
    cell.set("run_state", "done");
    setCellType(doc, ids, "markdown");
    assert.deepEqual([...cell.keys()].sort(), ["cell_type", "id", "metadata", "source"]);
    setCellType(doc, ids, "code");
    assert.equal(cellOutputs(cell)!.length, 0);
    assert.equal(cell.get("execution_count"), null);
  });

  test("clear outputs", () => {
    const { doc, ids } = docWith("a", "b");
    addStream(doc, ids[0]!, ["x"]);
    addStream(doc, ids[1]!, ["y"]);
    clearOutputs(doc, [ids[0]!]);
    assert.equal(cellOutputs(cellById(doc, ids[0]!)!)!.length, 0);
    assert.equal(cellOutputs(cellById(doc, ids[1]!)!)!.length, 1);
  });

  test("copy gives nbformat JSON that paste recreates with new ids", () => {
    const { doc, ids } = docWith("a", "b");
    addStream(doc, ids[1]!, ["x", "y"]);
    const json = copyCells(doc, [ids[1]!]);
    assert.deepEqual(json, [
      {
        cell_type: "code",
        source: "b",
        metadata: {},
        execution_count: 3,
        outputs: [{ output_type: "stream", name: "stdout", text: "xy" }],
      },
    ]);
    const [pasted] = insertCells(doc, 0, json);
    assert.notEqual(pasted, ids[1]);
    assert.equal(readOutput(cellOutputs(cellById(doc, pasted!)!)!.get(0)).output_type, "stream");
    assert.deepEqual(copyCells(doc, [pasted!]), json);
  });

  test("a copy of untrusted outputs pastes untrusted; trusted and empty ones carry no mark", () => {
    const { doc, ids } = docWith("a", "b", "c");
    addStream(doc, ids[0]!, ["x"]);
    addStream(doc, ids[1]!, ["y"]);
    cellById(doc, ids[0]!)!.set("trusted", false);
    cellById(doc, ids[2]!)!.set("trusted", false);
    const json = copyCells(doc, ids);
    assert.deepEqual(
      json.map((c) => c.trusted),
      [false, undefined, undefined],
    );
    const pasted = insertCells(doc, 3, json);
    assert.deepEqual(
      pasted.map((id) => readCell(cellById(doc, id)!).trusted),
      [false, true, true],
    );
  });

  test("makeCell keeps attachments of markdown cells", () => {
    const cell = makeCell({ cell_type: "markdown", source: "", metadata: {}, attachments: { "a.png": {} } });
    const doc = new Y.Doc();
    cellsOf(doc).push([cell]);
    assert.deepEqual(copyCells(doc, [readCell(cell).id])[0]!.attachments, { "a.png": {} });
  });
});

describe("undo of cell operations", () => {
  test("undo and redo insert, delete (with outputs), move, merge, split, type", () => {
    const { doc, ids } = docWith("a", "b", "c");
    addStream(doc, ids[1]!, ["out"]);
    const undo = createCellUndo(doc);
    const snapshot = () => cellsOf(doc).toJSON();
    const steps: Array<() => void> = [
      () => insertCell(doc, 1, "code", "new"),
      () => deleteCells(doc, [ids[1]!]),
      () => moveCells(doc, [ids[0]!], 3),
      () => mergeCells(doc, [ids[2]!]),
      () => splitCell(doc, ids[2]!, [1]),
      () => setCellType(doc, [ids[2]!], "raw"),
    ];
    const states = [snapshot()];
    for (const step of steps) {
      step();
      states.push(snapshot());
    }
    for (let i = steps.length - 1; i >= 0; i--) {
      assert.ok(undo.undo());
      assert.deepEqual(snapshot(), states[i], `undo back to state ${i}`);
    }
    assert.equal(undo.canUndo(), false);
    for (let i = 1; i <= steps.length; i++) {
      assert.ok(undo.redo());
      assert.deepEqual(snapshot(), states[i], `redo to state ${i}`);
    }
    undo.destroy();
  });

  test("one undo takes back a merge of cells with outputs, outputs included", () => {
    const { doc, ids } = docWith("a", "b");
    addStream(doc, ids[0]!, ["1\n"]);
    addStream(doc, ids[1]!, ["2\n"]);
    const before = cellsOf(doc).toJSON();
    const undo = createCellUndo(doc);
    mergeCells(doc, ids);
    assert.deepEqual(sources(doc), ["a\n\nb"]);
    assert.equal(cellOutputs(cellById(doc, ids[0]!)!)!.length, 0);
    assert.ok(undo.undo());
    assert.deepEqual(cellsOf(doc).toJSON(), before);
    assert.equal(undo.canUndo(), false);
  });

  test("undoing a delete restores the outputs the server wrote", () => {
    const { doc, ids } = docWith("a");
    addStream(doc, ids[0]!, ["1\n", "2\n"]);
    const undo = createCellUndo(doc);
    deleteCells(doc, ids);
    assert.equal(cellsOf(doc).length, 0);
    undo.undo();
    const cell = cellById(doc, ids[0]!)!;
    assert.equal(cellSource(cell).toString(), "a");
    assert.equal(readOutput(cellOutputs(cell)!.get(0)).output_type, "stream");
    assert.deepEqual(readOutput(cellOutputs(cell)!.get(0)), {
      output_type: "stream",
      name: "stdout",
      text: "1\n2\n",
      dropped_chars: 0,
    });
  });

  test("typing and other origins are not undone", () => {
    const { doc, ids } = docWith("a");
    const undo = createCellUndo(doc);
    doc.transact(() => cellSource(cellById(doc, ids[0]!)!).insert(1, "bc"), "editor");
    addStream(doc, ids[0]!, ["x"]);
    assert.equal(undo.canUndo(), false);
    insertCell(doc, 1);
    undo.undo();
    assert.deepEqual(sources(doc), ["abc"]);
    assert.equal(cellOutputs(cellById(doc, ids[0]!)!)!.length, 1);
  });

  test("undo works across a sync with another replica", () => {
    const { doc, ids } = docWith("a", "b");
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    doc.on("update", (u: Uint8Array, origin: unknown) => origin !== "remote" && Y.applyUpdate(other, u, "remote"));
    other.on("update", (u: Uint8Array, origin: unknown) => origin !== "remote" && Y.applyUpdate(doc, u, "remote"));
    const undo = createCellUndo(doc);
    deleteCells(doc, [ids[0]!]);
    insertCell(other, 1, "code", "theirs");
    undo.undo();
    assert.deepEqual(sources(doc), ["a", "b", "theirs"]);
    assert.deepEqual(sources(other), ["a", "b", "theirs"]);
  });
});
