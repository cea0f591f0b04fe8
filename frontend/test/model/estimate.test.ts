import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as Y from "yjs";
import type { OutputMap } from "../../src/model/document";
import { estimateCellHeight, METRICS } from "../../src/model/estimate";

function outputs(...items: Record<string, unknown>[]): Y.Array<OutputMap> {
  const doc = new Y.Doc();
  const list = doc.getArray<OutputMap>("outputs");
  list.push(
    items.map((o) => {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(o)) {
        if (k === "text" && Array.isArray(v)) {
          const a = new Y.Array<string>();
          a.push(v as string[]);
          m.set(k, a);
        } else m.set(k, v);
      }
      return m;
    }),
  );
  return list;
}

describe("cell height estimate", () => {
  const base = METRICS.cell + METRICS.input;

  test("source lines, by cell type", () => {
    assert.equal(estimateCellHeight("a\nb\nc", "code", null), base + 3 * METRICS.codeLine);
    assert.equal(estimateCellHeight("", "code", null), base + METRICS.codeLine);
    assert.equal(estimateCellHeight("# t\n\ntext\n", "markdown", null), base + 3 * METRICS.markdownLine);
  });

  test("stream lines across chunks, capped at the scrolled output height", () => {
    const two = outputs({ output_type: "stream", name: "stdout", text: ["a\nb", "c\n"] });
    assert.equal(estimateCellHeight("x", "code", two), base + METRICS.codeLine + 2 * METRICS.outputLine + 4);
    const many = outputs({ output_type: "stream", name: "stdout", text: ["line\n".repeat(10_000)] });
    assert.equal(estimateCellHeight("x", "code", many), base + METRICS.codeLine + METRICS.outputsMax + 4);
  });

  test("images take their metadata height, HTML a fixed guess; markdown cells have no outputs", () => {
    const img = outputs(
      { output_type: "display_data", data: { "image/png": "AAAA" }, metadata: { "image/png": { height: 100 } } },
      { output_type: "execute_result", data: { "text/html": "<b>x</b>", "text/plain": "x" }, metadata: {} },
    );
    assert.equal(estimateCellHeight("x", "code", img), base + METRICS.codeLine + 100 + METRICS.html + 4);
    assert.equal(estimateCellHeight("x", "markdown", img), base + METRICS.markdownLine);
  });
});
