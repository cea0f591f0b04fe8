import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as Y from "yjs";
import { cellOutputs, cellSource, cellsOf } from "../../src/model/document";
import { findHeading, markdownHeadings, notebookOutline } from "../../src/model/headings";
import { compilePattern, findAll, htmlText, outputText, replaceAll, replaceMatch } from "../../src/model/notebook-search";
import { cellById, insertCells } from "../../src/model/ops";
import { createCellUndo } from "../../src/model/undo";

function notebook(...cells: { type?: "code" | "markdown"; source: string }[]): { doc: Y.Doc; ids: string[] } {
  const doc = new Y.Doc();
  const ids = insertCells(
    doc,
    0,
    cells.map((c) => ({ cell_type: c.type ?? "code", source: c.source, metadata: {} })),
  );
  return { doc, ids };
}

function addOutput(doc: Y.Doc, id: string, fields: Record<string, unknown>): Y.Map<unknown> {
  const out = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) out.set(k, v);
  doc.transact(() => cellOutputs(cellById(doc, id)!)!.push([out]), "server");
  return out;
}

function re(query: string, o: { caseSensitive?: boolean; regex?: boolean; wholeWord?: boolean } = {}): RegExp {
  const p = compilePattern({ query, caseSensitive: false, regex: false, wholeWord: false, ...o });
  assert.ok(p && "re" in p);
  return p.re;
}

describe("find in the notebook", () => {
  test("finds in sources and in every kind of output, in reading order", () => {
    const { doc, ids } = notebook({ source: "a = 'Tab'" }, { source: "print(1)" });
    const text = new Y.Array<string>();
    text.push(["a tab\n", "more\n"]);
    addOutput(doc, ids[0]!, { output_type: "stream", name: "stdout", text });
    addOutput(doc, ids[1]!, { output_type: "display_data", data: { "text/html": "<b>ta</b>b &amp; <script>tab()</script>", "text/plain": "x" } });
    addOutput(doc, ids[1]!, { output_type: "error", ename: "E", evalue: "v", traceback: ["\u001b[31mtab\u001b[0m here"] });
    const m = findAll(doc, re("tab"));
    assert.deepEqual(
      m.map((x) => [x.cellIndex, x.output, x.from, x.nth]),
      [[0, null, 5, 0], [0, 0, 2, 0], [1, 0, 0, 0], [1, 1, 0, 0]],
    );
    assert.equal(findAll(doc, re("Tab", { caseSensitive: true })).length, 1);
    // A stream that grows is searched anew.
    text.push(["tab again"]);
    assert.equal(findAll(doc, re("tab")).length, 5);
  });

  test("whole words, regular expressions, and bad ones", () => {
    const { doc } = notebook({ source: "foo foobar _foo foo." });
    assert.equal(findAll(doc, re("foo", { wholeWord: true })).length, 2);
    assert.equal(findAll(doc, re("fo+b", { regex: true })).length, 1);
    assert.equal(findAll(doc, re("a*", { regex: true })).length, 1); // empty matches skipped
    const bad = compilePattern({ query: "(", caseSensitive: false, regex: true, wholeWord: false });
    assert.ok(bad && "error" in bad);
    assert.equal(compilePattern({ query: "", caseSensitive: false, regex: true, wholeWord: false }), null);
  });

  test("html is searched as the text it shows", () => {
    assert.equal(htmlText("<p>a&lt;b&#33;&#x41;</p><style>p{}</style>"), "a<b!A");
  });

  test("replace one and all, in sources only, one undo step", () => {
    const { doc, ids } = notebook({ source: "x = 1; x" }, { source: "y = x" });
    addOutput(doc, ids[1]!, { output_type: "stream", name: "stdout", text: "x" });
    const undo = createCellUndo(doc);
    const matches = findAll(doc, re("x"));
    assert.equal(matches.length, 4);
    assert.ok(replaceMatch(doc, matches[1]!, re("x"), "z", false));
    assert.ok(!replaceMatch(doc, matches[1]!, re("x"), "z", false)); // no longer there
    assert.equal(cellSource(cellsOf(doc).get(0)).toString(), "x = 1; z");
    assert.equal(replaceAll(doc, re("(\\w) =", { regex: true }), "$1_new =", true), 2);
    const sources = () => cellsOf(doc).toArray().map((c) => cellSource(c).toString());
    assert.deepEqual(sources(), ["x_new = 1; z", "y_new = x"]);
    assert.equal(outputText(cellOutputs(cellsOf(doc).get(1))!.get(0)), "x");
    assert.ok(undo.undo());
    assert.deepEqual(sources(), ["x = 1; z", "y = x"]);
  });
});

describe("headings", () => {
  test("atx and setext, not in code, with JupyterLab's anchors", () => {
    const src = "# The *Title*\n```\n# not\n```\nSub part\n---\n#nope\n### [Link](u) ###";
    assert.deepEqual(markdownHeadings(src), [
      { level: 1, text: "The Title", anchor: "The-Title" },
      { level: 2, text: "Sub part", anchor: "Sub-part" },
      { level: 3, text: "Link", anchor: "Link" },
    ]);
  });

  test("the outline marks running cells and errors under their heading", () => {
    const { doc, ids } = notebook({ type: "markdown", source: "# A\n## B" }, { source: "1/0" }, { source: "\n  sleep()" });
    addOutput(doc, ids[1]!, { output_type: "error", ename: "ZeroDivisionError", evalue: "division by zero", traceback: [] });
    cellById(doc, ids[2]!)!.set("run_state", "running");
    assert.deepEqual(
      notebookOutline(doc).map((e) => [e.kind, e.level, e.text]),
      [["heading", 1, "A"], ["heading", 2, "B"], ["error", 3, "ZeroDivisionError: division by zero"], ["running", 3, "sleep()"]],
    );
    assert.deepEqual(findHeading(doc, "b"), { cell: ids[0], index: 1 });
    assert.equal(findHeading(doc, "C"), null);
  });
});
