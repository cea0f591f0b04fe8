import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";
import { cellsOf, metaOf } from "../../src/model/document";
import { insertCell } from "../../src/model/ops";
import { documentToNotebook } from "../../src/net/notebook-file";

test("the document as nbformat 4.5: only nbformat's keys, stream chunks joined", () => {
  const doc = new Y.Doc();
  metaOf(doc).set("nbformat", 4);
  metaOf(doc).set("nbformat_minor", 4);
  metaOf(doc).set("metadata", { kernelspec: { name: "python3" } });
  insertCell(doc, 0, "markdown", "# hi");
  const id = insertCell(doc, 1, "code", "print(1)");
  const cell = cellsOf(doc).get(1);
  const stream = new Y.Map<unknown>();
  const chunks = new Y.Array<string>();
  stream.set("output_type", "stream");
  stream.set("name", "stdout");
  stream.set("text", chunks);
  stream.set("dropped_chars", 5);
  const shown = new Y.Map<unknown>();
  shown.set("output_type", "display_data");
  shown.set("data", { "text/plain": "x" });
  shown.set("metadata", {});
  shown.set("display_id", "d1");
  const outputs = cell.get("outputs") as Y.Array<Y.Map<unknown>>;
  outputs.push([stream, shown]);
  chunks.push(["a\n", "b\n"]);
  cell.set("execution_count", 3);
  cell.set("run_state", "done");
  cell.set("trusted", false);
  const nb = documentToNotebook(doc);
  assert.equal(nb["nbformat"], 4);
  assert.equal(nb["nbformat_minor"], 5);
  assert.deepEqual(nb["metadata"], { kernelspec: { name: "python3" } });
  const [md, code] = nb["cells"] as Record<string, unknown>[];
  assert.deepEqual(Object.keys(md!).sort(), ["cell_type", "id", "metadata", "source"]);
  assert.deepEqual(code, {
    id,
    cell_type: "code",
    source: "print(1)",
    metadata: {},
    execution_count: 3,
    outputs: [
      { output_type: "stream", name: "stdout", text: "[notewire: 5 earlier characters were dropped]\na\nb\n" },
      { output_type: "display_data", data: { "text/plain": "x" }, metadata: {} },
    ],
  });
});
