// The notebook page: header, toolbar, banners, and the cells. It owns the keyboard state
// (model/keyboard.ts) and carries out its actions on the document (model/ops.ts) and
// over the connection (net/client.ts). Cells are views over the shared document.
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { cellId, cellOutputs, cellsOf, cellType, type CellMap, type CellType } from "../model/document";
import {
  activate,
  editCell,
  handleKey,
  initialKeyState,
  reconcile,
  selectedIds,
  setUnrendered,
  type Action,
  type CellRef,
  type KeyState,
} from "../model/keyboard";
import {
  cellIds,
  clearOutputs,
  copyCells,
  deleteCells,
  indexOfCell,
  insertCell,
  insertCells,
  mergeCells,
  moveCells,
  newCellId,
  setCellType,
  splitCell,
  type CellJSON,
} from "../model/ops";
import type { FileMessage, ServerMessage } from "../model/protocol";
import { kernelLabel, looksConnected, type SessionState } from "../model/session";
import { createCellUndo, type CellUndo } from "../model/undo";
import { NotebookClient, notebookSocketURL } from "../net/client";
import { documentToNotebook } from "../net/notebook-file";
import { api, contents, encodePath, kernelSpecs } from "./api";
import { enableCellDrag } from "./cell-drag";
import { CellList } from "./cell-list";
import { CellView, type CellHost } from "./cell-view";
import { ConnectionBanner } from "./connection-banner";
import { attachCanvasComms } from "./canvas-output";
import { attachGlComms } from "./gl-output";
import { attachWidgetHost } from "./widget-host";
import { choose, confirm, prompt, showShortcuts, toast } from "./dialogs";
import { afterPaint, h, toolButton } from "./dom";
import { attachAnchors, followAnchor } from "./anchors";
import { FindPanel } from "./find-panel";
import type { NotebookNav } from "./nav";
import { TocPanel } from "./toc-panel";
import { exportMenu } from "./export-menu";
import { url } from "../net/urls";

const USER_COLORS = ["#d1495b", "#edae49", "#00798c", "#30638e", "#6a4c93", "#2a9d8f", "#e76f51", "#8ab17d"];

function localUser(): { name: string; color: string } {
  const key = "notewire.user";
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? "null") as { name: string; color: string } | null;
    if (saved?.name && saved.color) return saved;
  } catch {
    // fall through to a new identity
  }
  const n = Math.floor(Math.random() * 10000);
  const user = { name: `user-${n}`, color: USER_COLORS[n % USER_COLORS.length]! };
  try {
    localStorage.setItem(key, JSON.stringify(user));
  } catch {
    // private mode: an identity for this page only
  }
  return user;
}

function isTextField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.closest(".cm-editor")) return false;
  return t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || t.closest("dialog") !== null;
}

export class NotebookPage {
  private readonly client: NotebookClient;
  private readonly banner: ConnectionBanner;
  private doc: Y.Doc;
  private undo: CellUndo;
  private keys: KeyState = initialKeyState([]);
  private views = new Map<CellMap, CellView>();
  private order: CellView[] = [];
  private clipboard: CellJSON[] = [];
  private readonly list = new CellList(); // the cells' elements (view/cell-list.ts)
  private readonly trustBar = h("div", { class: "nw-banner nw-trust", hidden: true });
  private readonly notice = h("div", { class: "nw-banner nw-notice", role: "alert", hidden: true });
  /** Shown while the notebook's file is deleted on the server. */
  private readonly deletedBar = h("div", { class: "nw-banner nw-deleted", role: "alert", hidden: true });
  private readonly saveAgainButton = toolButton("Save it again", "write this page's copy back to the file (Ctrl-S)", () =>
    void this.saveAgain(),
  );
  /** Edits made in this tab while it was not in sync with the server. */
  private offlineEdits = false;
  private readonly saveEl = h("span", { class: "nw-save", "aria-live": "polite" });
  private readonly kernelEl = h("span", { class: "nw-kernel" });
  private readonly kernelSelect = h("select", { class: "nw-kernel-select", title: "kernel" });
  private readonly typeSelect = h("select", { class: "nw-type-select", title: "cell type" });
  private readonly nameEl = h("button", { class: "nw-name", type: "button", title: "rename" });
  private refsCache: CellRef[] | null = null;
  private observedCells: Y.Array<CellMap> | null = null;
  private conflictOpen = false;
  private lastError: string | null = null;
  private scrollPending = false;
  private trustFrame = 0;
  /** Find and replace, the table of contents: tools over the whole document. */
  private readonly find: FindPanel;
  private readonly toc: TocPanel;
  private hashFollowed = false;

  constructor(
    private readonly root: HTMLElement,
    private path: string,
  ) {
    // Edits and cursor moves go out after the frame that shows them (one message per
    // frame, and the keystroke's frame is not delayed by sending it).
    this.client = new NotebookClient({ url: notebookSocketURL(path, location), path, schedule: afterPaint });
    this.banner = new ConnectionBanner(this.client);
    attachCanvasComms(this.client); // live figures (view/canvas-output.ts)
    attachGlComms(this.client); // plots drawn in the page (view/gl-output.ts)
    attachWidgetHost(this.client); // Jupyter widgets (view/widget-host.ts)
    this.doc = this.client.doc;
    this.undo = createCellUndo(this.doc);
    this.client.awareness.setLocalStateField("user", localUser());
    const nav = this.nav();
    this.find = new FindPanel(nav);
    this.toc = new TocPanel(nav, this.root);
    attachAnchors(nav, this.list.el);
    this.buildChrome();
    this.bindDoc();
    this.client.subscribe({
      session: (s) => this.showSession(s),
      message: (m) => this.onMessage(m),
      file: (m) => this.onFile(m),
      reset: (doc) => this.onReset(doc),
      protocolError: (e) => console.warn("notewire protocol:", e.message),
      synced: () => this.onSynced(),
    });
    this.showSession(this.client.session);
    document.addEventListener("keydown", (ev) => this.onKey(ev), true);
    window.addEventListener("online", () => this.client.reconnectNow());
    window.addEventListener("beforeunload", (ev) => {
      if (this.client.session.connection !== "connected") {
        ev.preventDefault();
      }
    });
    window.addEventListener("pagehide", () => this.client.close());
    setInterval(() => this.tick(), 1000);
    // Exposed for tests and the benchmark: read-only views of the state.
    (window as unknown as { notewire: unknown }).notewire = {
      page: this,
      get doc() {
        return (this as { page: NotebookPage }).page.doc;
      },
    };
  }

  // --- layout ----------------------------------------------------------------------

  private buildChrome(): void {
    for (const t of ["code", "markdown", "raw"]) this.typeSelect.append(h("option", { value: t }, t));
    this.typeSelect.addEventListener("change", () => {
      this.run({ type: "set_type", ids: this.selected(), cell_type: this.typeSelect.value as CellType });
      this.list.el.focus();
    });
    this.kernelSelect.addEventListener("change", () => {
      const name = this.kernelSelect.value;
      if (name) this.client.send({ type: "change_kernel", name });
      this.list.el.focus();
    });
    this.nameEl.addEventListener("click", () => void this.rename());
    const runMenu = h(
      "details",
      { class: "nw-menu" },
      h("summary", { class: "nw-tool", title: "run and clear" }, "Run ▾"),
      h(
        "div",
        { class: "nw-menu-items" },
        toolButton("Run all", "run all cells", () => this.runAll("all")),
        toolButton("Run above", "run the cells above the active one", () => this.runAll("above")),
        toolButton("Run below", "run the active cell and all below", () => this.runAll("below")),
        toolButton("Restart and run all", "restart the kernel, then run all cells", () => void this.restart(true)),
        toolButton("Clear outputs", "clear the outputs of the selected cells", () => clearOutputs(this.doc, this.selected())),
        toolButton("Clear all outputs", "clear every output", () => clearOutputs(this.doc, cellIds(this.doc))),
      ),
    );
    runMenu.addEventListener("click", (ev) => {
      if ((ev.target as HTMLElement).closest(".nw-menu-items")) runMenu.open = false;
    });
    const toolbar = h(
      "div",
      { class: "nw-toolbar", role: "toolbar" },
      toolButton("Save", "save (Ctrl-S)", () => this.run({ type: "save" })),
      toolButton("+", "insert a cell below (B)", () => this.key("b")),
      toolButton("Cut", "cut cells (X)", () => this.key("x")),
      toolButton("Copy", "copy cells (C)", () => this.key("c")),
      toolButton("Paste", "paste cells below (V)", () => this.key("v")),
      toolButton("↑", "move cells up", () => this.moveSelection(-1)),
      toolButton("↓", "move cells down", () => this.moveSelection(1)),
      toolButton("▶", "run and select below (Shift-Enter)", () => this.key("Enter", { shift: true }), "nw-run"),
      toolButton("■", "interrupt the kernel (I, I)", () => this.client.send({ type: "interrupt" }), "nw-interrupt"),
      toolButton("↻", "restart the kernel (0, 0)", () => void this.restart(false), "nw-restart"),
      toolButton("↻▶", "restart the kernel and run all cells", () => void this.restart(true)),
      runMenu,
      exportMenu(() => [this.path], "download this notebook as HTML, PDF, a script or markdown"),
      this.typeSelect,
      toolButton("?", "keyboard shortcuts (H)", () => void showShortcuts()),
      toolButton("Find", "find and replace in the notebook (Ctrl-F)", () => this.find.open()),
      this.toc.button,
    );
    const header = h(
      "header",
      { class: "nw-header" },
      h("a", { class: "nw-home", href: "/", title: "files" }, "notewire"),
      this.nameEl,
      this.saveEl,
      h("span", { class: "nw-spacer" }),
      this.kernelEl,
      this.kernelSelect,
    );
    this.list.el.addEventListener("mousedown", (ev) => this.onMouseDown(ev));
    this.list.el.addEventListener("click", (ev) => this.onClick(ev));
    enableCellDrag(this.list.el, {
      selected: () => this.selected(),
      cellEl: (id) => this.viewOf(id)?.el,
      cellIds: () => cellIds(this.doc),
      move: (ids, index) => moveCells(this.doc, ids, index),
    });
    const addBottom = h(
      "button",
      { type: "button", class: "nw-add-cell", title: "add a code cell at the end" },
      "+ code",
    );
    addBottom.addEventListener("click", () => {
      const id = insertCell(this.doc, cellsOf(this.doc).length, "code");
      this.keys = activate(this.keys, this.refs(), id, { mode: "edit" });
      this.afterActions([{ type: "focus_editor", id, cursor: "start" }]);
    });
    this.root.append(
      header,
      toolbar,
      this.banner.el,
      this.deletedBar,
      this.notice,
      this.trustBar,
      this.find.el,
      this.toc.el,
      h("main", { class: "nw-main" }, this.list.el, addBottom),
    );
    this.nameEl.textContent = this.path.split("/").pop() ?? this.path;
    document.title = `${this.nameEl.textContent} - notewire`;
    void this.loadKernelSpecs();
  }

  private async loadKernelSpecs(): Promise<void> {
    try {
      const specs = await kernelSpecs();
      this.kernelSelect.replaceChildren(
        h("option", { value: "" }, "change kernel…"),
        ...Object.values(specs.kernelspecs).map((k) => h("option", { value: k.name }, k.spec.display_name || k.name)),
      );
    } catch (e) {
      this.kernelSelect.hidden = true;
      console.warn("kernelspecs:", e);
    }
  }

  // --- the document ----------------------------------------------------------------

  private bindDoc(): void {
    this.doc.on("update", (_update: Uint8Array, origin: unknown) => {
      if (origin !== this.client && this.client.session.connection !== "connected") this.offlineEdits = true;
    });
    this.observedCells?.unobserve(this.onCells);
    this.observedCells = cellsOf(this.doc);
    this.refsCache = null;
    this.observedCells.observe(this.onCells);
    this.syncCells();
  }

  private readonly onCells = (): void => {
    this.refsCache = null;
    this.syncCells();
  };

  private onReset(doc: Y.Doc): void {
    for (const v of this.views.values()) v.destroy();
    this.views.clear();
    this.order = [];
    this.list.clear();
    this.undo.destroy();
    this.doc = doc;
    this.undo = createCellUndo(doc);
    this.client.awareness.setLocalStateField("user", localUser());
    this.bindDoc();
    this.find.reset();
    this.toc.reset();
    if (this.offlineEdits) {
      this.offlineEdits = false;
      this.showNotice(
        "The notebook was reloaded on the server (it restarted, or the file changed on disk) while this page was " +
          "disconnected. The edits you made while disconnected could not be kept: this is the notebook as the server has it.",
      );
    }
  }

  private showNotice(text: string): void {
    const close = toolButton("Dismiss", "hide this notice", () => {
      this.notice.hidden = true;
    });
    this.notice.replaceChildren(h("span", {}, text, " "), close);
    this.notice.hidden = false;
  }

  private onSynced(): void {
    this.offlineEdits = false;
    if (!this.hashFollowed) {
      // An address with a #heading (a link from elsewhere) opens at that heading.
      this.hashFollowed = true;
      if (location.hash) followAnchor(this.nav(), location.hash);
    }
    if (cellsOf(this.doc).length === 0) {
      // A new (or emptied) notebook starts with one empty code cell, as in Jupyter.
      const id = insertCell(this.doc, 0, "code");
      this.undo.destroy(); // not a step the user can undo
      this.undo = createCellUndo(this.doc);
      this.keys = activate(initialKeyState(this.refs()), this.refs(), id);
      this.applyKeys();
      return;
    }
    if (this.keys.active === null && this.order.length > 0) {
      this.keys = reconcile(initialKeyState(this.refs()), this.refs());
      this.applyKeys();
    }
  }

  /** The cells' ids and types, in order (cached until the list or a cell's type changes). */
  private refs(): CellRef[] {
    this.refsCache ??= cellsOf(this.doc)
      .toArray()
      .map((c) => ({ id: cellId(c), cell_type: cellType(c) }));
    return this.refsCache;
  }

  private selected(): string[] {
    return selectedIds(this.keys, this.refs());
  }

  /** Keeps one CellView per cell Map, in document order (a moved cell is a new Map). */
  private syncCells(): void {
    const maps = cellsOf(this.doc).toArray();
    const keep = new Set(maps);
    const focusedId = this.keys.mode === "edit" ? this.keys.active : null;
    const hadFocus = focusedId !== null && document.activeElement?.closest(".nw-cell") != null;
    for (const [map, view] of this.views) {
      if (!keep.has(map)) {
        view.destroy();
        view.el.remove();
        this.views.delete(map);
      }
    }
    const host = this.cellHost();
    this.order = maps.map((map) => {
      let view = this.views.get(map);
      if (!view) {
        view = new CellView(map, host);
        this.views.set(map, view);
      }
      return view;
    });
    this.list.arrange(this.order);
    const before = this.keys;
    this.keys = reconcile(this.keys.active === null ? initialKeyState(this.refs()) : this.keys, this.refs());
    this.applyKeys(before.active !== this.keys.active);
    // A cell moved under the cursor is a new editor: put the cursor back in it.
    if (hadFocus && focusedId && this.keys.mode === "edit" && document.activeElement?.closest(".nw-cell") == null) {
      this.viewOf(focusedId)?.ensureEditor().focus("keep");
    }
    this.showInput(this.client.session);
    this.showTrust();
  }

  private cellHost(): CellHost {
    const page = this; // for the getter below
    return {
      awareness: (): Awareness => this.client.awareness,
      help: {
        complete: (code, cursor_pos) => this.client.request({ type: "complete", code, cursor_pos }),
        inspect: (code, cursor_pos) => this.client.request({ type: "inspect", code, cursor_pos, detail_level: 0 }),
      },
      // A getter: the notebook may be renamed into another folder while its cells live.
      get dir() {
        return page.path.includes("/") ? page.path.slice(0, page.path.lastIndexOf("/")) : "";
      },
      get path() {
        return page.path;
      },
      isUnrendered: (id) => this.keys.unrendered.has(id),
      isEditing: (id) => this.keys.mode === "edit" && this.keys.active === id,
      editorFocused: (id) => {
        if (this.keys.mode === "edit" && this.keys.active === id) return;
        this.keys = activate(this.keys, this.refs(), id, { mode: "edit" });
        this.applyKeys();
      },
      changed: () => {
        this.refsCache = null;
        if (this.trustFrame) return;
        this.trustFrame = requestAnimationFrame(() => {
          this.trustFrame = 0;
          this.showTrust();
        });
      },
      editRequested: (id) => {
        const r = editCell(this.keys, this.refs(), id);
        this.keys = r.state;
        this.afterActions(r.actions);
      },
      reply: (request, value) => this.client.send({ type: "input_reply", request, value }),
    };
  }

  /** What find, the table of contents and links need of the page (view/nav.ts). */
  private nav(): NotebookNav {
    const page = this; // for the getter below
    return {
      get doc() {
        return page.doc;
      },
      reveal: (id, place) => {
        const view = this.viewOf(id);
        if (!view) return null;
        this.keys = activate(this.keys, this.refs(), id, { mode: "command" });
        this.applyKeys();
        view.makeLive();
        const target = place?.(view) ?? null;
        this.list.reveal(view, () => target);
        return view;
      },
      activeIndex: () => Math.max(0, this.order.findIndex((v) => v.id === this.keys.active)),
      viewOf: (id) => this.viewOf(id),
      focusNotebook: () => {
        this.keys = { ...this.keys, mode: "command" };
        this.applyKeys();
        this.list.el.focus({ preventScroll: true });
      },
    };
  }

  private viewOf(id: string): CellView | undefined {
    return this.order.find((v) => v.id === id);
  }

  // --- keyboard and mouse ----------------------------------------------------------

  private onKey(ev: KeyboardEvent): void {
    if (ev.isComposing) return;
    if (this.onToolKey(ev)) {
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    // The side tools handle their own keys.
    if (ev.target instanceof Element && ev.target.closest(".nw-find, .nw-toc")) return;
    if (isTextField(ev.target)) return;
    if (ev.target instanceof HTMLElement && !this.root.contains(ev.target) && ev.target !== document.body) return;
    const active = this.keys.active ? this.viewOf(this.keys.active) : undefined;
    const editor = this.keys.mode === "edit" ? active?.getEditor() : null;
    // Focus left the editor without a blur we saw (a click elsewhere): command mode.
    if (this.keys.mode === "edit" && editor && !editor.view.hasFocus) {
      this.keys = { ...this.keys, mode: "command" };
    }
    const r = handleKey(
      this.keys,
      { key: ev.key, shift: ev.shiftKey, ctrl: ev.ctrlKey, alt: ev.altKey, meta: ev.metaKey, time: ev.timeStamp },
      {
        cells: this.refs(),
        clipboardSize: this.clipboard.length,
        newId: newCellId,
        ...(editor ? { editor: { ...editor.edges(), popupOpen: editor.popupOpen() } } : {}),
      },
    );
    if (!r.handled) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.keys = r.state;
    this.afterActions(r.actions);
  }

  /**
   * Ctrl-F (Cmd-F) opens the notebook's find in place of the browser's, which would
   * miss what the page has not built; it starts from the editor's selection. Ctrl-Shift-K
   * toggles the table of contents. Not in dialogs and other pages' fields.
   */
  private onToolKey(ev: KeyboardEvent): boolean {
    const ctrl = ev.ctrlKey || ev.metaKey;
    if (!ctrl || ev.altKey) return false;
    const t = ev.target;
    if (t instanceof Element && (t.closest("dialog") || (!this.root.contains(t) && t !== document.body))) return false;
    const key = ev.key.toLowerCase();
    if (key === "f" && !ev.shiftKey) {
      if (t instanceof Element && t.closest(".nw-find")) return false; // the bar's own Ctrl-F
      const editor = this.keys.active ? this.viewOf(this.keys.active)?.getEditor() : null;
      const sel = editor?.view.hasFocus ? editor.view.state.selection.main : null;
      this.find.open(sel && !sel.empty ? editor!.view.state.sliceDoc(sel.from, sel.to) : "");
      return true;
    }
    if (key === "k" && ev.shiftKey) {
      this.toc.toggle();
      return true;
    }
    return false;
  }

  /** Presses a key as if typed (the toolbar's buttons), in command mode. */
  private key(key: string, mods: { shift?: boolean } = {}): void {
    this.keys = { ...this.keys, mode: "command" };
    const r = handleKey(this.keys, { key, shift: mods.shift ?? false, time: performance.now() }, {
      cells: this.refs(),
      clipboardSize: this.clipboard.length,
      newId: newCellId,
    });
    this.keys = r.state;
    this.afterActions(r.actions);
  }

  private onMouseDown(ev: MouseEvent): void {
    const target = ev.target as HTMLElement;
    const cellEl = target.closest<HTMLElement>(".nw-cell");
    if (!cellEl) return;
    const id = cellEl.dataset["id"]!;
    if (target.closest(".cm-editor")) {
      if (!this.viewOf(id)?.hasEditor) return;
      this.keys = activate(this.keys, this.refs(), id, { mode: "edit" });
      this.applyKeys();
      return;
    }
    if (target.closest(".nw-drag") && !ev.shiftKey && this.selected().length > 1 && this.selected().includes(id)) {
      // The handle of a selected cell: a drag moves the whole selection, so keep it (a
      // click without a drag selects just this cell: onClick).
      this.keys = { ...this.keys, mode: "command" };
      this.applyKeys();
      return;
    }
    if (target.closest("input, textarea, select, button, a, summary, iframe, .nw-drag")) {
      this.keys = activate(this.keys, this.refs(), id, { mode: "command", extend: ev.shiftKey });
      this.applyKeys();
      return;
    }
    const view = this.viewOf(id);
    if (view && !view.hasEditor && target.closest(".nw-static-source")) {
      // Clicking a not-yet-live source: make the editor and put the cursor in it.
      this.keys = activate(this.keys, this.refs(), id, { mode: "edit" });
      ev.preventDefault();
      this.afterActions([{ type: "focus_editor", id, cursor: "end" }]);
      return;
    }
    this.keys = activate(this.keys, this.refs(), id, { mode: "command", extend: ev.shiftKey });
    if (!target.closest(".nw-outputs")) ev.preventDefault();
    this.afterActions([{ type: "blur_editor" }]);
  }

  /** A click (a press and release without a drag) on a handle selects just its cell. */
  private onClick(ev: MouseEvent): void {
    const target = ev.target as HTMLElement;
    if (ev.shiftKey || !target.closest(".nw-drag")) return;
    const id = target.closest<HTMLElement>(".nw-cell")?.dataset["id"];
    if (!id || this.selected().length < 2) return;
    this.keys = activate(this.keys, this.refs(), id, { mode: "command" });
    this.applyKeys();
  }

  private moveSelection(delta: number): void {
    const ids = this.selected();
    if (ids.length === 0) return;
    const all = cellIds(this.doc);
    const first = all.indexOf(ids[0]!);
    const to = Math.max(0, Math.min(all.length - ids.length, first + delta));
    if (to !== first) moveCells(this.doc, ids, to);
  }

  // --- actions ---------------------------------------------------------------------

  private run(action: Action): void {
    this.afterActions([action]);
  }

  private afterActions(actions: readonly Action[]): void {
    for (const a of actions) {
      try {
        this.perform(a);
      } catch (e) {
        console.error(e);
        toast(`${a.type} failed: ${String(e)}`);
      }
    }
    this.applyKeys(true);
  }

  private perform(a: Action): void {
    const doc = this.doc;
    switch (a.type) {
      case "run": {
        const refs = this.refs();
        const code = a.ids.filter((id) => refs.find((r) => r.id === id)?.cell_type === "code");
        for (const id of a.ids) this.viewOf(id)?.showInput();
        if (code.length) this.client.send({ type: "run", cells: code });
        break;
      }
      case "insert":
        insertCell(doc, a.index, a.cell_type, "", a.id);
        break;
      case "delete":
        deleteCells(doc, a.ids);
        break;
      case "undo":
      case "redo": {
        // A cell that comes back (undo of a delete, redo of an insert) becomes active.
        const before = new Set(cellIds(doc));
        if (a.type === "undo") this.undo.undo();
        else this.undo.redo();
        const back = cellIds(doc).find((id) => !before.has(id));
        if (back) this.keys = activate(this.keys, this.refs(), back);
        break;
      }
      case "set_type":
        setCellType(doc, a.ids, a.cell_type);
        for (const id of a.ids) this.viewOf(id)?.showInput();
        break;
      case "copy":
        this.clipboard = copyCells(doc, a.ids);
        break;
      case "cut":
        this.clipboard = copyCells(doc, a.ids);
        deleteCells(doc, a.ids);
        break;
      case "paste":
        insertCells(doc, a.index, this.clipboard, a.ids);
        break;
      case "merge": {
        const id = mergeCells(doc, a.ids);
        if (id) this.keys = activate(this.keys, this.refs(), id);
        break;
      }
      case "split": {
        const editor = this.viewOf(a.id)?.getEditor();
        if (!editor) break;
        const pieces = splitCell(doc, a.id, editor.splitOffsets());
        // Pieces of a markdown cell being edited are all shown as their source, as the
        // first one is (until run).
        if (this.keys.unrendered.has(a.id)) {
          for (const id of pieces) this.keys = setUnrendered(this.keys, id, true);
        }
        const next = pieces[1];
        if (next) {
          this.keys = activate(this.keys, this.refs(), next, { mode: "edit" });
          this.perform({ type: "focus_editor", id: next, cursor: "start" });
        }
        break;
      }
      case "interrupt":
        this.client.send({ type: "interrupt" });
        break;
      case "restart":
        void this.restart(false);
        break;
      case "save":
        if (this.client.deleted) void this.saveAgain();
        else this.client.send({ type: "save" });
        break;
      case "help":
        void showShortcuts();
        break;
      case "focus_editor": {
        const view = this.viewOf(a.id);
        if (!view) break;
        if (view.cellType === "markdown") view.showInput();
        const editor = view.ensureEditor();
        editor.focus(a.cursor);
        break;
      }
      case "blur_editor": {
        const focused = document.activeElement;
        if (focused instanceof HTMLElement && focused.closest(".cm-editor")) focused.blur();
        this.list.el.focus({ preventScroll: true });
        for (const v of this.order) if (v.cellType === "markdown" && !this.keys.unrendered.has(v.id)) v.showInput();
        break;
      }
      default: {
        const never: never = a;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  private async restart(runAll: boolean): Promise<void> {
    const ok = await confirm(
      runAll ? "Restart and run all?" : "Restart the kernel?",
      "All variables will be lost.",
      runAll ? "Restart and run all" : "Restart",
      true,
    );
    if (!ok) return;
    if (runAll) {
      for (const v of this.order) if (v.cellType === "markdown") this.keys = setUnrendered(this.keys, v.id, false);
      for (const v of this.order) v.showInput();
    }
    this.client.send(runAll ? { type: "restart", run_all: true } : { type: "restart" });
    this.list.el.focus();
  }

  private runAll(which: "all" | "above" | "below"): void {
    const refs = this.refs();
    const i = Math.max(0, refs.findIndex((r) => r.id === this.keys.active));
    const pick = which === "all" ? refs : which === "above" ? refs.slice(0, i) : refs.slice(i);
    for (const r of pick) if (r.cell_type === "markdown") this.keys = setUnrendered(this.keys, r.id, false);
    this.afterActions([{ type: "run", ids: pick.map((r) => r.id) }]);
  }

  /** Draws the keyboard state: active and selected cells, the mode, the type picker. */
  private applyKeys(scroll = false): void {
    const sel = new Set(this.selected());
    for (const v of this.order) {
      v.el.classList.toggle("nw-active", v.id === this.keys.active);
      v.el.classList.toggle("nw-selected", sel.has(v.id) && sel.size > 1);
    }
    this.root.classList.toggle("nw-edit-mode", this.keys.mode === "edit");
    this.root.classList.toggle("nw-command-mode", this.keys.mode === "command");
    const active = this.keys.active ? this.viewOf(this.keys.active) : undefined;
    if (active) this.typeSelect.value = active.cellType;
    if (scroll && active && !this.scrollPending) {
      this.scrollPending = true;
      requestAnimationFrame(() => {
        this.scrollPending = false;
        const v = this.keys.active ? this.viewOf(this.keys.active) : undefined;
        v?.el.scrollIntoView({ block: "nearest" });
      });
    }
  }

  // --- the session -----------------------------------------------------------------

  private showSession(s: SessionState): void {
    this.kernelEl.textContent = kernelLabel(s.kernel);
    this.kernelEl.dataset["state"] = s.kernel.state;
    this.kernelEl.title = s.kernel.cause ?? s.kernel.state;
    const name = this.nameEl.textContent ?? "";
    document.title = `${s.save.dirty ? "● " : ""}${name} - notewire`;
    this.saveEl.textContent = s.save.dirty
      ? "unsaved changes"
      : s.save.last_saved
        ? `saved ${new Date(s.save.last_saved).toLocaleTimeString()}`
        : "";
    this.saveEl.dataset["dirty"] = String(s.save.dirty);
    this.root.dataset["connection"] = s.connection;
    this.root.classList.toggle("nw-disconnected", !looksConnected(s));
    this.banner.show(s);
    this.showTrust();
    if (!s.trusted && this.trustBar.childElementCount === 0) {
      this.trustBar.append(
        h("span", {}, "This notebook's outputs are not trusted: HTML is sanitized and JavaScript does not run. "),
        toolButton("Trust", "trust this notebook's outputs", () => this.client.send({ type: "trust" })),
      );
    }
    if (s.conflict && !this.conflictOpen) void this.showConflict(s.conflict.disk_modified);
    if (s.error && s.error !== this.lastError) toast(s.error);
    this.lastError = s.error;
    this.showInput(s);
  }

  /** The trust bar shows while some cell has outputs that are not trusted. */
  private showTrust(): void {
    const untrusted =
      !this.client.session.trusted &&
      cellsOf(this.doc)
        .toArray()
        .some((c) => c.get("trusted") === false && (cellOutputs(c)?.length ?? 0) > 0);
    this.trustBar.hidden = !untrusted;
  }

  private showInput(s: SessionState): void {
    for (const v of this.order) v.setInputRequest(s.input && s.input.cell === v.id ? s.input : null);
  }

  private async showConflict(diskModified: string): Promise<void> {
    this.conflictOpen = true;
    const when = new Date(diskModified).toLocaleString();
    const choice = await choose(
      "The file changed on disk",
      `Someone or something changed ${this.path} on disk (${when}) while this notebook has unsaved changes.`,
      [
        { label: "Decide later", value: null },
        { label: "Load the file from disk", value: "reload" as const, danger: true },
        { label: "Keep mine (overwrite the file)", value: "overwrite" as const, primary: true },
      ],
    );
    this.conflictOpen = false;
    if (choice) this.client.send({ type: "resolve_conflict", choice });
  }

  private onMessage(m: ServerMessage): void {
    if (m.type === "error" && m.req === undefined) return; // shown by showSession
  }

  private async rename(): Promise<void> {
    const old = this.path.split("/").pop() ?? this.path;
    const name = await prompt("Rename notebook", old);
    if (!name || name === old) return;
    const dir = this.path.includes("/") ? this.path.slice(0, this.path.lastIndexOf("/") + 1) : "";
    try {
      const model = await contents.rename(this.path, dir + name);
      // The server tells every page (this one too) with a "moved" message; this page
      // knows already, which counts when its connection is down.
      this.client.moveTo(model.path);
    } catch (e) {
      toast(`rename failed: ${String(e)}`);
    }
  }

  /** The file was renamed or moved (here or anywhere else), or deleted on the server. */
  private onFile(m: FileMessage): void {
    if (m.type === "moved") {
      this.path = m.path;
      this.nameEl.textContent = m.path.split("/").pop() ?? m.path;
      history.replaceState(history.state, "", `${url(`notebooks/${encodePath(m.path)}`)}${location.search}${location.hash}`);
      this.showSession(this.client.session); // the title
      return;
    }
    this.showDeleted();
  }

  /**
   * The server closed this notebook because its file was deleted (its kernel is shut
   * down). The document stays on the page, editable, and nothing is written until the
   * user saves it again: the file is written anew from this page's copy, outputs
   * included, and the page connects to the notebook opened from it (a new kernel).
   */
  private showDeleted(): void {
    this.saveAgainButton.disabled = false;
    this.deletedBar.replaceChildren(
      h(
        "span",
        {},
        `${this.path} was deleted on the server, and its kernel shut down. This page still has the notebook as it was; ` +
          "nothing is saved unless you save it again. ",
      ),
      this.saveAgainButton,
    );
    this.deletedBar.hidden = false;
    this.showSession(this.client.session);
  }

  private async saveAgain(): Promise<void> {
    if (this.saveAgainButton.disabled) return;
    this.saveAgainButton.disabled = true;
    try {
      const content = documentToNotebook(this.doc);
      await api("PUT", `/api/contents/${encodePath(this.path)}`, { type: "notebook", format: "json", content });
    } catch (e) {
      this.saveAgainButton.disabled = false;
      toast(`could not save ${this.path}: ${String(e)}`);
      return;
    }
    this.deletedBar.hidden = true;
    this.offlineEdits = false; // they are in the file just written
    this.client.resume();
  }

  private tick(): void {
    const now = new Date();
    for (const v of this.order) if (v.running) v.update(now);
  }

  /** Where a cell sits (for tests). */
  indexOf(id: string): number {
    return indexOfCell(this.doc, id);
  }
}
