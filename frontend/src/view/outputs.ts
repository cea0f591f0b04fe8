// A code cell's outputs, rendered from the shared document and kept in step with it.
// Changes are drawn once per animation frame, so a flood of stream chunks or a
// clear_output(wait=True) followed by new output never flickers. A renderer that throws
// shows an error for its own output only.
import * as Y from "yjs";
import { readOutput, streamChunks, type Output, type OutputMap } from "../model/document";
import { imageSize, isChartMime, mimeText, pickMime } from "../model/mime";
import type { InputRequest, JSONObject, JSONValue } from "../model/protocol";
import { EMPTY_STREAM, planStream, type StreamRendered } from "../model/stream";
import { ansiNodes, segmentNodes } from "./ansi-dom";
import { canvasOutput } from "./canvas-output";
import { clear, h, type Disposable } from "./dom";
import { glOutput } from "./gl-output";
import { sandboxFrame } from "./frame";
import { jsonTree } from "./json-tree";
import { renderMarkdown } from "./markdown";
import { sanitize } from "./sanitize";
import { widgetOutput } from "./widget-output";
import { WidgetRuns, type WidgetSlot } from "./widget-runs";

export interface OutputContext {
  /** Whether this cell's outputs are trusted (protocol section 4). */
  trusted(): boolean;
  /** The notebook's folder, for relative links in markdown outputs. */
  readonly dir: string;
  /** Answers an input() prompt. */
  reply(request: string, value: string): void;
  /** The URL of the cell's full stream output, kept by the server past the cap. */
  fullOutput(view: boolean): string;
}

interface OutputView extends Disposable {
  readonly el: HTMLElement;
  update(): void;
  /** The widget slot it shows, if it is a widget output (view/widget-runs.ts). */
  slot(): WidgetSlot | null;
}

function renderError(e: unknown): HTMLElement {
  return h("pre", { class: "nw-render-error" }, `This output could not be shown: ${String(e)}`);
}

function safely(f: () => HTMLElement): HTMLElement {
  try {
    return f();
  } catch (e) {
    console.error(e);
    return renderError(e);
  }
}

function image(mime: string, value: JSONValue | undefined, metadata: JSONObject): HTMLElement {
  const data = mimeText(value).replace(/\s+/g, "");
  const img = h("img", { class: "nw-image", alt: mime });
  img.src = `data:${mime};base64,${data}`;
  const { width, height } = imageSize(metadata, mime);
  if (width) img.width = width;
  if (height) img.height = height;
  return img;
}

function svg(value: JSONValue | undefined): HTMLElement {
  // As an <img>, an SVG's scripts never run.
  const img = h("img", { class: "nw-image", alt: "image/svg+xml" });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(mimeText(value))}`;
  return img;
}

/** A rich output (display_data / execute_result), with its own teardown for frames.
 * `changed`: a widget output whose model came later became a widget. */
function richOutput(
  out: Extract<Output, { output_type: "display_data" | "execute_result" }>,
  ctx: OutputContext,
  changed: () => void,
): { body: HTMLElement; destroy(): void; slot?: () => WidgetSlot | null } {
  const canvas = canvasOutput(out.data, out.metadata); // a live figure while its comm is open
  if (canvas) return canvas;
  const trusted = ctx.trusted();
  const gl = glOutput(out.data, trusted); // a plot drawn in the page (WebGL) while it can be
  if (gl) return gl;
  const widget = widgetOutput(out.data, trusted, changed); // a widget view, in its run's frame
  if (widget) return widget;
  const mime = pickMime(out.data, trusted);
  let teardown = () => {};
  const body = safely(() => {
    if (mime !== null && isChartMime(mime)) {
      // JSON from the kernel, which may carry HTML (plotly labels): drawn in the frame.
      const frame = sandboxFrame({ mime, data: out.data[mime] ?? null });
      teardown = frame.destroy;
      return frame.el;
    }
    switch (mime) {
      case null:
        return h("pre", { class: "nw-muted" }, `[no renderer for ${Object.keys(out.data).join(", ") || "empty output"}]`);
      case "application/javascript": {
        const frame = sandboxFrame({ javascript: mimeText(out.data[mime]) });
        teardown = frame.destroy;
        return frame.el;
      }
      case "text/html": {
        const html = mimeText(out.data[mime]);
        const { fragment, changed } = sanitize(html);
        if (changed && trusted) {
          const frame = sandboxFrame({ html });
          teardown = frame.destroy;
          return frame.el;
        }
        const div = h("div", { class: "nw-html" });
        div.appendChild(fragment);
        return div;
      }
      case "text/markdown":
        return renderMarkdown(mimeText(out.data[mime]), { dir: ctx.dir });
      case "text/latex":
        return renderMarkdown(mimeText(out.data[mime]), { dir: ctx.dir });
      case "image/svg+xml":
        return svg(out.data[mime]);
      case "image/png":
      case "image/jpeg":
      case "image/gif":
        return image(mime, out.data[mime], out.metadata);
      case "application/json":
        return jsonTree(out.data[mime] ?? null);
      case "text/plain":
        return h("pre", { class: "nw-text" }, ...ansiNodes(mimeText(out.data[mime])));
    }
  });
  return { body, destroy: () => teardown() };
}

class StreamView implements OutputView {
  readonly el: HTMLElement;
  private readonly lines = h("span");
  private readonly tail = h("span");
  private readonly note = h("div", { class: "nw-dropped" });
  private drawn: StreamRendered = EMPTY_STREAM;
  private dropped = 0;

  constructor(
    private readonly map: OutputMap,
    private readonly ctx: OutputContext,
  ) {
    const name = map.get("name") === "stderr" ? "stderr" : "stdout";
    this.el = h("div", { class: `nw-output nw-stream nw-${name}` }, this.note, h("pre", {}, this.lines, this.tail));
    this.update();
  }

  slot(): null {
    return null;
  }

  update(): void {
    const out = readOutput(this.map);
    if (out.output_type !== "stream") return;
    if (out.dropped_chars !== this.dropped) this.showDropped(out.dropped_chars);
    const patch = planStream(this.drawn, out.text);
    if (patch.reset) clear(this.lines);
    for (let i = 0; i < patch.drop; i++) this.lines.lastChild?.remove();
    for (const block of patch.added) this.lines.append(h("span", {}, ...segmentNodes(block)));
    clear(this.tail);
    this.tail.append(...segmentNodes(patch.tail));
    this.drawn = patch.next;
  }

  /** The marker over a trimmed stream, with the links to the full output the server
   * kept (docs/notebook-protocol.md, section 3). */
  private showDropped(dropped: number): void {
    this.dropped = dropped;
    clear(this.note);
    if (dropped <= 0) return;
    const show = { href: this.ctx.fullOutput(true), target: "_blank", rel: "noopener" };
    const download = { href: this.ctx.fullOutput(false), download: "" };
    this.note.append(
      `… ${dropped.toLocaleString()} earlier characters not shown: `,
      h("a", show, "show all"),
      " · ",
      h("a", download, "download full output"),
    );
  }

  destroy(): void {}
}

class RichView implements OutputView {
  readonly el = h("div", { class: "nw-output" });
  private teardown = () => {};
  private widgetSlot: () => WidgetSlot | null = () => null;

  constructor(
    private readonly map: OutputMap,
    private readonly ctx: OutputContext,
    private readonly changed: () => void,
  ) {
    this.update();
  }

  slot(): WidgetSlot | null {
    return this.widgetSlot();
  }

  update(): void {
    this.teardown();
    this.widgetSlot = () => null;
    const out = readOutput(this.map);
    const body = safely(() => {
      switch (out.output_type) {
        case "display_data":
        case "execute_result": {
          const r = richOutput(out, this.ctx, this.changed);
          this.teardown = r.destroy;
          if (r.slot) this.widgetSlot = r.slot;
          return r.body;
        }
        case "error": {
          const text = out.traceback.length ? out.traceback.join("\n") : `${out.ename}: ${out.evalue}`;
          return h("pre", { class: "nw-error" }, ...ansiNodes(text));
        }
        case "stream":
          return h("pre", {}, out.text);
        case "unknown":
          return h("pre", { class: "nw-muted" }, `[unknown output ${out.raw.slice(0, 200)}]`);
      }
    });
    this.el.className = `nw-output nw-${out.output_type}`;
    clear(this.el);
    this.el.appendChild(body);
  }

  destroy(): void {
    this.teardown();
  }
}

/** What an output drawn by code is shown in (view/frame.ts, widget-output.ts, canvas-output.ts, gl-output.ts). */
const STATEFUL = "iframe, canvas, .nw-widget-slot, .nw-widget-pending, .nw-canvas-output, .nw-gl-output";

/**
 * One ResizeObserver for every output area, which first has each area read its list's
 * sizes and then has each show or hide its "show all" button: with an observer of their
 * own, every area's read forced a layout after the write of the one before, once per
 * area built in the frame. An area's check is given its new height and returns its write.
 */
const overflowChecks = new WeakMap<Element, (height: number) => () => void>();
let overflowObserver: ResizeObserver | null = null;

function watchOverflow(el: HTMLElement, check: (height: number) => () => void): void {
  overflowObserver ??= new ResizeObserver((entries) => {
    const writes = entries.map((e) => overflowChecks.get(e.target)?.(e.borderBoxSize[0]?.blockSize ?? 0));
    for (const write of writes) write?.();
  });
  overflowChecks.set(el, check);
  overflowObserver.observe(el);
}

function unwatchOverflow(el: HTMLElement): void {
  overflowObserver?.unobserve(el);
  overflowChecks.delete(el);
}

/** How the user left an output area: what a rebuilt one restores (view/cell-view.ts). */
export interface OutputsState {
  readonly expanded: boolean;
  readonly scrollTop: number;
  /** Its height in the page (px; 0 when never laid out). */
  readonly height: number;
}

export class OutputArea implements Disposable {
  readonly el = h("div", { class: "nw-outputs" });
  private readonly list = h("div", { class: "nw-output-list" });
  private readonly more = h("button", { class: "nw-show-all", type: "button" }, "show all");
  private readonly droppedNote = h("div", { class: "nw-dropped" });
  private readonly inputBox = h("div", { class: "nw-input-request" });
  private views = new Map<OutputMap, OutputView>();
  private order: OutputMap[] = [];
  private dirty = new Set<OutputMap>();
  private structural = true;
  private frame = 0;
  private expanded = false;
  /** A scroll position to restore once the list has been laid out (`restore`). */
  private scrollTo = 0;
  /**
   * The list's scroll position, as its scroll events left it: read when the area goes,
   * with no layout (reading `scrollTop` then forced one per area taken down).
   */
  private scrolled = 0;
  /** The area's height when last laid out (px), for the place it leaves (`state`). */
  private height = 0;
  private input: InputRequest | null = null;
  private outputsDropped = 0;
  private readonly widgets = new WidgetRuns();
  /** A widget output's model came: its run is arranged again at the next render. */
  private readonly widgetCame = (): void => this.schedule();

  constructor(
    private outputs: Y.Array<OutputMap>,
    private readonly ctx: OutputContext,
  ) {
    this.el.append(this.droppedNote, this.list, this.more, this.inputBox);
    this.more.hidden = true;
    this.more.addEventListener("click", () => {
      this.expanded = !this.expanded;
      this.el.classList.toggle("nw-expanded", this.expanded);
      this.more.textContent = this.expanded ? "collapse" : "show all";
    });
    this.list.addEventListener("scroll", () => (this.scrolled = this.list.scrollTop), { passive: true });
    watchOverflow(this.el, (height) => {
      this.height = height;
      return this.checkOverflow();
    });
    outputs.observeDeep(this.onChange);
    this.render();
  }

  private readonly onChange = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    for (const e of events) {
      if (e.target === this.outputs) this.structural = true;
      else {
        // A change inside one output (stream text, display update): find that output.
        let t: Y.AbstractType<unknown> | null = e.target;
        while (t && t.parent !== this.outputs) t = t.parent as Y.AbstractType<unknown> | null;
        if (t) this.dirty.add(t as OutputMap);
      }
    }
    this.schedule();
  };

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** The document's outputs Array was replaced (cell type change): follow the new one. */
  rebind(outputs: Y.Array<OutputMap>): void {
    if (outputs === this.outputs) return;
    this.outputs.unobserveDeep(this.onChange);
    this.outputs = outputs;
    outputs.observeDeep(this.onChange);
    this.structural = true;
    this.schedule();
  }

  setOutputsDropped(n: number): void {
    if (n === this.outputsDropped) return;
    this.outputsDropped = n;
    this.droppedNote.textContent = n > 0 ? `… ${n.toLocaleString()} earlier outputs dropped` : "";
  }

  /** Re-renders every output (the trust of the cell changed). */
  refresh(): void {
    for (const v of this.views.values()) v.destroy();
    this.views.clear();
    clear(this.list);
    this.structural = true;
    this.render();
  }

  private render(): void {
    if (this.structural) {
      this.structural = false;
      const next = this.outputs.toArray();
      const keep = new Set(next);
      for (const [map, view] of this.views) {
        if (!keep.has(map)) {
          view.destroy();
          view.el.remove();
          this.views.delete(map);
        }
      }
      let prev: Node | null = null;
      for (const map of next) {
        let view = this.views.get(map);
        if (!view) {
          view = streamChunks(map) !== null && map.get("output_type") === "stream" ? new StreamView(map, this.ctx) : new RichView(map, this.ctx, this.widgetCame);
          this.views.set(map, view);
          this.dirty.delete(map);
        }
        const want: ChildNode | null = prev ? prev.nextSibling : this.list.firstChild;
        if (want !== view.el) this.list.insertBefore(view.el, want);
        prev = view.el;
      }
      this.order = next;
    }
    for (const map of this.dirty) this.views.get(map)?.update();
    this.dirty.clear();
    this.widgets.arrange(this.order.map((m) => this.views.get(m)?.slot() ?? null));
    this.el.classList.toggle("nw-empty", this.order.length === 0 && this.input === null);
  }

  /** The element of the output at `index` (as rendered now), or null. */
  outputEl(index: number): HTMLElement | null {
    const map = this.order[index];
    return (map && this.views.get(map)?.el) || null;
  }

  /** Shows every output, as "show all" does (a match below the fold is to be seen). */
  expand(): void {
    if (this.expanded) return;
    this.more.click();
  }

  /** Reads the list's sizes (laid out: `watchOverflow`); returns what to change. */
  private checkOverflow(): () => void {
    const over = this.list.scrollHeight > this.list.clientHeight + 1;
    // Once laid out (a cell skipped off screen has no size yet).
    const laidOut = this.list.clientHeight > 0;
    return () => {
      const hidden = !(over || this.expanded);
      if (this.more.hidden !== hidden) this.more.hidden = hidden;
      if (this.scrollTo && laidOut) {
        if (over) this.list.scrollTop = this.scrollTo;
        this.scrollTo = 0;
      }
    };
  }

  /**
   * Whether the outputs hold state that building them again would lose: an input()
   * prompt, or anything drawn by code (widgets, live figures, sandboxed HTML and
   * scripts), which lives in frames and canvases.
   */
  holdsState(): boolean {
    return this.input !== null || this.list.querySelector(STATEFUL) !== null;
  }

  state(): OutputsState {
    return { expanded: this.expanded, scrollTop: this.scrollTo || this.scrolled, height: this.height };
  }

  /** Puts a new area back the way `state` found an earlier one. */
  restore(s: OutputsState): void {
    if (s.expanded) this.expand();
    this.scrollTo = s.scrollTop;
  }

  /** Shows (or removes, with null) an input() prompt under the outputs. */
  setInput(req: InputRequest | null): void {
    if (req?.request === this.input?.request) return;
    this.input = req;
    clear(this.inputBox);
    if (req) {
      const field = h("input", {
        class: "nw-input-field",
        type: req.password ? "password" : "text",
        autocomplete: "off",
        spellcheck: "false",
        "aria-label": req.prompt || "input",
      });
      field.addEventListener("keydown", (ev) => {
        ev.stopPropagation();
        if (ev.key === "Enter") {
          this.ctx.reply(req.request, field.value);
          field.disabled = true;
        }
      });
      this.inputBox.append(h("label", { class: "nw-input-prompt" }, req.prompt, field));
      requestAnimationFrame(() => field.focus());
    }
    this.el.classList.toggle("nw-empty", this.order.length === 0 && req === null);
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.outputs.unobserveDeep(this.onChange);
    unwatchOverflow(this.el);
    for (const v of this.views.values()) v.destroy();
    this.views.clear();
    this.widgets.destroy();
  }
}
