// The page side of Jupyter widgets (issue 11): keeps the mirror of every widget model
// (model/widgets.ts) current from the notebook connection, and relays between the
// connection and the widget frames (model/widget-bridge.ts). Each frame is its own
// client of the kernel's widget comms:
// - at creation it gets the current state of the models its view reaches
//   (model/widgets.ts `reachable`), so it renders with no request to the kernel; then
//   every later kernel comm message about a model it holds, each preceded by the
//   models that message makes it reach;
// - what it sends goes to the server under the msg_id it chose, and the server's
//   comm_idle for that msg_id goes back to it alone (ipywidgets sends the next change
//   of a model only after the kernel is idle from the last);
// - when the kernel goes away, the models turn static and nothing stays in flight.
import type { NotebookClient } from "../net/client";
import type { ServerMessage } from "../model/protocol";
import type { SessionState } from "../model/session";
import { parseFrameMessage, type FromFrame, type ToFrame } from "../model/widget-bridge";
import {
  applyComm,
  EMPTY_MIRROR,
  isWidgetMessage,
  kernelGone,
  makeStatic,
  mirrorFromHello,
  needsFor,
  reachable,
  snapshot,
  type WidgetMirror,
} from "../model/widgets";
import { url } from "../net/urls";

/** A frame's side of the host: what the host tells the element that shows it. */
export interface FrameSink {
  /** A frame element with no src yet: the host loads the widget frame in it. */
  readonly iframe: HTMLIFrameElement;
  /** The model the frame shows. */
  readonly modelId: string;
  /** The frame asked for this height (css px, unclamped). */
  height(px: number): void;
}

interface FrameEntry {
  readonly sink: FrameSink;
  /** The name in the fragment of its src (`/static/widgets.html?v=<hash>#<name>`), which its
   * ready message says; a new one at each load. */
  name: string;
  /** The frame's window, once it said it is ready. */
  win: Window | null;
  readonly prefix: string;
  ready: boolean;
  /** msg_ids this frame sent that the kernel has not finished. */
  readonly inFlight: Set<string>;
  /** The models the frame was sent (it knows no others). */
  readonly held: Set<string>;
}

/** The widget frame's shell, under its build's hash (build.mjs), so it is cached for good. */
declare const WIDGET_FRAME_SRC: string;

// One random part per page, so msg_ids of two browsers (or two page loads) never meet.
const PAGE_TAG = Math.random().toString(36).slice(2, 10);

export class WidgetHost {
  private mirror: WidgetMirror = EMPTY_MIRROR;
  /** Frames that said they are ready, by window (what a message's source is). */
  private readonly frames = new Map<Window, FrameEntry>();
  /** Every attached frame, by the name in its src. */
  private readonly named = new Map<string, FrameEntry>();
  private readonly waiting = new Map<string, Set<() => void>>();
  private nextFrame = 1;
  private nextName = 1;
  private greeted = false;

  constructor(private readonly client: NotebookClient) {
    client.subscribe({
      session: (s) => this.onSession(s),
      message: (m) => this.onServer(m),
    });
    window.addEventListener("message", (ev) => this.onFrame(ev));
  }

  has(modelId: string): boolean {
    return this.mirror.has(modelId);
  }

  /** Calls `cb` once, when the mirror first holds `modelId`. */
  whenModel(modelId: string, cb: () => void): () => void {
    let set = this.waiting.get(modelId);
    if (!set) this.waiting.set(modelId, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0 && this.waiting.get(modelId) === set) this.waiting.delete(modelId);
    };
  }

  /**
   * Starts relaying for a frame element. Its window is bound when the frame says it is
   * ready, under the name in its src, and only if it is that element's window: the
   * page reads no contentWindow before then, which would make Chromium set up a
   * script context for the element's first, empty document (for nothing: the frame
   * is about to load a document of another origin).
   */
  attach(sink: FrameSink): () => void {
    const entry: FrameEntry = {
      sink,
      name: "",
      win: null,
      prefix: `w${PAGE_TAG}.${this.nextFrame++}.`,
      ready: false,
      inFlight: new Set(),
      held: new Set(),
    };
    this.load(entry);
    return () => {
      if (this.named.get(entry.name) === entry) this.named.delete(entry.name);
      if (entry.win && this.frames.get(entry.win) === entry) this.frames.delete(entry.win);
    };
  }

  /** (Re)loads the widget frame document in the element, under a new name. */
  private load(entry: FrameEntry): void {
    this.named.delete(entry.name);
    entry.name = `${PAGE_TAG}-${this.nextName++}`;
    this.named.set(entry.name, entry);
    entry.sink.iframe.src = `${url(WIDGET_FRAME_SRC)}#${entry.name}`;
  }

  /** The attached frame whose ready message this is, bound to its window. */
  private bind(win: Window, data: unknown): FrameEntry | undefined {
    const ready = parseFrameMessage(data, "");
    if (ready?.type !== "nw-widget-ready") return undefined;
    const entry = this.named.get(ready.frame);
    if (!entry || entry.sink.iframe.contentWindow !== win) return undefined;
    if (entry.win && this.frames.get(entry.win) === entry) this.frames.delete(entry.win);
    entry.win = win;
    this.frames.set(win, entry);
    return entry;
  }

  private post(win: Window, msg: ToFrame): void {
    // "*": the frame's origin is opaque ("null"), so no origin can be named.
    win.postMessage(msg, "*");
  }

  private onFrame(ev: MessageEvent): void {
    const win = ev.source as Window | null;
    if (!win) return;
    const entry = this.frames.get(win) ?? this.bind(win, ev.data);
    if (!entry) return;
    const msg = parseFrameMessage(ev.data, entry.prefix);
    if (msg) this.fromFrame(win, entry, msg);
  }

  private readonly frameHandlers: {
    [K in FromFrame["type"]]: (win: Window, e: FrameEntry, m: Extract<FromFrame, { type: K }>) => void;
  } = {
    "nw-widget-ready": (win, e) => {
      // A frame that loads again (it was moved in the DOM) starts over.
      e.inFlight.clear();
      e.held.clear();
      e.ready = true;
      const ids = reachable(this.mirror, [e.sink.modelId]);
      for (const id of ids) e.held.add(id);
      this.post(win, { type: "nw-widget-init", model_id: e.sink.modelId, models: snapshot(this.mirror, ids), prefix: e.prefix });
    },
    "nw-frame-height": (_, e, m) => e.sink.height(m.height),
    "nw-widget-send": (win, e, m) => {
      const model = this.mirror.get(m.comm_id);
      if (!model?.live || kernelGone(this.client.session.kernel.state)) {
        // Static: the change goes nowhere, and nothing waits for the kernel.
        this.post(win, { type: "nw-widget-idle", parent: m.msg_id });
        return;
      }
      e.inFlight.add(m.msg_id);
      this.client.send({
        type: "comm_msg",
        content: { comm_id: m.comm_id, data: m.data },
        metadata: m.metadata,
        msg_id: m.msg_id,
        ...(m.buffers.length ? { buffers: m.buffers } : {}),
      });
    },
  };

  private fromFrame(win: Window, entry: FrameEntry, msg: FromFrame): void {
    const handler = this.frameHandlers[msg.type] as (w: Window, e: FrameEntry, m: FromFrame) => void;
    handler(win, entry, msg);
  }

  private onServer(m: ServerMessage): void {
    switch (m.type) {
      case "hello": {
        this.mirror = mirrorFromHello(m.widgets);
        if (kernelGone(m.kernel.state)) this.mirror = makeStatic(this.mirror);
        // After a reconnect, frames missed what happened meanwhile: they start over
        // from the new state (a reload of the frame document re-sends ready).
        if (this.greeted) for (const e of this.frames.values()) this.reload(e);
        this.greeted = true;
        this.wake();
        return;
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close": {
        const msg = { type: m.type, content: m.content, buffers: m.buffers };
        if (!isWidgetMessage(this.mirror, msg)) return;
        this.mirror = applyComm(this.mirror, msg);
        const id = m.content["comm_id"] as string;
        const out: ToFrame = {
          type: "nw-widget-comm",
          kind: m.type,
          content: m.content,
          metadata: m.metadata,
          buffers: m.buffers,
          parent: m.parent,
        };
        for (const [win, e] of this.frames) {
          if (!e.ready) continue;
          if (m.type === "comm_close") {
            if (e.held.delete(id)) this.post(win, out);
            continue;
          }
          const needs = needsFor(this.mirror, e.held, id);
          if (needs.length > 0) {
            for (const n of needs) e.held.add(n);
            this.post(win, { type: "nw-widget-models", models: snapshot(this.mirror, needs) });
            // A model sent whole now already holds this message's state.
            if (needs.includes(id)) continue;
          }
          if (e.held.has(id)) this.post(win, out);
        }
        if (m.type === "comm_open") this.wake();
        return;
      }
      case "comm_idle":
        for (const [win, e] of this.frames) {
          if (e.inFlight.delete(m.parent)) this.post(win, { type: "nw-widget-idle", parent: m.parent });
        }
        return;
      default:
        return;
    }
  }

  private onSession(s: SessionState): void {
    if (!kernelGone(s.kernel.state)) return;
    const before = this.mirror;
    this.mirror = makeStatic(this.mirror);
    const inFlight = [...this.frames.values()].some((e) => e.inFlight.size > 0);
    if (before === this.mirror && !inFlight) return;
    for (const [win, e] of this.frames) {
      e.inFlight.clear();
      if (e.ready) this.post(win, { type: "nw-widget-static" });
    }
  }

  private reload(e: FrameEntry): void {
    e.ready = false;
    e.inFlight.clear();
    this.load(e); // a new name: the same src would be a same-document navigation
  }

  /** Runs the callbacks of outputs waiting for a model the mirror now holds. */
  private wake(): void {
    for (const [id, set] of this.waiting) {
      if (!this.mirror.has(id)) continue;
      this.waiting.delete(id);
      for (const cb of set) cb();
    }
  }
}

let host: WidgetHost | null = null;

/** Connects widget outputs to this page's notebook connection (once per page). */
export function attachWidgetHost(client: NotebookClient): void {
  host = new WidgetHost(client);
}

export function widgetHost(): WidgetHost | null {
  return host;
}
