// Find's highlight in text the page shows outside an editor (rendered markdown,
// outputs): a DOM Range over the text nodes, painted with the CSS Custom Highlight API
// (`::highlight(nw-find)` in notewire.css), which leaves the DOM itself untouched.

const NAME = "nw-find";

/** The Range of the `nth` match of `re` (global) in `root`'s text; the last one when fewer. */
export function rangeOfMatch(root: Node, re: RegExp, nth: number): Range | null {
  const nodes: Text[] = [];
  const starts: number[] = [];
  let text = "";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    nodes.push(n as Text);
    starts.push(text.length);
    text += (n as Text).data;
  }
  re.lastIndex = 0;
  let found: { from: number; to: number } | null = null;
  for (let m = re.exec(text), i = 0; m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    found = { from: m.index, to: m.index + m[0].length };
    if (i++ === nth) break;
  }
  if (!found) return null;
  const at = (offset: number, end: boolean): [Text, number] => {
    // The last node starting at or before `offset` (for an end, strictly before).
    let lo = 0;
    for (let i = 0; i < starts.length; i++) if (end ? starts[i]! < offset : starts[i]! <= offset) lo = i;
    return [nodes[lo]!, offset - starts[lo]!];
  };
  const range = document.createRange();
  range.setStart(...at(found.from, false));
  range.setEnd(...at(found.to, true));
  return range;
}

function registry(): HighlightRegistry | null {
  return typeof CSS !== "undefined" && "highlights" in CSS ? CSS.highlights : null;
}

/** Paints find's current match (or nothing, with null). */
export function showFound(range: Range | null): void {
  const reg = registry();
  if (!reg) return;
  if (range) reg.set(NAME, new Highlight(range));
  else reg.delete(NAME);
}
