// The cell list's elements: where each cell's element sits, and which cells are built.
//
// Cells sit in chunks of about CHUNK (div.nw-chunk in div.nw-cells): a change inside one
// cell then re-lays out and pre-paints a chunk's few dozen children and the chunk list,
// not every cell of the notebook (with 500 cells that was most of a keystroke's cost).
// New cells at the end start new chunks; a chunk that grows past twice CHUNK is split,
// and an empty one removed. The browser skips an off-screen chunk whole
// (`content-visibility`, notewire.css) at the height its cells' estimates add up to.
//
// Only the cells near the screen have their editor and outputs built (`makeLive`).
import { h } from "./dom";

/** Cells per chunk. */
const CHUNK = 32;
/** A cell's padding, borders and margin around its estimated content (notewire.css). */
const CELL_CHROME_PX = 12;
/** Cells this far above or below the screen are built too, ready for a scroll. */
const LIVE_MARGIN_PX = 1200;

/** What the list needs of a cell's view. */
export interface ListedCell {
  readonly el: HTMLElement;
  readonly isLive: boolean;
  makeLive(): void;
}

export class CellList {
  readonly el = h("div", { class: "nw-cells", tabindex: "0", role: "list", "aria-label": "cells" });
  private cells: readonly ListedCell[] = [];
  private liveCheck = 0;
  private readonly sizes = new ResizeObserver(() => this.scheduleLiveCheck());

  constructor() {
    // The check runs once a frame at most, on scroll, resize and changes of the list's
    // height (cells added, outputs grown).
    window.addEventListener("scroll", () => this.scheduleLiveCheck(), { passive: true });
    window.addEventListener("resize", () => this.scheduleLiveCheck());
    // Printing (Ctrl-P) prints every cell: the ones never scrolled to are built first.
    window.addEventListener("beforeprint", () => this.makeAllLive());
    this.sizes.observe(this.el);
  }

  /** Builds every cell's editor and outputs (for printing). */
  makeAllLive(): void {
    for (const cell of this.cells) if (!cell.isLive) cell.makeLive();
  }

  /** Puts the cells' elements in this order, moving only those out of place. */
  arrange(cells: readonly ListedCell[]): void {
    let prev: HTMLElement | null = null;
    for (const cell of cells) {
      if (this.cellAfter(prev) !== cell.el) this.place(cell.el, prev);
      prev = cell.el;
    }
    this.rebalance();
    this.cells = cells;
    this.scheduleLiveCheck();
  }

  clear(): void {
    this.cells = [];
    this.el.replaceChildren();
  }

  scheduleLiveCheck(): void {
    if (this.liveCheck) return;
    this.liveCheck = requestAnimationFrame(() => {
      this.liveCheck = 0;
      this.makeVisibleLive();
    });
  }

  /**
   * Builds the cells within LIVE_MARGIN_PX of the screen. Cells are in document order,
   * so a binary search finds the first one: a few rect reads per check, however long
   * the notebook (an IntersectionObserver on every cell cost a little on every frame,
   * typing included).
   */
  private makeVisibleLive(): void {
    const cells = this.cells;
    const top = -LIVE_MARGIN_PX;
    const bottom = window.innerHeight + LIVE_MARGIN_PX;
    let lo = 0;
    let hi = cells.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cells[mid]!.el.getBoundingClientRect().bottom < top) lo = mid + 1;
      else hi = mid;
    }
    let made = false;
    for (let i = lo; i < cells.length; i++) {
      const cell = cells[i]!;
      if (cell.el.getBoundingClientRect().top > bottom) break;
      if (!cell.isLive) {
        cell.makeLive();
        made = true;
      }
    }
    // What was built changed the heights: look again once laid out.
    if (made) this.scheduleLiveCheck();
  }

  private newChunk(): HTMLElement {
    return h("div", { class: "nw-chunk", role: "presentation" });
  }

  /** The cell element after `prev` in document order (the first one for null). */
  private cellAfter(prev: HTMLElement | null): Element | null {
    if (prev?.nextElementSibling) return prev.nextElementSibling;
    let chunk = prev ? prev.parentElement?.nextElementSibling : this.el.firstElementChild;
    for (; chunk; chunk = chunk.nextElementSibling) if (chunk.firstElementChild) return chunk.firstElementChild;
    return null;
  }

  /** Puts a cell element right after `prev` (first, for null). */
  private place(el: HTMLElement, prev: HTMLElement | null): void {
    if (!prev) {
      let first = this.el.firstElementChild as HTMLElement | null;
      if (!first) {
        first = this.newChunk();
        this.el.append(first);
      }
      first.prepend(el);
      return;
    }
    const chunk = prev.parentElement!;
    if (!el.isConnected && prev === chunk.lastElementChild && chunk.childElementCount >= CHUNK) {
      let next = chunk.nextElementSibling as HTMLElement | null;
      if (!next || next.childElementCount >= CHUNK) {
        next = this.newChunk();
        chunk.after(next);
      }
      next.prepend(el);
      return;
    }
    prev.after(el);
  }

  private rebalance(): void {
    for (const chunk of Array.from(this.el.children) as HTMLElement[]) {
      if (chunk.childElementCount === 0) {
        chunk.remove();
        continue;
      }
      let rest = chunk;
      while (rest.childElementCount > 2 * CHUNK) {
        const next = this.newChunk();
        next.append(...(Array.from(rest.children) as HTMLElement[]).slice(CHUNK));
        rest.after(next);
        rest = next;
      }
    }
    for (const chunk of Array.from(this.el.children) as HTMLElement[]) estimateChunk(chunk);
  }
}

/**
 * The height a chunk takes until the browser has drawn it once: its cells' estimates
 * (a chunk drawn before remembers its real height; notewire.css).
 */
function estimateChunk(chunk: HTMLElement): void {
  let px = 0;
  for (const cell of Array.from(chunk.children) as HTMLElement[]) {
    px += (parseFloat(cell.style.getPropertyValue("--nw-est")) || 60) + CELL_CHROME_PX;
  }
  chunk.style.setProperty("--nw-est", `${Math.round(px)}px`);
}
