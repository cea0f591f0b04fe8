// The script an exported HTML file carries (notewire export, src/notewire/export): it
// renders the math that nbconvert left as TeX text in markdown cells and text/latex
// outputs with KaTeX, the same way the notebook page does, so the file needs no MathJax
// from a CDN. It runs once, when the document has been parsed.
import { extractMath, PLACEHOLDER } from "../model/math";
import { renderMath } from "../view/tex";

function typeset(root: Element): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) =>
      n.parentElement?.closest("code, pre, script, style, .katex")
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  const hits: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const data = (n as Text).data;
    if (data.includes("$") || data.includes("\\")) hits.push(n as Text);
  }
  for (const text of hits) {
    const { text: marked, math } = extractMath(text.data);
    if (!math.length) continue;
    const frag = document.createDocumentFragment();
    marked.split(PLACEHOLDER).forEach((p, i) => {
      if (i % 2 === 0) {
        if (p) frag.appendChild(document.createTextNode(p));
      } else {
        const piece = math[Number(p)];
        if (piece) frag.appendChild(renderMath(piece.tex, piece.display));
      }
    });
    text.replaceWith(frag);
  }
}

function run(): void {
  for (const el of Array.from(document.querySelectorAll(".jp-RenderedMarkdown, .jp-RenderedLatex"))) {
    try {
      typeset(el);
    } catch (e) {
      console.error("notewire export: math failed to render", e);
    }
  }
  document.documentElement.dataset.nwMath = "done";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
else run();
