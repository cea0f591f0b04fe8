// A cell's height before it has ever been drawn, for the page's scroll height: cells off
// screen are skipped by the browser (content-visibility) and take this height instead.
// Only an estimate: once drawn, the browser remembers the real height.
import * as Y from "yjs";
import { asObject, type CellType, type OutputMap } from "./document";
import { imageSize, mimeText } from "./mime";

/** Pixel sizes of the stylesheet (notewire.css) that the estimate follows. */
export const METRICS = {
  /** The cell's own padding, border and margin. */
  cell: 12,
  /** The editor's padding and border. */
  input: 12,
  codeLine: 19,
  markdownLine: 24,
  outputLine: 18,
  /** The output list is scrolled past this height (70vh on a 900 px window), plus "show all". */
  outputsMax: 660,
  image: 240,
  html: 300,
} as const;

function lines(text: string, limit: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && n < limit; i = text.indexOf("\n", i + 1)) n++;
  return text.endsWith("\n") && n > 1 ? n - 1 : n;
}

function outputHeight(out: OutputMap, cap: number): number {
  const maxLines = Math.ceil(cap / METRICS.outputLine) + 1;
  switch (out.get("output_type")) {
    case "stream": {
      const t = out.get("text");
      let n = 0;
      if (t instanceof Y.Array) {
        for (const chunk of t.toArray() as unknown[]) {
          if (typeof chunk === "string") n += lines(chunk, maxLines - n) - 1;
          if (n >= maxLines) break;
        }
        n += 1;
      } else if (typeof t === "string") n = lines(t, maxLines);
      return n * METRICS.outputLine;
    }
    case "error": {
      const tb = out.get("traceback");
      return (Array.isArray(tb) ? Math.max(tb.length, 1) * 2 : 1) * METRICS.outputLine;
    }
    case "display_data":
    case "execute_result": {
      const data = asObject(out.get("data"));
      for (const mime of ["image/png", "image/jpeg", "image/gif", "image/svg+xml"]) {
        if (mime in data) return imageSize(asObject(out.get("metadata")), mime).height ?? METRICS.image;
      }
      if ("text/html" in data || "text/markdown" in data || "text/latex" in data) return METRICS.html;
      return lines(mimeText(data["text/plain"]), maxLines) * METRICS.outputLine;
    }
    default:
      return METRICS.outputLine;
  }
}

export function estimateCellHeight(source: string, type: CellType, outputs: Y.Array<OutputMap> | null): number {
  const lineHeight = type === "markdown" ? METRICS.markdownLine : METRICS.codeLine;
  let height = METRICS.cell + METRICS.input + lines(source, 10_000) * lineHeight;
  if (type === "code" && outputs && outputs.length > 0) {
    let out = 0;
    for (const o of outputs.toArray()) {
      out += outputHeight(o, METRICS.outputsMax - out);
      if (out >= METRICS.outputsMax) break;
    }
    height += Math.min(out, METRICS.outputsMax) + 4;
  }
  return Math.round(height);
}
