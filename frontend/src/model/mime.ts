// Which representation of a mime bundle to show, JupyterLab's order: the richest type
// this frontend renders, with JavaScript only for trusted outputs.
import type { JSONObject, JSONValue } from "./protocol";

// Charts: data drawn by their own libraries inside the sandboxed frame (view/frame.ts),
// ahead of the HTML that some libraries add for other frontends (JupyterLab's order).
// Altair writes "application/vnd.vegalite.v6.json", JupyterLab's renderers "+json".
const CHART_MIMES = [
  "application/vnd.plotly.v1+json",
  ...[6, 5, 4, 3].flatMap((v) =>
    ["vegalite", "vega"].flatMap((kind) => [`application/vnd.${kind}.v${v}+json`, `application/vnd.${kind}.v${v}.json`]),
  ),
] as const;

export type ChartMime = `application/vnd.${string}`;

export function isChartMime(mime: string): mime is ChartMime {
  return (CHART_MIMES as readonly string[]).includes(mime);
}

export const MIME_ORDER = [
  "application/javascript",
  ...(CHART_MIMES as readonly ChartMime[]),
  "text/html",
  "text/markdown",
  "text/latex",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "application/json",
  "text/plain",
] as const;

export type RenderedMime = (typeof MIME_ORDER)[number];

/** Types that run code when trusted, and so are skipped for untrusted outputs. Charts
 * are data, not code: they are drawn for untrusted outputs too, in the sandboxed frame
 * (protocol section 4). */
const UNSAFE: ReadonlySet<string> = new Set(["application/javascript"]);

export function pickMime(data: JSONObject, trusted: boolean): RenderedMime | null {
  for (const mime of MIME_ORDER) {
    if (!(mime in data)) continue;
    if (!trusted && UNSAFE.has(mime)) continue;
    return mime;
  }
  return null;
}

/** A mime value as one string: nbformat allows a list of lines for text types. */
export function mimeText(value: JSONValue | undefined): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : "")).join("");
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

/** Image size from output metadata (`metadata[mime] = {width, height}` or top-level). */
export function imageSize(metadata: JSONObject, mime: string): { width?: number; height?: number } {
  const per = metadata[mime];
  const src = typeof per === "object" && per !== null && !Array.isArray(per) ? per : metadata;
  const out: { width?: number; height?: number } = {};
  if (typeof src["width"] === "number") out.width = src["width"];
  if (typeof src["height"] === "number") out.height = src["height"];
  return out;
}
