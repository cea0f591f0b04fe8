// Markdown cells and text/markdown outputs: markdown-it, then DOMPurify, then KaTeX for
// the math that extractMath took out before parsing (so escaping cannot break it).
import MarkdownIt from "markdown-it";
import { extractMath, PLACEHOLDER, type MathPiece } from "../model/math";
import { encodePath } from "./api";
import { h } from "./dom";
import { sanitize } from "./sanitize";
import { renderMath } from "./tex";
import { url } from "../net/urls";

const md = new MarkdownIt({ html: true, linkify: true });

export interface MarkdownContext {
  /** The notebook's folder, to resolve relative image links to /files/. */
  readonly dir: string;
  /** Cell attachments ({name: {mime: base64}}), for `attachment:name` images. */
  readonly attachments?: Record<string, unknown>;
}

function putMathBack(root: Node, math: readonly MathPiece[]): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const hits: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if ((n as Text).data.includes("\uE000")) hits.push(n as Text);
  }
  for (const text of hits) {
    const parts = text.data.split(PLACEHOLDER);
    const frag = document.createDocumentFragment();
    // split with a capture group alternates text and placeholder indices.
    parts.forEach((p, i) => {
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

function fixLinks(root: DocumentFragment, ctx: MarkdownContext): void {
  for (const img of Array.from(root.querySelectorAll("img"))) {
    const src = img.getAttribute("src") ?? "";
    if (src.startsWith("attachment:")) {
      const name = decodeURIComponent(src.slice("attachment:".length));
      const bundle = ctx.attachments?.[name];
      const entry = bundle && typeof bundle === "object" ? Object.entries(bundle as Record<string, unknown>)[0] : null;
      if (entry && typeof entry[1] === "string" && entry[0].startsWith("image/")) {
        img.setAttribute("src", `data:${entry[0]};base64,${entry[1]}`);
      } else img.removeAttribute("src");
    } else if (src && !/^[a-z][a-z0-9+.-]*:|^\/|^#/i.test(src)) {
      img.setAttribute("src", url(`files/${encodePath(ctx.dir ? `${ctx.dir}/${src}` : src)}`));
    }
  }
}

/** Renders markdown into a new element; never throws (errors show in the element). */
export function renderMarkdown(source: string, ctx: MarkdownContext): HTMLElement {
  const el = h("div", { class: "nw-markdown" });
  try {
    const { text, math } = extractMath(source);
    const { fragment } = sanitize(md.render(text));
    fixLinks(fragment, ctx);
    putMathBack(fragment, math);
    el.appendChild(fragment);
  } catch (e) {
    el.appendChild(h("pre", { class: "nw-render-error" }, `markdown failed to render: ${String(e)}`));
  }
  return el;
}
