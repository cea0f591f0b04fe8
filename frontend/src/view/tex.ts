// TeX set with KaTeX, as the notebook page and exported files both show it. No DOM
// helpers beyond the document's own, so the export script can carry it alone.
import katex from "katex";
import { translateTex } from "../model/math";

// Macros a cell defines (`\newcommand`, `\gdef`) stay for the cells rendered after it,
// as with MathJax in JupyterLab, which keeps one macro table for the whole page.
const macros: Record<string, string> = {};

export function renderMath(tex: string, display: boolean): HTMLElement {
  const el = document.createElement("span");
  el.className = display ? "nw-math nw-math-display" : "nw-math";
  // katex.render builds DOM and sets styles through the CSSOM, which the page's CSP allows.
  katex.render(translateTex(tex, display), el, {
    displayMode: display,
    throwOnError: false,
    trust: false,
    strict: "ignore",
    output: "html",
    macros,
    globalGroup: true,
  });
  return el;
}
