import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { paletteColor, parseAnsi, PLAIN, segmentStyle, stripAnsi } from "../../src/model/ansi";
import { extractMath, placeholder } from "../../src/model/math";
import { imageSize, mimeText, pickMime } from "../../src/model/mime";
import { CHANGEABLE_LINES, EMPTY_STREAM, overwriteLine, planStream, type StreamPatch, type StreamRendered } from "../../src/model/stream";

describe("ANSI", () => {
  test("colours and resets split the text into styled runs", () => {
    const { segments, end } = parseAnsi("a\x1b[31mred\x1b[1;42m bold\x1b[0m plain\x1b[33m");
    assert.deepEqual(
      segments.map((s) => [s.text, segmentStyle(s.state).classes]),
      [
        ["a", []],
        ["red", ["ansi-red-fg"]],
        [" bold", ["ansi-red-fg", "ansi-green-bg", "ansi-bold"]],
        [" plain", []],
      ],
    );
    assert.equal(end.fg, 3, "the state at the end carries into the next chunk");
  });

  test("bright, 256 and truecolor", () => {
    const [a, b, c] = parseAnsi("\x1b[91ma\x1b[38;5;196mb\x1b[48;2;1;2;255mc").segments;
    assert.deepEqual(segmentStyle(a!.state).classes, ["ansi-bright-red-fg"]);
    assert.deepEqual(segmentStyle(b!.state).style, { color: "#ff0000" });
    assert.deepEqual(segmentStyle(c!.state).style, { color: "#ff0000", "background-color": "#0102ff" });
    assert.equal(paletteColor(232), "#080808");
    assert.equal(paletteColor(16), "#000000");
  });

  test("an IPython traceback line", () => {
    const line = "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero";
    assert.equal(stripAnsi(line), "ZeroDivisionError: division by zero");
    assert.deepEqual(
      parseAnsi(line).segments.map((s) => s.text),
      ["ZeroDivisionError", ": division by zero"],
    );
  });

  test("other escapes are dropped, hyperlink text kept; markup stays text", () => {
    const s = "\x1b[2K\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ <b>&amp;\x1b[?25l";
    assert.equal(stripAnsi(s), "link <b>&amp;");
    assert.deepEqual(parseAnsi(s).segments, [{ text: "link <b>&amp;", state: PLAIN }]);
  });

  test("inverse swaps, defaulting to the theme's colours", () => {
    const [seg] = parseAnsi("\x1b[7;31mx").segments;
    assert.deepEqual(segmentStyle(seg!.state).classes, ["ansi-inverse-fg", "ansi-red-bg"]);
  });
});

describe("stream rendering plan", () => {
  test("appending lines draws only the new ones; the last line is redrawn", () => {
    let p = planStream(EMPTY_STREAM, "one\ntw");
    assert.equal(p.reset, false, "nothing drawn yet: nothing to throw away");
    assert.deepEqual(p.lines.map((s) => s.text), ["one\n"]);
    assert.deepEqual(p.tail.map((s) => s.text), ["tw"]);
    p = planStream(p.next, "one\ntwo\nthr");
    assert.equal(p.reset, false);
    assert.deepEqual(p.lines.map((s) => s.text), ["two\n"]);
    assert.deepEqual(p.tail.map((s) => s.text), ["thr"]);
  });

  test("a progress bar rewriting its line stays one line", () => {
    let p = planStream(EMPTY_STREAM, " 10%|#   |\r");
    assert.deepEqual(p.lines, []);
    assert.deepEqual(p.tail.map((s) => s.text), [" 10%|#   |"]);
    p = planStream(p.next, " 50%|##  |\r");
    assert.equal(p.reset, false);
    assert.deepEqual(p.tail.map((s) => s.text), [" 50%|##  |"]);
    p = planStream(p.next, "100%|####|\n");
    assert.deepEqual(p.lines.map((s) => s.text), ["100%|####|\n"]);
    assert.deepEqual(p.tail, []);
  });

  test("dropped characters at the start redraw everything", () => {
    const a = planStream(EMPTY_STREAM, "1\n2\n3\n");
    const b = planStream(a.next, "2\n3\n4\n");
    assert.equal(b.reset, true);
    assert.deepEqual(b.lines.map((s) => s.text), ["2\n3\n4\n"]);
  });

  test("colour state carries from drawn lines into new ones", () => {
    const a = planStream(EMPTY_STREAM, "\x1b[32mgreen\n");
    const b = planStream(a.next, "\x1b[32mgreen\nstill\n");
    assert.equal(b.lines[0]!.state.fg, 2);
  });

  // What a view following the patches shows: its blocks of lines, then the tail.
  function follow(texts: string[]): { shown: string; patches: StreamPatch[] } {
    let blocks: string[] = [];
    let tail = "";
    let drawn: StreamRendered = EMPTY_STREAM;
    const patches: StreamPatch[] = [];
    for (const text of texts) {
      const p = planStream(drawn, text);
      if (p.reset) blocks = [];
      blocks = blocks.slice(0, blocks.length - p.drop);
      blocks.push(...p.added.map((b) => b.map((s) => s.text).join("")));
      tail = p.tail.map((s) => s.text).join("");
      drawn = p.next;
      patches.push(p);
    }
    return { shown: blocks.join("") + tail, patches };
  }

  test("a change in the last lines (stacked progress bars) redraws only from there", () => {
    const head = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join("");
    const bars = (o: number, i: number) => `${head}outer ${o}\ninner ${i}\n`;
    const { shown, patches } = follow([bars(0, 0), bars(0, 1), bars(1, 1), `${head}note\nouter 1\ninner 1\n`]);
    assert.equal(shown, `${head}note\nouter 1\ninner 1\n`);
    for (const p of patches.slice(1)) {
      assert.equal(p.reset, false);
      const redrawn = p.lines.map((s) => s.text).join("");
      assert.ok(redrawn.split("\n").length <= CHANGEABLE_LINES + 2, "no more than the changeable lines");
    }
  });

  test("a change further back, or dropped characters, redraws everything", () => {
    const head = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join("");
    const { shown, patches } = follow([head, head.replace("line 3\n", "line three\n")]);
    assert.equal(shown, head.replace("line 3\n", "line three\n"));
    assert.equal(patches[1]!.reset, true);
  });

  test("overwriteLine applies carriage returns", () => {
    assert.equal(overwriteLine("abc\rX"), "Xbc");
    assert.equal(overwriteLine("abc\r"), "abc");
    assert.equal(overwriteLine("plain"), "plain");
  });
});

describe("mime", () => {
  test("richest type first; JavaScript only when trusted", () => {
    const data = { "text/plain": "x", "text/html": "<b>x</b>", "application/javascript": "1" };
    assert.equal(pickMime(data, true), "application/javascript");
    assert.equal(pickMime(data, false), "text/html");
    assert.equal(pickMime({ "image/png": "", "text/plain": "" }, false), "image/png");
    assert.equal(pickMime({ "application/x-unknown": 1 }, true), null);
  });

  test("text may be a list of lines; image size from metadata", () => {
    assert.equal(mimeText(["a\n", "b"]), "a\nb");
    assert.equal(mimeText({ a: 1 }), '{"a":1}');
    assert.deepEqual(imageSize({ "image/png": { width: 10 } }, "image/png"), { width: 10 });
    assert.deepEqual(imageSize({ width: 5, height: 6 }, "image/png"), { width: 5, height: 6 });
  });
});

describe("math in markdown", () => {
  test("inline and display math become placeholders", () => {
    const r = extractMath("Euler: $e^{i\\pi}+1=0$ and\n$$\\int_0^1 x\\,dx$$");
    assert.equal(r.text, `Euler: ${placeholder(0)} and\n${placeholder(1)}`);
    assert.deepEqual(r.math, [
      { tex: "e^{i\\pi}+1=0", display: false },
      { tex: "\\int_0^1 x\\,dx", display: true },
    ]);
  });

  test("markdown syntax inside math is protected", () => {
    const r = extractMath("$a_1 * b_2 * c_3$");
    assert.deepEqual(r.math, [{ tex: "a_1 * b_2 * c_3", display: false }]);
  });

  test("\\( \\), \\[ \\] and environments", () => {
    const r = extractMath("\\(x\\) \\[y\\]\n\\begin{align}a&=b\\end{align}");
    assert.deepEqual(r.math, [
      { tex: "x", display: false },
      { tex: "y", display: true },
      { tex: "\\begin{align}a&=b\\end{align}", display: true },
    ]);
  });

  test("code spans, fenced code and escaped dollars keep their dollars", () => {
    const src = "`$x$` costs \\$5 and $6\n```\n$y$\n```\n``a`$b$`c`` $z$";
    const r = extractMath(src);
    assert.deepEqual(r.math, [{ tex: "z", display: false }]);
    assert.equal(r.text, src.replace("$z$", placeholder(0)));
  });

  test("a lone dollar and inline math across a blank line are text", () => {
    assert.deepEqual(extractMath("costs $5\n\nand $6").math, []);
    assert.deepEqual(extractMath("$a\nb$").math, [{ tex: "a\nb", display: false }]);
  });
});

import { fromCodePoints, readCompleteReply, readInspectReply, toCodePoints } from "../../src/model/completion";

describe("completion replies", () => {
  test("code points and UTF-16 offsets convert both ways", () => {
    const s = "a😀b";
    assert.equal(toCodePoints(s, 3), 2);
    assert.equal(fromCodePoints(s, 2), 3);
    assert.equal(fromCodePoints(s, 99), 4);
  });

  test("matches with IPython's types and the replaced range", () => {
    const code = "x = 😀; pri";
    const r = readCompleteReply(code, {
      status: "ok",
      matches: ["print", "private"],
      cursor_start: 7,
      cursor_end: 10,
      metadata: { _jupyter_types_experimental: [{ text: "print", type: "function", signature: "(*args)" }, { text: "private", type: "<unknown>" }] },
    }, code.length);
    assert.deepEqual(r, {
      from: 8,
      to: 11,
      items: [
        { label: "print", type: "function", signature: "(*args)" },
        { label: "private", type: null, signature: null },
      ],
    });
    assert.equal(readCompleteReply("", { status: "error" }, 0), null);
  });

  test("inspect text when found", () => {
    assert.equal(readInspectReply({ status: "ok", found: true, data: { "text/plain": "Docstring" } }), "Docstring");
    assert.equal(readInspectReply({ status: "ok", found: false, data: {} }), null);
  });
});
