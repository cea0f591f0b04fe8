import assert from "node:assert/strict";
import { describe, test } from "node:test";
import katex from "katex";
import { extractMath, translateTex } from "../../src/model/math";

/** KaTeX's HTML for `tex` as the page renders it; throws on any KaTeX error. */
function render(tex: string, display = true, macros: Record<string, string> = {}): string {
  return katex.renderToString(translateTex(tex, display), {
    displayMode: display,
    throwOnError: true,
    strict: "ignore",
    macros,
    globalGroup: true,
  });
}

const lines = (html: string) => (html.match(/class="mtable"/g) ?? []).length;

describe("TeX as JupyterLab's MathJax reads it", () => {
  test("eqnarray is a display-style rcl array, with or without its star", () => {
    const tex = "\\begin{eqnarray}\na &=& b + c \\nonumber \\\\\nd &\\le& \\frac{1}{2}\n\\end{eqnarray}";
    assert.equal(
      translateTex(tex, true),
      "\\begin{darray}{rcl}\na &=& b + c \\nonumber \\\\\nd &\\le& \\frac{1}{2}\n\\end{darray}",
    );
    const html = render(tex);
    assert.equal(lines(html), 1);
    // Three columns: right, centre, left aligned, like LaTeX's eqnarray.
    assert.match(html, /col-align-r.*col-align-c.*col-align-l/s);
    assert.doesNotThrow(() => render("\\begin{eqnarray*} x &=& 1 \\end{eqnarray*}"));
  });

  test("numbered environments show no numbers, as in JupyterLab", () => {
    for (const env of ["equation", "align", "gather", "multline", "flalign"]) {
      const body = env === "equation" ? "a = b \\label{eq:1}" : "a &= b \\label{eq:1} \\\\ c &= d";
      const html = render(`\\begin{${env}}${body}\\end{${env}}`);
      assert.doesNotMatch(html, /eqn-num/, env);
      assert.doesNotMatch(html, /\\label|eq:1/, `${env}: \\label is dropped`);
    }
    assert.match(render("\\begin{alignat}{2} a &= b & c &= d \\end{alignat}"), /mtable/);
    assert.match(render("\\begin{align*} a &= b \\\\ c &= d \\end{align*}"), /mtable/);
    // An explicit \tag is still shown.
    assert.match(render("\\begin{equation} a = b \\tag{A} \\end{equation}"), /katex-tag.*>A</s);
  });

  test("\\\\ in display math breaks lines, centred, as MathJax sets them", () => {
    assert.equal(translateTex("a = 1 \\\\ b = 2", true), "\\begin{gathered}a = 1 \\\\ b = 2\\end{gathered}");
    assert.equal(lines(render("a = 1 \\\\ b = 2")), 1);
    // Inside an environment or a group it is the environment's own.
    const matrix = "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}";
    assert.equal(translateTex(matrix, true), matrix);
    assert.equal(translateTex("{a \\\\ b}", true), "{a \\\\ b}");
    assert.equal(translateTex("a \\\\ b", false), "a \\\\ b");
  });

  test("\\operatorname", () => {
    assert.match(render("\\operatorname{sgn}(x) + \\operatorname*{arg\\,max}_x f"), /sgn/);
  });

  test("\\newcommand in one cell is used in the next, and may be run again or redefine", () => {
    const macros: Record<string, string> = {};
    assert.equal(translateTex("\\newcommand{\\vect}[1]{\\mathbf{#1}}", false), "\\gdef\\vect#1{\\mathbf{#1}}");
    render("\\newcommand{\\vect}[1]{\\mathbf{#1}} \\newcommand\\RR{\\mathbb{R}}", false, macros);
    const next = render("\\vect{x} \\in \\RR^n", false, macros);
    assert.match(next, /mathbf/);
    assert.match(next, /mathbb/);
    // Rendering the defining cell again, or KaTeX's own \R, is no "redefine" error.
    assert.doesNotThrow(() => render("\\newcommand{\\vect}[1]{\\vec{#1}} \\newcommand{\\R}{X}", false, macros));
    assert.doesNotThrow(() => render("\\renewcommand{\\vect}[1]{#1}", false, macros));
  });

  test("environments in markdown are display math pieces", () => {
    const r = extractMath("Text\n\n\\begin{eqnarray}\na &=& b\n\\end{eqnarray}\n\nmore");
    assert.equal(r.math.length, 1);
    assert.equal(r.math[0]!.display, true);
    assert.doesNotThrow(() => render(r.math[0]!.tex));
  });
});
