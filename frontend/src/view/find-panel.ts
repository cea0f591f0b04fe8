// Find and replace in the notebook (Ctrl-F / Cmd-F while the page has the focus, in
// place of the browser's find, which would miss the outputs of cells the page has not
// built). It searches the document (model/notebook-search.ts), so every cell counts,
// on screen or not; going to a match builds its cell at once and marks the match.
// Enter and Shift-Enter go to the next and previous match, Escape closes the bar and
// gives the focus back to where it was.
import type * as Y from "yjs";
import {
  compilePattern,
  findAll,
  firstFrom,
  MAX_MATCHES,
  replaceAll,
  replaceMatch,
  type FindOptions,
  type Match,
} from "../model/notebook-search";
import { h } from "./dom";
import type { NotebookNav } from "./nav";
import { showFound } from "./text-highlight";

/** How long the document stays still before an open search is run again. */
const RESEARCH_MS = 150;

/** Reading order of two matches: by cell, then source before outputs, then offset. */
function comparePlaces(a: Match, b: Match): number {
  return a.cellIndex - b.cellIndex || (a.output ?? -1) - (b.output ?? -1) || a.from - b.from;
}

function toggle(label: string, title: string): HTMLButtonElement {
  return h("button", { type: "button", class: "nw-tool nw-find-toggle", title, "aria-label": title, "aria-pressed": "false" }, label);
}

export class FindPanel {
  readonly el: HTMLElement;
  private readonly query = h("input", { type: "search", class: "nw-find-query", placeholder: "Find", "aria-label": "find", spellcheck: "false" });
  private readonly replacement = h("input", { type: "text", class: "nw-find-replace", placeholder: "Replace", "aria-label": "replace with", spellcheck: "false" });
  private readonly status = h("span", { class: "nw-find-status", "aria-live": "polite" });
  private readonly caseButton = toggle("Aa", "match case");
  private readonly wordButton = toggle("W", "whole words");
  private readonly regexButton = toggle(".*", "regular expression");
  private matches: Match[] = [];
  private current = -1;
  private re: RegExp | null = null;
  private returnFocus: HTMLElement | null = null;
  private watched: Y.Doc | null = null;
  private researchTimer = 0;
  /** The cell whose editor carries the marks, to take them out again. */
  private marked: string | null = null;

  constructor(private readonly nav: NotebookNav) {
    const button = (label: string, title: string, f: () => void) =>
      h("button", { type: "button", class: "nw-tool", title, "aria-label": title, onclick: f }, label);
    this.el = h(
      "div",
      { class: "nw-find", role: "search", hidden: true },
      h(
        "div",
        { class: "nw-find-row" },
        this.query,
        this.caseButton,
        this.wordButton,
        this.regexButton,
        this.status,
        button("↑", "previous match (Shift-Enter)", () => this.step(-1)),
        button("↓", "next match (Enter)", () => this.step(1)),
        button("×", "close (Escape)", () => this.close()),
      ),
      h(
        "div",
        { class: "nw-find-row" },
        this.replacement,
        button("Replace", "replace this match", () => this.replaceOne()),
        button("All", "replace every match in the notebook's sources", () => this.replaceEvery()),
      ),
    );
    for (const b of [this.caseButton, this.wordButton, this.regexButton]) {
      b.addEventListener("click", () => {
        b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true"));
        this.search(true);
      });
    }
    this.query.addEventListener("input", () => this.search(true));
    this.el.addEventListener("keydown", (ev) => this.onKey(ev));
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  /** Opens the bar (or selects its query when open), starting from `text` when given. */
  open(text = ""): void {
    if (!this.isOpen) {
      const focused = document.activeElement;
      this.returnFocus = focused instanceof HTMLElement && focused !== document.body ? focused : null;
      this.el.hidden = false;
    }
    if (text && !text.includes("\n")) this.query.value = text;
    this.query.focus();
    this.query.select();
    this.watch();
    this.search(true);
  }

  close(): void {
    if (!this.isOpen) return;
    this.el.hidden = true;
    this.unwatch();
    this.clearMarks();
    this.matches = [];
    this.current = -1;
    const back = this.returnFocus;
    this.returnFocus = null;
    if (back?.isConnected) back.focus({ preventScroll: true });
    else this.nav.focusNotebook();
  }

  private options(): FindOptions {
    const on = (b: HTMLElement) => b.getAttribute("aria-pressed") === "true";
    return { query: this.query.value, caseSensitive: on(this.caseButton), wholeWord: on(this.wordButton), regex: on(this.regexButton) };
  }

  /**
   * Runs the search. `jump`: go to the first match from the active cell on (the query
   * changed); otherwise keep to the match that was current (the document changed).
   */
  private search(jump: boolean): void {
    const pattern = compilePattern(this.options());
    const before = this.matches[this.current];
    if (pattern === null || "error" in pattern) {
      this.re = null;
      this.matches = [];
      this.current = -1;
      this.clearMarks();
      this.status.textContent = pattern ? "invalid expression" : "";
      this.status.title = pattern && "error" in pattern ? pattern.error : "";
      return;
    }
    this.re = pattern.re;
    this.status.title = "";
    this.matches = findAll(this.nav.doc, pattern.re);
    if (jump || !before) this.current = firstFrom(this.matches, this.nav.activeIndex());
    else {
      // The same place, or the first match after it.
      const i = this.matches.findIndex((m) => comparePlaces(m, before) >= 0);
      this.current = i < 0 ? firstFrom(this.matches, 0) : i;
    }
    this.showStatus();
    if (jump) this.go();
  }

  private showStatus(): void {
    const n = this.matches.length;
    const many = n >= MAX_MATCHES ? "+" : "";
    this.status.textContent = n === 0 ? "no results" : `${this.current + 1} of ${n}${many}`;
    this.el.dataset["count"] = String(n);
  }

  private step(by: number): void {
    if (this.matches.length === 0) return;
    this.current = (this.current + by + this.matches.length) % this.matches.length;
    this.showStatus();
    this.go();
  }

  /** Brings the current match to the screen, its cell built, and marks it. */
  private go(): void {
    const match = this.matches[this.current];
    const re = this.re;
    this.clearMarks();
    if (!match || !re) return;
    const same = this.matches.filter((m) => m.cell === match.cell && m.output === null);
    this.nav.reveal(match.cell, (view) => view.showMatch(match, re, same));
    this.marked = match.cell;
  }

  private clearMarks(): void {
    showFound(null);
    if (this.marked) this.nav.viewOf(this.marked)?.clearFound();
    this.marked = null;
  }

  private replaceOne(): void {
    const match = this.matches[this.current];
    if (!match || !this.re) return;
    if (match.output !== null) {
      this.step(1); // outputs are what the kernel wrote: not replaced
      return;
    }
    replaceMatch(this.nav.doc, match, this.re, this.replacement.value, this.options().regex);
    this.search(false);
    this.go();
  }

  private replaceEvery(): void {
    if (!this.re) return;
    const n = replaceAll(this.nav.doc, this.re, this.replacement.value, this.options().regex);
    this.search(false);
    this.status.textContent = `${n} replaced${this.matches.length ? `; ${this.matches.length} left in outputs` : ""}`;
  }

  private onKey(ev: KeyboardEvent): void {
    const ctrl = ev.ctrlKey || ev.metaKey;
    if (ev.key === "Escape") this.close();
    else if (ev.key === "Enter" && ev.target === this.query) this.step(ev.shiftKey ? -1 : 1);
    else if (ev.key === "Enter" && ev.target === this.replacement) {
      if (ctrl) this.replaceEvery();
      else this.replaceOne();
    } else if (ctrl && !ev.altKey && ev.key.toLowerCase() === "f") {
      this.query.focus();
      this.query.select();
    } else return;
    ev.preventDefault();
    ev.stopPropagation();
  }

  /** The page has a new document (the server reset it): search that one. */
  reset(): void {
    if (!this.isOpen) return;
    this.watch();
    this.search(false);
  }

  // The search follows the document while the bar is open: others' edits, outputs.
  private watch(): void {
    if (this.watched === this.nav.doc) return;
    this.unwatch();
    this.watched = this.nav.doc;
    this.watched.on("update", this.onUpdate);
  }

  private unwatch(): void {
    this.watched?.off("update", this.onUpdate);
    this.watched = null;
    clearTimeout(this.researchTimer);
    this.researchTimer = 0;
  }

  private readonly onUpdate = (): void => {
    clearTimeout(this.researchTimer);
    this.researchTimer = window.setTimeout(() => {
      this.researchTimer = 0;
      if (this.isOpen) {
        this.watch(); // a reset gave the page a new document
        this.search(false);
      }
    }, RESEARCH_MS);
  };
}
