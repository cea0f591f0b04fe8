// Kernel completion and inspection replies, made ready for the editor. Jupyter counts
// cursor positions in Unicode code points; JavaScript strings index UTF-16 code units.
import type { JSONObject } from "./protocol";

/** A UTF-16 offset into `text` as a code-point offset (what the kernel expects). */
export function toCodePoints(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) n++;
    else {
      n++;
      i++;
    }
  }
  return n;
}

/** A code-point offset (from the kernel) as a UTF-16 offset into `text`. */
export function fromCodePoints(text: string, points: number): number {
  let i = 0;
  for (let n = 0; n < points && i < text.length; n++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return i;
}

export interface CompletionItem {
  readonly label: string;
  /** IPython's type: function, class, module, keyword, instance, statement, path, param... */
  readonly type: string | null;
  readonly signature: string | null;
}

export interface Completions {
  /** UTF-16 range in the source that the chosen match replaces. */
  readonly from: number;
  readonly to: number;
  readonly items: readonly CompletionItem[];
}

export function readCompleteReply(code: string, content: JSONObject, cursor: number): Completions | null {
  if (content["status"] !== undefined && content["status"] !== "ok") return null;
  const matches = Array.isArray(content["matches"]) ? content["matches"].filter((m): m is string => typeof m === "string") : [];
  const start = typeof content["cursor_start"] === "number" ? fromCodePoints(code, content["cursor_start"]) : cursor;
  const end = typeof content["cursor_end"] === "number" ? fromCodePoints(code, content["cursor_end"]) : cursor;
  const meta = content["metadata"];
  const typed = meta && typeof meta === "object" && !Array.isArray(meta) ? meta["_jupyter_types_experimental"] : undefined;
  const types = new Map<string, { type: string | null; signature: string | null }>();
  if (Array.isArray(typed)) {
    for (const t of typed) {
      if (t && typeof t === "object" && !Array.isArray(t) && typeof t["text"] === "string") {
        types.set(t["text"], {
          type: typeof t["type"] === "string" && t["type"] !== "<unknown>" ? t["type"] : null,
          signature: typeof t["signature"] === "string" && t["signature"] ? t["signature"] : null,
        });
      }
    }
  }
  return {
    from: start,
    to: end,
    items: matches.map((label) => ({ label, type: types.get(label)?.type ?? null, signature: types.get(label)?.signature ?? null })),
  };
}

/** The text an inspect reply shows (with ANSI colours), or null when the kernel found nothing. */
export function readInspectReply(content: JSONObject): string | null {
  if (content["status"] !== "ok" || content["found"] !== true) return null;
  const data = content["data"];
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  const text = data["text/plain"];
  return typeof text === "string" && text ? text : null;
}
