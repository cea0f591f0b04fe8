// Trusted HTML that needs scripts, and trusted JavaScript, run in a sandboxed iframe:
// sandbox="allow-scripts" without allow-same-origin gives the frame an opaque origin,
// so nothing in it can read the page or call the server with the user's cookie.
// The frame document (/static/sandbox.html) receives the content by postMessage and
// reports its height back; the page trusts nothing else from it. Charts (Plotly, Vega)
// are drawn there too, by renderers the frame loads from /static/ when it needs them.
import type { JSONValue } from "../model/protocol";
import { h } from "./dom";
import { url } from "../net/urls";

export interface FrameContent {
  readonly html?: string;
  readonly javascript?: string;
  /** A chart (model/mime.ts isChartMime) and its data: the frame loads its renderer. */
  readonly mime?: string;
  readonly data?: JSONValue;
}

const frames = new Map<Window, HTMLIFrameElement>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  window.addEventListener("message", (ev: MessageEvent) => {
    const frame = ev.source ? frames.get(ev.source as Window) : undefined;
    if (!frame) return;
    const data = ev.data as { type?: string; height?: unknown };
    if (data?.type === "nw-frame-height" && typeof data.height === "number" && Number.isFinite(data.height)) {
      fitFrameHeight(frame, data.height);
    } else if (data?.type === "nw-frame-ready") {
      frame.dispatchEvent(new CustomEvent("nw-ready"));
    }
  });
}

/** Sizes a frame to the height its document reported, within sane bounds. */
export function fitFrameHeight(frame: HTMLIFrameElement, height: number): void {
  frame.style.height = `${Math.min(Math.max(Math.ceil(height), 16), 20000)}px`;
}

export function sandboxFrame(content: FrameContent): { el: HTMLElement; destroy(): void } {
  listen();
  const iframe = h("iframe", {
    class: "nw-frame",
    sandbox: "allow-scripts",
    src: url("static/sandbox.html"),
    title: "output",
    loading: "lazy",
  });
  let win: Window | null = null;
  const onReady = () => {
    iframe.contentWindow?.postMessage({ type: "nw-render", ...content }, "*");
  };
  iframe.addEventListener("nw-ready", onReady);
  iframe.addEventListener("load", () => {
    if (win) frames.delete(win);
    win = iframe.contentWindow;
    if (win) frames.set(win, iframe);
  });
  // The frame may announce itself before "load" fires on the element: register early too.
  queueMicrotask(() => {
    if (iframe.contentWindow && !frames.has(iframe.contentWindow)) {
      win = iframe.contentWindow;
      frames.set(win, iframe);
    }
  });
  return {
    el: iframe,
    destroy() {
      if (win) frames.delete(win);
    },
  };
}
