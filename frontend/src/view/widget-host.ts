// The page side of Jupyter widgets (issue 11): keeps the mirror of every widget model
// (model/widgets.ts) current from the notebook connection, and relays between the
// connection and the widget frames (model/widget-bridge.ts). A frame shows the views of
// a run of widget outputs (view/widget-runs.ts); one more is kept loaded, hidden, once
// the notebook has widgets, so that the next output need not wait for a frame's start.
// Each frame is its own client of the kernel's widget comms:
// - when given its outputs it gets the current state of the models their views reach
//   (model/widgets.ts `reachable`), so it renders with no request to the kernel; then
//   every later kernel comm message about a model it holds, each preceded by the
//   models that message makes it reach;
// - what it sends goes to the server under the msg_id it chose, and the server's
//   comm_idle for that msg_id goes back to it alone (ipywidgets sends the next change
//   of a model only after the kernel is idle from the last);
// - when the kernel goes away, the models turn static and nothing stays in flight.
// A frame that shows views answers each message that gives it views
// (`nw-widget-ack`); one that does not answer in time (a spare whose document went
// away, a start that failed) is replaced by a fresh one, as a frame is on a reconnect.
import type { NotebookClient } from "../net/client";
import type { ServerMessage } from "../model/protocol";
import type { SessionState } from "../model/session";
import { h } from "./dom";
import { whenIdle } from "./idle";
import { parseFrameMessage, type FrameView, type FromFrame, type ToFrame } from "../model/widget-bridge";
import {
  applyCommTo,
  isLink,
  isWidgetMessage,
  kernelGone,
  makeStatic,
  mirrorFromHello,
  needsFor,
  reachable,
  snapshot,
  type WidgetMirror,
  type WidgetModel,
} from "../model/widgets";
import { url } from "../net/urls";

/** What shows a widget frame (a run of widget outputs, view/widget-runs.ts). */
export interface FrameSink {
  /** Puts the frame element where it is shown. A spare frame comes loaded already: it is
   * moved there with `moveBefore`, which keeps its document. */
  place(iframe: HTMLIFrameElement): void;
  /** The views the frame shows now, in order. */
  views(): readonly FrameView[];
  /** The frame asked for this height (css px, unclamped). */
  height(px: number): void;
}

/** The host's handle on an attached frame. */
export interface FrameHandle {
  /** The sink's views changed: the frame is told (with any model they newly reach). */
  update(): void;
  /** The frame is no longer shown: the host forgets it. */
  detach(): void;
}

interface FrameEntry {
  /** Null while the frame is a spare, loaded ahead of need. */
  sink: FrameSink | null;
  /** A new element each time the frame is renewed (`renew`). */
  iframe: HTMLIFrameElement;
  /** The name in the fragment of its src (`/static/widgets.html?v=<hash>#<name>`), which its
   * ready message says; a new one at each load. */
  name: string;
  /** The frame's window, once it said it is ready. */
  win: Window | null;
  /** A new one each time the frame is renewed: the msg_ids of the document before may
   * still be answered by the server. */
  prefix: string;
  /** It said it is ready (its script runs). */
  loaded: boolean;
  /** It was sent its init: it shows views and gets comm traffic. */
  ready: boolean;
  /** msg_ids this frame sent that the kernel has not finished. */
  readonly inFlight: Set<string>;
  /** The models the frame was sent (it knows no others). */
  readonly held: Set<string>;
  /** Runs out when the frame, given views, has not answered (`patience`). */
  watchdog: ReturnType<typeof setTimeout> | null;
  /** How long it may take to answer: `ANSWER_MS`, doubled at each renewal, so a machine
   * so loaded that a start takes longer still gets there rather than start forever. */
  patience: number;
}

/** How long a frame that shows views may take to answer the message that gives it
 * them, its start included when it had not said it is ready: a frame's start takes well
 * under a second, several on a loaded machine; one that took this long is stuck. */
const ANSWER_MS = 10_000;

/** The widget frame's shell, under its build's hash (build.mjs), so it is cached for good. */
declare const WIDGET_FRAME_SRC: string;

// One random part per page, so msg_ids of two browsers (or two page loads) never meet.
const PAGE_TAG = Math.random().toString(36).slice(2, 10);

export class WidgetHost {
  /** Every model of the notebook; changed in place, its models replaced, never changed. */
  private mirror = new Map<string, WidgetModel>();
  /** The mirror's links (model/widgets.ts `isLink`), kept with it. */
  private readonly links = new Set<string>();
  /** Frames that said they are ready, by window (what a message's source is). */
  private readonly frames = new Map<Window, FrameEntry>();
  /** Every frame made, by the name in its src. */
  private readonly named = new Map<string, FrameEntry>();
  private readonly waiting = new Map<string, Set<() => void>>();
  /** Messages for each frame not posted yet (`post`). */
  private readonly outbox = new Map<Window, ToFrame[]>();
  private nextFrame = 1;
  private nextName = 1;
  private greeted = false;
  /** A frame loaded ahead of need (one at most), and the hidden box that holds it. */
  private spare: FrameEntry | null = null;
  private spareBox: HTMLElement | null = null;
  /** Models opened since the spare was made: it gets them, with what they reach. */
  private spareOpened: string[] = [];
  /** The frame that took the spare: the next spare is made once it has shown its views. */
  private spareAfter: FrameEntry | null = null;

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

  private setMirror(mirror: WidgetMirror): void {
    if (mirror === this.mirror) return;
    this.mirror = new Map(mirror);
    this.links.clear();
    for (const [id, m] of mirror) if (isLink(m)) this.links.add(id);
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
   * Gives `sink` a widget frame: the spare one when there is one (its script has
   * started, or run, already: a widget frame costs tens of ms to parse and run), else a
   * new one. Its window is bound when the frame says it is ready, under the name in its
   * src, and only if it is that element's window: the page reads no contentWindow
   * before then, which would make Chromium set up a script context for the element's
   * first, empty document (for nothing: the frame is about to load a document of
   * another origin).
   */
  attach(sink: FrameSink): FrameHandle {
    const entry = this.spare ?? this.newFrame();
    this.spare = null;
    this.spareOpened = [];
    this.spareAfter = entry;
    entry.sink = sink;
    sink.place(entry.iframe);
    this.expectAnswer(entry); // a frame still starting: its start counts
    if (entry.ready) this.viewsChanged(entry);
    else if (entry.loaded) this.init(entry);
    return {
      update: () => this.viewsChanged(entry),
      detach: () => {
        entry.sink = null;
        entry.ready = false;
        this.answered(entry);
        this.forget(entry);
      },
    };
  }

  /** The host no longer routes messages to or from `e`'s document. */
  private forget(e: FrameEntry): void {
    if (this.named.get(e.name) === e) this.named.delete(e.name);
    if (e.win && this.frames.get(e.win) === e) this.frames.delete(e.win);
  }

  private expectAnswer(e: FrameEntry): void {
    if (e.watchdog !== null || !e.sink) return;
    e.watchdog = setTimeout(() => {
      e.watchdog = null;
      if (!e.sink) return;
      console.warn("a widget frame did not answer: it is loaded anew");
      e.patience *= 2;
      this.renew(e);
    }, e.patience);
  }

  private answered(e: FrameEntry): void {
    if (e.watchdog !== null) clearTimeout(e.watchdog);
    e.watchdog = null;
  }

  private newFrame(): FrameEntry {
    const entry: FrameEntry = {
      sink: null,
      iframe: this.newElement(),
      name: "",
      win: null,
      prefix: this.newPrefix(),
      loaded: false,
      ready: false,
      inFlight: new Set(),
      held: new Set(),
      watchdog: null,
      patience: ANSWER_MS,
    };
    this.load(entry);
    return entry;
  }

  private newElement(): HTMLIFrameElement {
    return h("iframe", { class: "nw-frame nw-widget-frame", sandbox: "allow-scripts", title: "widgets" });
  }

  private newPrefix(): string {
    return `w${PAGE_TAG}.${this.nextFrame++}.`;
  }

  /**
   * Loads a frame ahead of need, kept hidden until an output takes it: when the
   * notebook has widgets, the next widget output shows at once instead of after the
   * frame's start. Once loaded, it is sent every model the kernel opens (with what it
   * reaches), so the models a cell makes are built while the kernel still makes them,
   * and its output, when it comes, has only views left to build. The frame that takes
   * it keeps what it got (models it may not show: they cost memory and their updates,
   * no more than the page's own copy).
   */
  private prepareSpare(): void {
    if (this.spare || this.mirror.size === 0 || !document.body) return;
    if (!this.spareBox) {
      this.spareBox = h("div", { class: "nw-widget-spare", "aria-hidden": "true" });
      this.spareBox.inert = true;
      document.body.append(this.spareBox);
    }
    this.spare = this.newFrame();
    this.spareOpened = [];
    this.spareBox.append(this.spare.iframe);
  }

  /** The spare is of no use (the page reconnected: what it holds may be stale). */
  private dropSpare(): void {
    const e = this.spare;
    if (!e) return;
    this.spare = null;
    e.iframe.remove();
    this.forget(e);
  }

  /** Loads the widget frame document in the element, under a new name. */
  private load(entry: FrameEntry): void {
    this.named.delete(entry.name);
    entry.name = `${PAGE_TAG}-${this.nextName++}`;
    this.named.set(entry.name, entry);
    entry.iframe.src = `${url(WIDGET_FRAME_SRC)}#${entry.name}`;
  }

  /** The frame whose ready message this is, bound to its window. */
  private bind(win: Window, data: unknown): FrameEntry | undefined {
    const ready = parseFrameMessage(data, "");
    if (ready?.type !== "nw-widget-ready") return undefined;
    const entry = this.named.get(ready.frame);
    if (!entry || entry.iframe.contentWindow !== win) return undefined;
    if (entry.win && this.frames.get(entry.win) === entry) this.frames.delete(entry.win);
    entry.win = win;
    this.frames.set(win, entry);
    return entry;
  }

  /** Sends a loaded frame its views and the models they reach (a spare: none, and the
   * models opened since it was made). */
  private init(e: FrameEntry): void {
    if (!e.win) return;
    e.inFlight.clear();
    e.held.clear();
    e.ready = true;
    const views = e.sink?.views() ?? [];
    const ids = reachable(this.mirror, e.sink ? views.map((v) => v.model_id) : this.spareOpened, new Set(), this.links);
    for (const id of ids) e.held.add(id);
    this.post(e.win, { type: "nw-widget-init", views, models: snapshot(this.mirror, ids), prefix: e.prefix });
    this.expectAnswer(e);
  }

  private viewsChanged(e: FrameEntry): void {
    if (!e.ready || !e.win || !e.sink) return; // its init reads the views when it comes
    const views = e.sink.views();
    const needs = reachable(this.mirror, views.map((v) => v.model_id), e.held, this.links);
    if (needs.length > 0) {
      for (const n of needs) e.held.add(n);
      this.post(e.win, { type: "nw-widget-models", models: snapshot(this.mirror, needs) });
    }
    this.post(e.win, { type: "nw-widget-views", views });
    this.expectAnswer(e);
  }

  /** Queues `msg` for `win`; what is queued goes in one postMessage when this task
   * ends (a burst of comm messages: one message for the frame, not hundreds). */
  private post(win: Window, msg: ToFrame): void {
    let queue = this.outbox.get(win);
    if (!queue) {
      this.outbox.set(win, (queue = []));
      if (this.outbox.size === 1) queueMicrotask(() => this.flush());
    }
    queue.push(msg);
  }

  private flush(): void {
    const all = [...this.outbox];
    this.outbox.clear();
    for (const [win, queue] of all) {
      const msg: ToFrame = queue.length === 1 ? queue[0]! : { type: "nw-widget-batch", messages: queue };
      // "*": the frame's origin is opaque ("null"), so no origin can be named.
      win.postMessage(msg, "*");
    }
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
    "nw-widget-ready": (_, e) => {
      // A frame that loads again (it was moved in the DOM) starts over; a spare gets
      // no views yet, only the models opened from now on.
      e.loaded = true;
      e.ready = false;
      this.init(e);
    },
    "nw-widget-ack": (_, e) => this.answered(e),
    "nw-frame-height": (_, e, m) => {
      if (e.sink) e.sink.height(m.height);
    },
    "nw-widget-shown": (_, e) => {
      if (!e.sink || this.spareAfter !== e) return;
      // Not before: frames share a renderer process, and a spare's start would compete
      // with the views being built and painted (the page is idle well before the frame).
      this.spareAfter = null;
      whenIdle(() => this.prepareSpare(), 2000);
    },
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
        this.setMirror(mirrorFromHello(m.widgets));
        if (kernelGone(m.kernel.state)) this.setMirror(makeStatic(this.mirror));
        // After a reconnect, frames missed what happened meanwhile: they start over
        // from the new state (a fresh document says it is ready, and gets its init).
        if (this.greeted) {
          this.dropSpare();
          for (const e of [...this.frames.values()]) this.renew(e);
        }
        this.prepareSpare(); // the notebook shows widgets: their frame starts now
        this.greeted = true;
        this.wake();
        return;
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close": {
        const msg = { type: m.type, content: m.content, buffers: m.buffers };
        if (!isWidgetMessage(this.mirror, msg)) return;
        const id = m.content["comm_id"] as string;
        applyCommTo(this.mirror, msg);
        const model = this.mirror.get(id);
        if (model && isLink(model)) this.links.add(id);
        else this.links.delete(id);
        const out: ToFrame = {
          type: "nw-widget-comm",
          kind: m.type,
          content: m.content,
          metadata: m.metadata,
          buffers: m.buffers,
          parent: m.parent,
        };
        if (m.type === "comm_open" && this.spare && !this.spare.ready) this.spareOpened.push(id);
        for (const [win, e] of this.frames) {
          if (!e.ready) continue;
          if (m.type === "comm_open" && e === this.spare && !e.held.has(id)) {
            const needs = reachable(this.mirror, [id], e.held, this.links);
            for (const n of needs) e.held.add(n);
            if (needs.length > 0) this.post(win, { type: "nw-widget-models", models: snapshot(this.mirror, needs) });
            continue;
          }
          if (m.type === "comm_close") {
            if (e.held.delete(id)) this.post(win, out);
            continue;
          }
          const needs = needsFor(this.mirror, e.held, id, this.links);
          if (needs.length > 0) {
            for (const n of needs) e.held.add(n);
            this.post(win, { type: "nw-widget-models", models: snapshot(this.mirror, needs) });
            // A model sent whole now already holds this message's state.
            if (needs.includes(id)) continue;
          }
          if (e.held.has(id)) this.post(win, out);
        }
        if (m.type === "comm_open") {
          this.prepareSpare(); // a view of it may follow
          this.wake();
        }
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
    this.setMirror(makeStatic(this.mirror));
    const inFlight = [...this.frames.values()].some((e) => e.inFlight.size > 0);
    if (before === this.mirror && !inFlight) return;
    for (const [win, e] of this.frames) {
      e.inFlight.clear();
      if (e.ready) this.post(win, { type: "nw-widget-static" });
    }
  }

  /**
   * Loads the frame's document anew, in a fresh element put where the old one was.
   * Not by a new src on the same element: one that differs only in its fragment (the
   * name) is a same-document navigation, which runs no script, so the frame would never
   * say it is ready again and would show its old views, dead, for good.
   */
  private renew(e: FrameEntry): void {
    this.forget(e);
    this.answered(e);
    e.loaded = false;
    e.ready = false;
    e.win = null;
    e.inFlight.clear();
    e.held.clear();
    e.prefix = this.newPrefix();
    const old = e.iframe;
    e.iframe = this.newElement();
    this.load(e);
    if (e.sink) {
      old.remove();
      e.sink.place(e.iframe);
      this.expectAnswer(e);
    } else old.replaceWith(e.iframe);
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
