// One cell on the notebook page. Until it comes near the screen a cell shows its source
// as plain text (same font and size as the editor, so nothing moves) and leaves its
// outputs unrendered; the editor and the outputs are built when it first comes near.
// When it leaves the screen again the editor goes (`makeLight`: every editor has
// document-wide listeners and observers that each keystroke pays for), and what the user
// would miss of it is kept for the next one: the undo history, the selection and the
// find query. Its outputs go too, unless they hold state of their own (see
// `dropOutputs`): a reader who paged through the notebook otherwise left every output
// in the page, and each keystroke's paint, layerize and garbage collection grew with it.
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import {
  asObject,
  cellOutputs,
  cellSource,
  elapsedSeconds,
  executionTiming,
  formatElapsed,
  readCell,
  type CellInfo,
  type CellMap,
} from "../model/document";
import type { InputRequest } from "../model/protocol";
import { clear, h, type Disposable } from "./dom";
import { estimateCellHeight } from "../model/estimate";
import { createEditor, type CellEditor, type EditorSnapshot, type KernelHelp } from "./editor";
import { showHighlightedPython } from "./highlight";
import { renderMarkdown } from "./markdown";
import { fullOutputUrl } from "./api";
import { whenIdle } from "./idle";
import { OutputArea, type OutputsState } from "./outputs";
import type { Placed } from "./cell-list";
import { outputText, type Match } from "../model/notebook-search";
import { rangeOfMatch, showFound } from "./text-highlight";

export interface CellHost {
  awareness(): Awareness;
  readonly help: KernelHelp;
  readonly dir: string;
  /** The notebook's path under the root. */
  readonly path: string;
  /** True while this markdown cell shows its source. */
  isUnrendered(id: string): boolean;
  /** True while the user edits this cell (the active cell in edit mode). */
  isEditing(id: string): boolean;
  editorFocused(id: string): void;
  /** The cell's fields changed (run state, trust, outputs replaced). */
  changed(): void;
  /** Double-click on a rendered markdown cell. */
  editRequested(id: string): void;
  reply(request: string, value: string): void;
}

const RUN_MARKS: Record<string, string> = { queued: "*", running: "*" };

export class CellView implements Disposable {
  readonly el: HTMLElement;
  readonly id: string;
  private info: CellInfo;
  private readonly prompt = h("div", { class: "nw-prompt" });
  private readonly timing = h("div", { class: "nw-timing" });
  private readonly input = h("div", { class: "nw-input" });
  private readonly outputsSlot = h("div", { class: "nw-outputs-slot" });
  private editor: CellEditor | null = null;
  private rendered: HTMLElement | null = null;
  private staticSource: HTMLElement | null = null;
  private outputs: OutputArea | null = null;
  /** The outputs are built. */
  private live = false;
  /** How the user left the outputs last dropped (`dropOutputs`), for the next build. */
  private outputsState: OutputsState | null = null;
  /** The cell is near the screen: its outputs are built, its editor is wanted. */
  private near = false;
  /**
   * The source shows in an editor, not its light form. Built after `near`, when the
   * page is idle (`buildEditor`: view/cell-list.ts), or at once when the keyboard or
   * find needs it (`ensureEditor`).
   */
  private editorOn = false;
  /** The cell text's undo history, kept while the editor comes and goes. */
  private undoManager: Y.UndoManager | null = null;
  /** What the last editor left (`makeLight`), for the next one. */
  private snapshot: EditorSnapshot | null = null;
  private pendingInput: InputRequest | null = null;
  /**
   * Until the outputs are built, their text sits in a `hidden=until-found` element: the
   * browser's own find (from its menu) finds it there, and shows the match by building
   * the cell (`beforematch`). Filled when the page is idle (`prepareFindable`).
   */
  private findable: HTMLElement | null = null;
  private findableText = "";
  private cancelFindable: (() => void) | null = null;
  private sourceFrame = 0;
  /** The cell's source, held from the start: a deleted cell's Map no longer reads. */
  private readonly source: Y.Text;

  constructor(
    readonly map: CellMap,
    private readonly host: CellHost,
  ) {
    this.info = readCell(map);
    this.id = this.info.id;
    this.source = cellSource(map);
    const handle = h("div", { class: "nw-drag", draggable: "true", title: "drag to move", "aria-hidden": "true" }, "⋮⋮");
    this.el = h(
      "div",
      { class: "nw-cell", "data-id": this.id },
      h("div", { class: "nw-gutter" }, handle, this.prompt, this.timing),
      h("div", { class: "nw-body" }, this.input, this.outputsSlot),
    );
    map.observe(this.onMap);
    this.source.observe(this.onSource);
    this.update();
    this.showInput();
  }

  get cellType() {
    return this.info.cell_type;
  }

  get isLive(): boolean {
    return this.near;
  }

  get hasEditor(): boolean {
    return this.editor !== null;
  }

  /** Near the screen, and still showing its source as plain text. */
  get wantsEditor(): boolean {
    return this.near && this.editor === null && this.rendered === null;
  }

  /** Swaps the source's plain text for the editor (the cell is near the screen). */
  buildEditor(): void {
    if (!this.near || this.editorOn) return;
    this.editorOn = true;
    this.showInput();
  }

  getEditor(): CellEditor | null {
    return this.editor;
  }

  /** Builds the outputs: the cell is on (or near) the screen. Its editor comes next. */
  makeLive(): void {
    if (this.near) return;
    this.near = true;
    this.showInput();
    if (this.live) return;
    this.live = true;
    this.el.classList.add("nw-live");
    this.dropFindable();
    this.syncOutputs();
  }

  /**
   * Puts the source back in its light form (the cell left the screen). Returns false,
   * and keeps the editor, while the user is in it: focused, or the cell being edited.
   */
  makeLight(): boolean {
    if (!this.near) return true;
    const editor = this.editor;
    if (editor && (editor.view.dom.contains(document.activeElement) || this.host.isEditing(this.id))) return false;
    this.near = false;
    this.editorOn = false;
    if (editor) {
      this.dropEditor();
      this.showInput();
    }
    this.dropOutputs();
    return true;
  }

  /**
   * Takes the built outputs out of the page (the cell is far off screen), keeping how
   * the user left them (shown in full, scrolled). The cell keeps its height: their place
   * keeps theirs (the list has the cell laid out once more without them, view/cell-list.ts,
   * and the browser remembers the height it last drew a skipped cell at), and they are
   * built again before the cell comes near the screen. Outputs with state of their own
   * stay: an input() prompt, and those drawn by code (live figures, widgets, sandboxed
   * HTML and scripts: frames and canvases).
   */
  private dropOutputs(): void {
    const area = this.outputs;
    if (!this.live || this.pendingInput || area?.holdsState()) return;
    if (area) {
      this.outputsState = area.state();
      if (this.outputsState.height > 0) this.outputsSlot.style.minHeight = `${this.outputsState.height}px`;
      area.destroy();
      area.el.remove();
      this.outputs = null;
    }
    this.live = false;
    this.el.classList.remove("nw-live");
    this.scheduleFindable();
  }

  /** Editor for the cell now, live or not (keyboard focus needs it). */
  ensureEditor(): CellEditor {
    this.makeLive();
    this.editorOn = true;
    if (!this.editor) this.showInput(true);
    return this.editor!;
  }

  /**
   * Shows find's match in this cell, built at once: in the editor for a source (the
   * cell's other source matches marked too), else in the rendered markdown or the
   * output. Returns where the match is, to scroll it into view.
   */
  showMatch(match: Match, re: RegExp, sourceMatches: readonly Match[]): Placed {
    this.makeLive();
    showFound(null);
    this.editor?.showFound([], -1);
    if (match.output === null) {
      if (this.rendered) {
        const range = rangeOfMatch(this.rendered, re, match.nth);
        showFound(range);
        return range ?? this.rendered;
      }
      const editor = this.ensureEditor();
      editor.showFound(sourceMatches, sourceMatches.indexOf(match));
      const view = editor.view;
      return {
        getBoundingClientRect: () => {
          const c = view.coordsAtPos(Math.min(match.from, view.state.doc.length));
          return c ? new DOMRect(c.left, c.top, c.right - c.left, c.bottom - c.top) : this.el.getBoundingClientRect();
        },
      };
    }
    const el = this.outputs?.outputEl(match.output) ?? null;
    if (!el) return this.el;
    const range = rangeOfMatch(el, re, match.nth);
    showFound(range);
    if (range) {
      const list = el.parentElement!;
      if (range.getBoundingClientRect().bottom > list.getBoundingClientRect().bottom) this.outputs!.expand();
    }
    return range ?? el;
  }

  /** Takes find's marks out of this cell. */
  clearFound(): void {
    this.editor?.showFound([], -1);
  }

  /** The element of the markdown heading at `index` in this cell, when rendered. */
  headingEl(index: number): HTMLElement | null {
    return (this.rendered?.querySelectorAll<HTMLElement>("h1, h2, h3, h4, h5, h6")[index] as HTMLElement | undefined) ?? null;
  }

  /** The cell's (first) error output, built at once. */
  errorEl(): HTMLElement | null {
    this.makeLive();
    return this.outputs?.el.querySelector<HTMLElement>(".nw-error") ?? null;
  }

  /** Puts the text of the outputs not built yet where the browser's find finds it. */
  prepareFindable(): void {
    if (this.live || this.info.cell_type !== "code") return this.dropFindable();
    const outputs = cellOutputs(this.map)?.toArray() ?? [];
    const text = outputs.map((o) => outputText(o, this.info.trusted)).filter((t) => t !== "").join("\n");
    if (!text) return this.dropFindable();
    if (!this.findable) {
      this.findable = h("div", { class: "nw-findable", hidden: "until-found" });
      // The browser found text here and is about to show it: show the real outputs.
      this.findable.addEventListener("beforematch", () => requestAnimationFrame(() => this.makeLive()));
      this.outputsSlot.appendChild(this.findable);
    }
    if (text !== this.findableText) this.findable.textContent = text;
    this.findableText = text;
  }

  /** Fills the findable text when the page is idle (the outputs are not built). */
  private scheduleFindable(): void {
    if (this.cancelFindable) return;
    this.cancelFindable = whenIdle(() => {
      this.cancelFindable = null;
      this.prepareFindable();
    }, 10_000);
  }

  private dropFindable(): void {
    this.cancelFindable?.();
    this.cancelFindable = null;
    this.findable?.remove();
    this.findable = null;
    this.findableText = "";
  }

  private readonly onMap = (e: Y.YMapEvent<unknown>): void => {
    const before = this.info;
    this.info = readCell(this.map);
    if (e.keysChanged.has("cell_type") && before.cell_type !== this.info.cell_type) {
      this.editor?.setType(this.info.cell_type);
      this.showInput();
    }
    if (e.keysChanged.has("outputs") || e.keysChanged.has("cell_type")) this.syncOutputs();
    else if (e.keysChanged.has("outputs_dropped")) this.outputs?.setOutputsDropped(this.info.outputs_dropped);
    if (before.trusted !== this.info.trusted) this.outputs?.refresh();
    this.update();
    this.host.changed();
  };

  private readonly onSource = (): void => {
    if (this.editor || this.sourceFrame) return;
    this.sourceFrame = requestAnimationFrame(() => {
      this.sourceFrame = 0;
      if (!this.editor) this.showInput();
    });
  };

  /** Re-evaluates how the source is shown: editor, rendered markdown, or plain text. */
  showInput(forceEditor = false): void {
    const type = this.info.cell_type;
    const wantRendered = type === "markdown" && !this.host.isUnrendered(this.id) && !forceEditor;
    if (wantRendered) {
      this.dropEditor();
      this.staticSource?.remove();
      this.staticSource = null;
      this.rendered?.remove();
      const source = this.source.toString();
      if (!this.live) this.estimate(source);
      this.rendered = source.trim()
        ? renderMarkdown(source, { dir: this.host.dir, attachments: asObject(this.map.get("attachments")) })
        : h("div", { class: "nw-markdown nw-muted" }, "empty markdown cell: double-click to edit");
      this.rendered.addEventListener("dblclick", () => this.host.editRequested(this.id));
      this.input.appendChild(this.rendered);
      this.el.classList.add("nw-rendered");
      return;
    }
    this.el.classList.remove("nw-rendered");
    this.rendered?.remove();
    this.rendered = null;
    if (this.editorOn || forceEditor) {
      if (!this.editor) {
        this.staticSource?.remove();
        this.staticSource = null;
        clear(this.input);
        this.undoManager ??= new Y.UndoManager(this.source);
        this.editor = createEditor({
          parent: this.input,
          text: this.source,
          awareness: this.host.awareness(),
          type,
          help: this.host.help,
          onFocus: () => this.host.editorFocused(this.id),
          undoManager: this.undoManager,
          restore: this.snapshot,
        });
        this.snapshot = null;
      }
      return;
    }
    const text = this.source.toString();
    this.estimate(text);
    if (!this.staticSource) {
      this.staticSource = h("pre", { class: "nw-static-source" });
      this.input.appendChild(this.staticSource);
    }
    const shown = text.endsWith("\n") || text === "" ? `${text} ` : text;
    // Near the screen, the code is seen before its editor comes (it is built when the
    // page is idle): coloured as the editor will colour it. Far from it, plain text.
    if (this.near && type === "code") showHighlightedPython(this.staticSource, shown);
    else this.staticSource.textContent = shown;
  }

  /** The height the cell takes until the browser has drawn it once (notewire.css). */
  private estimate(source: string): void {
    const outputs = this.info.cell_type === "code" ? cellOutputs(this.map) : null;
    this.el.style.setProperty("--nw-est", `${estimateCellHeight(source, this.info.cell_type, outputs)}px`);
  }

  private dropEditor(): void {
    if (!this.editor) return;
    this.snapshot = this.editor.snapshot();
    this.editor.destroy();
    this.editor = null;
    clear(this.input);
    // An undo history with nothing in it is not worth its listener on the document.
    const undo = this.undoManager;
    if (undo && undo.undoStack.length === 0 && undo.redoStack.length === 0) {
      undo.destroy();
      this.undoManager = null;
    }
  }

  private syncOutputs(): void {
    const outputs = this.info.cell_type === "code" ? cellOutputs(this.map) : null;
    if (!outputs) {
      this.outputs?.destroy();
      this.outputs = null;
      clear(this.outputsSlot);
      return;
    }
    if (!this.live) {
      this.outputsSlot.style.minHeight = "";
      this.estimate(this.source.toString());
      if (this.findable) this.scheduleFindable();
      return;
    }
    if (this.outputs) {
      this.outputs.rebind(outputs);
    } else {
      this.outputs = new OutputArea(outputs, {
        trusted: () => this.info.trusted,
        dir: this.host.dir,
        reply: (r, v) => this.host.reply(r, v),
        fullOutput: (view) => fullOutputUrl(this.host.path, this.id, view),
      });
      this.outputsSlot.style.minHeight = "";
      this.outputsSlot.appendChild(this.outputs.el);
      if (this.outputsState) this.outputs.restore(this.outputsState);
      this.outputsState = null;
    }
    this.outputs.setOutputsDropped(this.info.outputs_dropped);
    this.outputs.setInput(this.pendingInput);
  }

  setInputRequest(req: InputRequest | null): void {
    this.pendingInput = req;
    if (req) this.makeLive();
    this.outputs?.setInput(req);
  }

  /** Updates the prompt, run marker and elapsed time. Called on changes and by the page's clock. */
  update(now: Date = new Date()): void {
    const i = this.info;
    this.el.dataset["type"] = i.cell_type;
    this.el.dataset["state"] = i.run_state;
    this.el.classList.toggle("nw-untrusted", !i.trusted);
    if (i.cell_type !== "code") {
      this.prompt.textContent = "";
      this.timing.textContent = "";
      return;
    }
    const mark = RUN_MARKS[i.run_state] ?? (i.execution_count === null ? " " : String(i.execution_count));
    this.prompt.textContent = `[${mark}]`;
    this.prompt.title = i.run_state;
    const elapsed = elapsedSeconds(executionTiming(i.metadata), now);
    this.timing.textContent =
      i.run_state === "queued" ? "queued" : elapsed === null ? "" : formatElapsed(elapsed);
  }

  get running(): boolean {
    return this.info.run_state === "running";
  }

  destroy(): void {
    if (this.sourceFrame) cancelAnimationFrame(this.sourceFrame);
    this.map.unobserve(this.onMap);
    this.source.unobserve(this.onSource);
    this.dropEditor();
    this.dropFindable();
    this.undoManager?.destroy();
    this.outputs?.destroy();
  }
}
