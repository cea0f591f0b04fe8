// Runs inside a widget frame (/static/widgets.html: sandboxed, opaque origin): ipywidgets'
// manager over a postMessage bridge to the page (model/widget-bridge.ts). It shows one
// widget view, and reports the document's height so the page can size the frame.
// Its styles are style/widgets.css (ipywidgets' and Lumino's).
import type { JSONObject } from "./model/protocol";
import type { FromFrame, ToFrame } from "./model/widget-bridge";
import { Bridge, toDataView, type KernelMessageLike } from "./widget-frame/bridge";
import { FrameManager } from "./widget-frame/manager";

function post(msg: FromFrame, transfer: ArrayBuffer[] = []): void {
  parent.postMessage(msg, "*", transfer);
}

function reportHeight(): void {
  const height = Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0);
  post({ type: "nw-frame-height", height });
}

function kernelMessage(m: Extract<ToFrame, { type: "nw-widget-comm" }>): KernelMessageLike {
  return {
    header: { msg_id: "", msg_type: m.kind },
    parent_header: m.parent === null ? {} : { msg_id: m.parent },
    metadata: m.metadata,
    content: m.content,
    buffers: m.buffers.map(toDataView),
  };
}

let manager: FrameManager | null = null;
let bridge: Bridge | null = null;

async function init(m: Extract<ToFrame, { type: "nw-widget-init" }>): Promise<void> {
  bridge = new Bridge(m.prefix, post);
  manager = new FrameManager(bridge);
  const loading = manager.loadSnapshot(m.models);
  const el = document.createElement("div");
  el.className = "nw-widget";
  document.body.appendChild(el);
  try {
    const model = await manager.get_model(m.model_id);
    await manager.display_view(manager.create_view(model), el);
  } catch (e) {
    el.textContent = `This widget could not be shown: ${String(e)}`;
    el.className = "nw-widget-error";
  }
  await loading;
  reportHeight();
}

const handlers: { [K in ToFrame["type"]]: (m: Extract<ToFrame, { type: K }>) => void } = {
  "nw-widget-init": (m) => {
    if (!manager) void init(m);
  },
  "nw-widget-models": (m) => void manager?.loadSnapshot(m.models),
  "nw-widget-comm": (m) => {
    if (!manager || !bridge) return;
    const msg = kernelMessage(m);
    const id = m.content["comm_id"];
    if (typeof id !== "string") return;
    if (m.kind === "comm_open") manager.opened(msg);
    else if (m.kind === "comm_msg") bridge.comms.get(id)?.deliver(msg);
    else bridge.comms.get(id)?.closed(msg);
  },
  "nw-widget-idle": (m) => bridge?.idle(m.parent),
  "nw-widget-static": () => void manager?.goStatic(),
};

window.addEventListener("message", (ev: MessageEvent) => {
  // Only the page speaks to this frame; widget code in it cannot reach the page but this way.
  if (ev.source !== parent) return;
  const msg = ev.data as ToFrame & { type?: unknown; content?: JSONObject };
  const handler = handlers[msg?.type as ToFrame["type"]] as ((m: ToFrame) => void) | undefined;
  handler?.(msg);
});

new ResizeObserver(reportHeight).observe(document.documentElement);
post({ type: "nw-widget-ready", frame: decodeURIComponent(location.hash.slice(1)) });
