// An output with a Jupyter widget view (application/vnd.jupyter.widget-view+json): a
// slot that the cell's widget runs (view/widget-runs.ts) fill, the first output of a run
// with the sandboxed frame that shows the whole run's views (src/widget-frame-main.ts),
// connected to the notebook through the widget host (view/widget-host.ts).
//
// Only trusted outputs run widget code; an untrusted output, or one whose model the page
// does not know (yet), shows its text/plain fallback. A model that arrives later (its
// comm_open came after the output) turns the fallback into the widget.
import type { JSONObject, JSONValue } from "../model/protocol";
import { WIDGET_VIEW_MIME } from "../model/widgets";
import { ansiNodes } from "./ansi-dom";
import { h } from "./dom";
import { widgetHost } from "./widget-host";
import { WidgetSlot } from "./widget-runs";

export { WIDGET_VIEW_MIME };

function modelIdOf(value: JSONValue | undefined): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const id = value["model_id"];
  return typeof id === "string" && id ? id : null;
}

function textOf(value: JSONValue | undefined): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : "")).join("");
  return "";
}

export interface WidgetOutput {
  readonly body: HTMLElement;
  /** The slot, once the output shows a widget (at once, or when its model comes). */
  slot(): WidgetSlot | null;
  destroy(): void;
}

/**
 * Renders a bundle with a widget view, or returns null (no widget view in it, the page
 * has no widget host, or the output is untrusted): the caller renders it as usual.
 * `changed` is called when a fallback turns into a widget (its slot is new).
 */
export function widgetOutput(data: JSONObject, trusted: boolean, changed: () => void): WidgetOutput | null {
  const host = widgetHost();
  const modelId = modelIdOf(data[WIDGET_VIEW_MIME]);
  if (!host || !modelId || !trusted) return null;
  if (host.has(modelId)) {
    const slot = new WidgetSlot(modelId);
    return { body: slot.el, slot: () => slot, destroy: () => {} };
  }
  const box = h("div", { class: "nw-widget-pending" }, h("pre", { class: "nw-text" }, ...ansiNodes(textOf(data["text/plain"]))));
  let slot: WidgetSlot | null = null;
  const stop = host.whenModel(modelId, () => {
    slot = new WidgetSlot(modelId);
    box.replaceChildren(slot.el);
    changed();
  });
  return { body: box, slot: () => slot, destroy: stop };
}
