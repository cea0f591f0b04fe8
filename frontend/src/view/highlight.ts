// How code is coloured: in the editor (CodeMirror's syntaxHighlighting) and in a cell
// near the screen whose editor is not built yet, so that the code does not change
// colour when its editor comes. The classes are styled in notewire.css (tok-*), whose
// colours follow the light or dark scheme.
import { HighlightStyle } from "@codemirror/language";
import { pythonLanguage } from "@codemirror/lang-python";
import { highlightCode, tags } from "@lezer/highlight";

export const codeHighlight = HighlightStyle.define([
  { tag: tags.keyword, class: "tok-keyword" },
  { tag: [tags.string, tags.special(tags.string)], class: "tok-string" },
  { tag: tags.comment, class: "tok-comment" },
  { tag: [tags.number, tags.bool, tags.null], class: "tok-number" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], class: "tok-function" },
  { tag: [tags.definition(tags.variableName), tags.className], class: "tok-def" },
  { tag: [tags.operator, tags.operatorKeyword], class: "tok-operator" },
  { tag: tags.heading, class: "tok-heading" },
  { tag: tags.emphasis, class: "tok-em" },
  { tag: tags.strong, class: "tok-strong" },
  { tag: tags.link, class: "tok-link" },
  { tag: tags.meta, class: "tok-meta" },
]);

/** Fills `el` with Python source `code`, coloured as the editor colours it. */
export function showHighlightedPython(el: HTMLElement, code: string): void {
  const parts = document.createDocumentFragment();
  highlightCode(
    code,
    pythonLanguage.parser.parse(code),
    codeHighlight,
    (text, classes) => {
      if (!classes) parts.append(text);
      else {
        const span = document.createElement("span");
        span.className = classes;
        span.textContent = text;
        parts.append(span);
      }
    },
    () => parts.append("\n"),
  );
  el.replaceChildren(parts);
}
