// The table of contents: a side panel listing the notebook's headings, with the cells
// running or queued and those whose last run failed marked in place
// (model/headings.ts). It is read from the document, so it lists cells the page has
// not built, follows other browsers' edits, and going to an entry builds its cell at
// once. Toggled by the toolbar's button and Ctrl-Shift-K; Up/Down/Home/End move between
// entries, Enter goes to one, Escape gives the keyboard back to the notebook.
import type * as Y from "yjs";
import { cellsOf, type CellMap } from "../model/document";
import { notebookOutline, type OutlineEntry } from "../model/headings";
import { h, toolButton } from "./dom";
import type { NotebookNav } from "./nav";

/** How long the document stays still before an open table is drawn again. */
const REDRAW_MS = 100;

const MARKS: Record<OutlineEntry["kind"], string> = { heading: "", running: "▶ ", queued: "⧗ ", error: "⚠ " };

/** Keys of a cell whose change can change the outline. */
const OUTLINE_KEYS = ["cell_type", "run_state", "source", "outputs"];

export class TocPanel {
  readonly el = h("nav", { class: "nw-toc", "aria-label": "table of contents", hidden: true });
  readonly button: HTMLButtonElement;
  private readonly list = h("ol", { class: "nw-toc-list" });
  private watched: Y.Array<CellMap> | null = null;
  private timer = 0;

  constructor(
    private readonly nav: NotebookNav,
    private readonly root: HTMLElement,
  ) {
    this.button = toolButton("☰", "table of contents (Ctrl-Shift-K)", () => this.toggle());
    this.el.append(h("div", { class: "nw-toc-title" }, "Contents"), this.list);
    this.list.addEventListener("click", (ev) => {
      const item = (ev.target as HTMLElement).closest<HTMLElement>(".nw-toc-item");
      if (item) this.go(item);
    });
    this.list.addEventListener("keydown", (ev) => this.onKey(ev));
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  /** Opens the panel with the keyboard in it, or closes it. */
  toggle(): void {
    if (this.isOpen) {
      this.el.hidden = true;
      this.root.classList.remove("nw-toc-open");
      this.unwatch();
      this.nav.focusNotebook();
      return;
    }
    this.el.hidden = false;
    this.root.classList.add("nw-toc-open");
    this.reset();
    this.items()[0]?.focus();
  }

  /** The page has a new document: follow that one. */
  reset(): void {
    if (!this.isOpen) return;
    this.unwatch();
    this.watched = cellsOf(this.nav.doc);
    this.watched.observeDeep(this.onChange);
    this.draw();
  }

  private unwatch(): void {
    this.watched?.unobserveDeep(this.onChange);
    this.watched = null;
    clearTimeout(this.timer);
    this.timer = 0;
  }

  /** Redraws after changes that can move the outline: not typing in code, nor outputs. */
  private readonly onChange = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    const matters = events.some((e) => {
      const t = e.target;
      if (t === this.watched) return true;
      if (t.parent === this.watched) return OUTLINE_KEYS.some((k) => e.keys.has(k));
      const cell = t.parent as CellMap | null;
      if (cell?.parent !== this.watched) return false;
      // A markdown source (its headings), or outputs added or removed (an error).
      return cell.get("source") === t ? cell.get("cell_type") === "markdown" : cell.get("outputs") === t;
    });
    if (!matters || this.timer) return;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.draw();
    }, REDRAW_MS);
  };

  private draw(): void {
    const focused = document.activeElement as HTMLElement | null;
    const keep = focused && this.list.contains(focused) ? this.items().indexOf(focused) : -1;
    const entries = notebookOutline(this.nav.doc);
    this.list.replaceChildren(
      ...entries.map((e) =>
        h(
          "li",
          { class: `nw-toc-entry nw-toc-${e.kind}`, style: null },
          h(
            "button",
            {
              type: "button",
              class: "nw-toc-item",
              "data-cell": e.cell,
              "data-kind": e.kind,
              "data-index": e.kind === "heading" ? e.index : null,
              "data-level": Math.min(e.level, 6),
              tabindex: "-1",
              title: e.kind === "heading" ? e.text : `${e.kind}: ${e.text}`,
            },
            MARKS[e.kind],
            e.text,
          ),
        ),
      ),
    );
    if (entries.length === 0) this.list.append(h("li", { class: "nw-toc-empty" }, "no headings"));
    const items = this.items();
    const at = items[Math.min(Math.max(keep, 0), items.length - 1)];
    if (at) at.tabIndex = 0;
    if (keep >= 0) at?.focus();
  }

  private items(): HTMLElement[] {
    return Array.from(this.list.querySelectorAll<HTMLElement>(".nw-toc-item"));
  }

  private go(item: HTMLElement): void {
    const id = item.dataset["cell"];
    if (!id) return;
    const kind = item.dataset["kind"];
    const index = Number(item.dataset["index"] ?? -1);
    this.nav.reveal(id, (view) => (kind === "error" ? view.errorEl() : kind === "heading" ? view.headingEl(index) : null));
  }

  private onKey(ev: KeyboardEvent): void {
    const items = this.items();
    const i = items.indexOf(document.activeElement as HTMLElement);
    let next = -1;
    if (ev.key === "ArrowDown") next = Math.min(i + 1, items.length - 1);
    else if (ev.key === "ArrowUp") next = Math.max(i - 1, 0);
    else if (ev.key === "Home") next = 0;
    else if (ev.key === "End") next = items.length - 1;
    else if (ev.key === "Escape") this.nav.focusNotebook();
    else if (ev.key === "Enter" && i >= 0) this.go(items[i]!);
    else return;
    ev.preventDefault();
    ev.stopPropagation();
    const to = items[next];
    if (to) {
      for (const it of items) it.tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
    }
  }
}
