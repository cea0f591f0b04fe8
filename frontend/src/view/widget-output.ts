// An output with a Jupyter widget view (application/vnd.jupyter.widget-view+json): one
// sandboxed frame per output, running ipywidgets' manager (src/widget-frame-main.ts),
// connected to the notebook through the widget host (view/widget-host.ts).
//
// Only trusted outputs run widget code; an untrusted output, or one whose model the page
// does not know (yet), shows its text/plain fallback. A model that arrives later (its
// comm_open came after the output) turns the fallback into the widget.
import type { JSONObject, JSONValue } from "../model/protocol";
import { WIDGET_VIEW_MIME } from "../model/widgets";
import { ansiNodes } from "./ansi-dom";
import { h } from "./dom";
import { fitFrameHeight } from "./frame";
import { widgetHost } from "./widget-host";

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

function widgetFrame(modelId: string): { el: HTMLElement; destroy(): void } {
  const iframe = h("iframe", { class: "nw-frame nw-widget-frame", sandbox: "allow-scripts", title: "widget" });
  iframe.dataset["modelId"] = modelId;
  // The host gives it its src (/static/widgets.html#<name>).
  const detach = widgetHost()!.attach({ iframe, modelId, height: (px) => fitFrameHeight(iframe, px) });
  return { el: iframe, destroy: detach };
}

/**
 * Renders a bundle with a widget view, or returns null (no widget view in it, the page
 * has no widget host, or the output is untrusted): the caller renders it as usual.
 */
export function widgetOutput(data: JSONObject, trusted: boolean): { body: HTMLElement; destroy: () => void } | null {
  const host = widgetHost();
  const modelId = modelIdOf(data[WIDGET_VIEW_MIME]);
  if (!host || !modelId || !trusted) return null;
  if (host.has(modelId)) {
    const f = widgetFrame(modelId);
    return { body: f.el, destroy: f.destroy };
  }
  const box = h("div", { class: "nw-widget-pending" }, h("pre", { class: "nw-text" }, ...ansiNodes(textOf(data["text/plain"]))));
  let frame: { destroy(): void } | null = null;
  const stop = host.whenModel(modelId, () => {
    const f = widgetFrame(modelId);
    frame = f;
    box.replaceChildren(f.el);
  });
  return {
    body: box,
    destroy: () => {
      stop();
      frame?.destroy();
    },
  };
}
