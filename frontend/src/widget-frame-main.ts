// Runs inside a widget frame (/static/widgets.html: sandboxed, opaque origin): ipywidgets'
// manager over a postMessage bridge to the page (model/widget-bridge.ts). It shows the
// widget views of a run of consecutive widget outputs of one cell (view/widget-runs.ts),
// stacked in their outputs' order, and reports the document's height so the page can
// size the frame. Its styles are style/widgets.css (ipywidgets' and Lumino's).
import type { DOMWidgetView } from "@jupyter-widgets/base";
import type { JSONObject } from "./model/protocol";
import type { FrameView, FromFrame, ToFrame } from "./model/widget-bridge";
import { Bridge, toDataView, type KernelMessageLike } from "./widget-frame/bridge";
import { FrameManager } from "./widget-frame/manager";

function post(msg: FromFrame, transfer: ArrayBuffer[] = []): void {
  parent.postMessage(msg, "*", transfer);
}

function reportHeight(): number {
  const height = Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0);
  post({ type: "nw-frame-height", height });
  return height;
}

/** The page sizes a frame within these (view/frame.ts fitFrameHeight). */
const MAX_HEIGHT = 20_000;
/** How long the page may take to give the frame its height. */
const RESIZE_MS = 2_000;

/**
 * Reports the height of the views just built, then says they are shown once the page
 * has given the frame that height (or RESIZE_MS passed) and the frame after that is
 * painted: the page holds back a spare frame's start until then.
 */
function reportShown(): void {
  const want = Math.min(reportHeight(), MAX_HEIGHT) - 1;
  const painted = (): void => {
    requestAnimationFrame(() => setTimeout(() => post({ type: "nw-widget-shown" }), 0));
  };
  if (innerHeight >= want) return painted();
  const resized = () => {
    if (innerHeight < want) return;
    finish();
  };
  const finish = () => {
    clearTimeout(timer);
    removeEventListener("resize", resized);
    painted();
  };
  const timer = setTimeout(finish, RESIZE_MS);
  addEventListener("resize", resized);
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

interface Shown {
  readonly el: HTMLElement;
  readonly view: Promise<DOMWidgetView | null>;
}
/** The views shown, by their output's key. */
const shown = new Map<string, Shown>();

function show(m: FrameManager, v: FrameView): Shown {
  const el = document.createElement("div");
  el.className = "nw-widget";
  const view = (async () => {
    try {
      const model = await m.get_model(v.model_id);
      return await m.display_view(m.create_view(model) as Promise<DOMWidgetView>, el);
    } catch (e) {
      el.textContent = `This widget could not be shown: ${String(e)}`;
      el.className = "nw-widget-error";
      return null;
    }
  })();
  return { el, view };
}

/** Shows `views` in order: new ones are made, gone ones removed, the rest kept. */
function arrange(m: FrameManager, views: readonly FrameView[]): Promise<unknown[]> {
  const keep = new Set(views.map((v) => v.key));
  for (const [key, s] of shown) {
    if (keep.has(key)) continue;
    shown.delete(key);
    s.el.remove();
    void s.view.then((v) => v?.remove());
  }
  const made: Promise<unknown>[] = [];
  let prev: ChildNode | null = null;
  for (const v of views) {
    let s = shown.get(v.key);
    if (!s) {
      shown.set(v.key, (s = show(m, v)));
      made.push(s.view);
    }
    const want: ChildNode | null = prev ? prev.nextSibling : document.body.firstChild;
    if (want !== s.el) document.body.insertBefore(s.el, want);
    prev = s.el;
  }
  return Promise.all(made);
}

/**
 * Resolves once the views' children (a Box's) are built too. The page then gets the
 * height at once, in the task that built them, before this frame's first paint: the
 * resize observer would say it only in the rendering step after, and the frame would
 * paint its old, smaller viewport first and the views a frame later.
 */
async function built(views: readonly unknown[]): Promise<void> {
  const children: unknown[] = [];
  for (const v of views as ({ children_views?: { views?: unknown[] } } | null)[]) {
    for (const c of v?.children_views?.views ?? []) children.push(c);
  }
  if (children.length > 0) await built(await Promise.all(children));
}

async function init(m: Extract<ToFrame, { type: "nw-widget-init" }>): Promise<void> {
  bridge = new Bridge(m.prefix, post);
  manager = new FrameManager(bridge);
  const loading = manager.loadSnapshot(m.models);
  if (m.views.length === 0) {
    manager.prepare(m.models); // a spare: see FrameManager.prepare
    return;
  }
  manager.stopPreparing();
  await built(await arrange(manager, m.views));
  await loading;
  reportShown();
}

const handlers: { [K in ToFrame["type"]]: (m: Extract<ToFrame, { type: K }>) => void } = {
  "nw-widget-init": (m) => {
    post({ type: "nw-widget-ack" });
    if (!manager) void init(m);
  },
  "nw-widget-models": (m) => {
    if (!manager) return;
    void manager.loadSnapshot(m.models);
    if (shown.size === 0) manager.prepare(m.models);
  },
  "nw-widget-views": (m) => {
    post({ type: "nw-widget-ack" });
    const mgr = manager;
    if (!mgr) return;
    void arrange(mgr, m.views)
      .then(built)
      .then(() => {
        mgr.stopPreparing();
        reportShown();
      });
  },
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
  "nw-widget-batch": (m) => {
    for (const one of m.messages) if (one.type !== "nw-widget-batch") handle(one);
  },
};

function handle(msg: ToFrame): void {
  const handler = handlers[msg?.type as ToFrame["type"]] as ((m: ToFrame) => void) | undefined;
  handler?.(msg);
}

window.addEventListener("message", (ev: MessageEvent) => {
  // Only the page speaks to this frame; widget code in it cannot reach the page but this way.
  if (ev.source !== parent) return;
  handle(ev.data as ToFrame);
});

new ResizeObserver(reportHeight).observe(document.documentElement);
post({ type: "nw-widget-ready", frame: decodeURIComponent(location.hash.slice(1)) });
