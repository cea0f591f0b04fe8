// Styled text segments to DOM: spans whose textContent is the text, never markup.
import { parseAnsi, segmentStyle, type Segment } from "../model/ansi";

export function segmentNodes(segments: readonly Segment[]): Node[] {
  return segments.map((seg) => {
    const { classes, style } = segmentStyle(seg.state);
    if (classes.length === 0 && Object.keys(style).length === 0) return document.createTextNode(seg.text);
    const span = document.createElement("span");
    if (classes.length) span.className = classes.join(" ");
    for (const [k, v] of Object.entries(style)) span.style.setProperty(k, v);
    span.textContent = seg.text;
    return span;
  });
}

export function ansiNodes(text: string): Node[] {
  return segmentNodes(parseAnsi(text).segments);
}
