// The cell list's elements: where each cell's element sits, and which cells are built.
//
// Cells sit in chunks of about CHUNK (div.nw-chunk in div.nw-cells): a change inside one
// cell then re-lays out and pre-paints a chunk's few dozen children and the chunk list,
// not every cell of the notebook (with 500 cells that was most of a keystroke's cost).
// New cells at the end start new chunks; a chunk that grows past twice CHUNK is split,
// and an empty one removed. The browser skips an off-screen chunk whole
// (`content-visibility`, notewire.css) at the height its cells' estimates add up to.
//
// Only the cells near the screen have their editor and outputs built (`makeLive`, then
// `buildEditor` when the page is idle), and those that leave it go back to their light
// form (`makeLight`: no editor, and outputs only where they hold state): the editors and
// outputs in the page, which every keystroke pays for (listeners, paint, garbage
// collection), are those near the screen and the one being edited, however far the
// user has scrolled.
import { h } from "./dom";
import { whenIdle, type Deadline } from "./idle";

/** Cells per chunk. */
const CHUNK = 32;
/** A cell's padding, borders and margin around its estimated content (notewire.css). */
const CELL_CHROME_PX = 12;
/** Cells this far above or below the screen have their outputs built, ready for a scroll. */
const LIVE_MARGIN_PX = 1200;
/**
 * Cells this far have their editor built too, when the page is idle. Fewer than the
 * outputs: each editor listens to every scroll and takes part in every frame.
 */
const EDITOR_MARGIN_PX = 600;
/**
 * Idle milliseconds an editor is built in (about what building one takes on a slow
 * machine): a shorter idle period is left alone, so the next frame is not late.
 */
const EDITOR_IDLE_MS = 8;
/**
 * An editor wanted this long is built even though the page was never idle (a page
 * that animates without pause): one, then the wait starts again.
 */
const EDITOR_WAIT_MS = 1500;
/**
 * Live cells go back to their light form (view/cell-view.ts) once this far from the screen:
 * farther than they are built, so that scrolling back and forth a little builds
 * nothing again.
 */
const LIGHT_MARGIN_PX = 1800;
/**
 * Milliseconds of building a frame, after the first cell, for cells off screen (those on
 * it are built at once): the style, layout and paint of what was built cost the frame
 * two to three times as much again (an HTML table: 10 ms of sanitizing, 30 ms in all,
 * on a loaded 2-core machine).
 */
const BUILD_BUDGET_MS = 2;
/** Cells laid out in their light form a frame (`settle`), and how long they may wait for idle time. */
const SETTLE_BATCH = 16;
const SETTLE_WAIT_MS = 5000;

/** Something with a place on the screen: an element, a Range, a position in an editor. */
export interface Placed {
  getBoundingClientRect(): DOMRect;
}

/** What the list needs of a cell's view. */
export interface ListedCell {
  readonly el: HTMLElement;
  readonly isLive: boolean;
  /** Live, with its source still in plain text: an editor is to be built. */
  readonly wantsEditor: boolean;
  makeLive(): void;
  buildEditor(): void;
  /** Back to the light form; false when the cell stays live (the user is in it). */
  makeLight(): boolean;
  /** Readies what the browser's find needs of a cell not built (idle time). */
  prepareFindable(): void;
}

export class CellList {
  readonly el = h("div", { class: "nw-cells", tabindex: "0", role: "list", "aria-label": "cells" });
  private cells: readonly ListedCell[] = [];
  /** Where each cell is in `cells`. */
  private index = new Map<ListedCell, number>();
  /** The cells made live and not yet back to their light form. */
  private readonly live = new Set<ListedCell>();
  private liveCheck = 0;
  /** The cells near the screen still without their editor, nearest first. */
  private editorQueue: ListedCell[] = [];
  private cancelEditors: (() => void) | null = null;
  private cancelFindable: (() => void) | null = null;
  /** Cells from here on have not had `prepareFindable` yet. */
  private findableNext = 0;
  /** Cells back in their light form and not laid out since (`settle`): a set, so that
   * a cell scrolled past again and again waits once, and it holds at most every cell. */
  private readonly unsettled = new Set<HTMLElement>();
  private cancelSettle: (() => void) | null = null;
  private settleFrame = 0;
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

  /**
   * Builds the cell now and scrolls `target` (a part of it; the cell itself by
   * default) to the middle of the screen. The cells around it are drawn at their real
   * heights only once on screen, which moves the target: it is put back in the middle
   * in the next frames, until it stays.
   */
  reveal(cell: ListedCell, target: () => Placed | null = () => cell.el): void {
    cell.makeLive();
    let tries = 4;
    const settle = (): void => {
      const r = (target() ?? cell.el).getBoundingClientRect();
      const room = window.innerHeight;
      const off = r.top + Math.min(r.height, room * 0.8) / 2 - room / 2;
      if (Math.abs(off) > 4) window.scrollBy({ top: off, behavior: "instant" });
      if (tries-- > 0 && Math.abs(off) > 4) requestAnimationFrame(settle);
    };
    settle();
    this.scheduleLiveCheck();
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
    this.index = new Map(cells.map((c, i) => [c, i]));
    for (const cell of this.live) if (!this.index.has(cell)) this.live.delete(cell);
    this.scheduleLiveCheck();
    this.findableNext = 0;
    this.scheduleFindable();
  }

  /**
   * Readies every cell for the browser's find, a few at a time in idle periods, so that
   * opening a notebook and typing never wait for it.
   */
  private scheduleFindable(): void {
    if (this.cancelFindable) return;
    this.cancelFindable = whenIdle((deadline) => {
      this.cancelFindable = null;
      while (this.findableNext < this.cells.length && deadline.timeRemaining() > 2) {
        this.cells[this.findableNext++]!.prepareFindable();
      }
      if (this.findableNext < this.cells.length) this.scheduleFindable();
    }, 10_000);
  }

  /**
   * Builds the editors near the screen when the page is idle, nearest first: building
   * one and laying it out costs a few milliseconds, and while the user scrolls, a cell
   * is gone again before its editor would be used (paging through a notebook built
   * one a frame, and had long frames). Until then the cell shows its source as plain
   * text, in the editor's font, and a key or a click builds its editor at once.
   */
  private scheduleEditors(): void {
    if (this.cancelEditors || this.editorQueue.length === 0) return;
    this.cancelEditors = whenIdle((deadline) => this.buildEditors(deadline), EDITOR_WAIT_MS);
  }

  private buildEditors(deadline: Deadline): void {
    this.cancelEditors = null;
    let built = 0;
    while (this.editorQueue.length > 0) {
      const enough = deadline.timeRemaining() >= EDITOR_IDLE_MS || (deadline.didTimeout && built === 0);
      if (!enough) break;
      const cell = this.editorQueue.shift()!;
      if (!cell.wantsEditor) continue;
      cell.buildEditor();
      built++;
    }
    this.scheduleEditors();
  }

  clear(): void {
    if (this.settleFrame) cancelAnimationFrame(this.settleFrame);
    this.settleFrame = 0;
    this.cancelSettle?.();
    this.cancelSettle = null;
    this.unsettled.clear();
    this.cancelFindable?.();
    this.cancelFindable = null;
    this.cancelEditors?.();
    this.cancelEditors = null;
    this.editorQueue = [];
    this.cells = [];
    this.index.clear();
    this.live.clear();
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
   * Builds the cells within LIVE_MARGIN_PX of the screen, and puts those live ones
   * farther than LIGHT_MARGIN_PX back in their light form. Cells are in document order,
   * so a binary search finds the first near one: a few rect reads per check, however
   * long the notebook (an IntersectionObserver on every cell cost a little on every
   * frame, typing included). The work is spread over frames, BUILD_BUDGET_MS of it a
   * frame, the cells on screen first: scrolling fast through a notebook would otherwise
   * build a screenful of editors and outputs in one frame (87-111 ms frames were seen).
   * The editors wait for idle time (`scheduleEditors`).
   */
  private makeVisibleLive(): void {
    const cells = this.cells;
    const first = this.firstBelow(-LIGHT_MARGIN_PX);
    const bottom = window.innerHeight + LIVE_MARGIN_PX;
    const lightBottom = window.innerHeight + LIGHT_MARGIN_PX;
    const wanted: { cell: ListedCell; distance: number }[] = [];
    const inRange: { cell: ListedCell; distance: number }[] = [];
    let end = first; // cells from `end` on are below LIGHT_MARGIN_PX
    for (; end < cells.length; end++) {
      const cell = cells[end]!;
      const rect = cell.el.getBoundingClientRect();
      if (rect.top > lightBottom) break;
      // A cell made live otherwise (focused by a key, asking for input) is counted too.
      if (cell.isLive) this.live.add(cell);
      if (rect.bottom < -LIVE_MARGIN_PX || rect.top > bottom) continue;
      const distance = rect.bottom < 0 ? -rect.bottom : Math.max(0, rect.top - window.innerHeight);
      if (distance <= EDITOR_MARGIN_PX) inRange.push({ cell, distance });
      if (!cell.isLive) wanted.push({ cell, distance });
    }
    // Those gone far first (taking an editor down is cheap, and it is what every
    // keystroke pays for), then the building, nearest first, within the budget.
    for (const cell of this.live) {
      const i = this.index.get(cell)!;
      if ((i < first || i >= end) && cell.makeLight()) {
        this.live.delete(cell);
        this.settle(cell);
      }
    }
    wanted.sort((a, b) => a.distance - b.distance);
    let built = 0;
    const buildStart = performance.now();
    for (const { cell, distance } of wanted) {
      if (distance > 0 && built > 0 && performance.now() - buildStart > BUILD_BUDGET_MS) break;
      cell.makeLive();
      this.live.add(cell);
      built++;
    }
    this.editorQueue = inRange
      .filter(({ cell }) => cell.wantsEditor)
      .sort((a, b) => a.distance - b.distance)
      .map(({ cell }) => cell);
    this.scheduleEditors();
    // What was built changed the heights, or work is left: look again next frame.
    if (wanted.length) this.scheduleLiveCheck();
  }

  /**
   * Has the browser lay out a cell that went back to its light form, once, with its
   * chunk. The browser skips the layout of a cell off screen (`content-visibility`), and
   * the layout it last made of it kept pointing at the editor and outputs taken out:
   * every element and layout box of every cell scrolled past stayed in memory (paging
   * through 500 cells kept 130,000 nodes), and every later keystroke's garbage
   * collection went through them. Done when the page is idle, a few cells at a time,
   * drawn for a frame: while the user scrolls, drawing them in the frame that took them
   * down made its style and layout cost half as much again.
   */
  private settle(cell: ListedCell): void {
    this.unsettled.add(cell.el);
    this.scheduleSettle();
  }

  private scheduleSettle(): void {
    if (this.cancelSettle || this.settleFrame || this.unsettled.size === 0) return;
    this.cancelSettle = whenIdle(() => {
      this.cancelSettle = null;
      const batch = new Set<HTMLElement>();
      let taken = 0;
      for (const el of this.unsettled) {
        if (taken++ === SETTLE_BATCH) break;
        this.unsettled.delete(el); // deleting while iterating a Set is well defined
        batch.add(el);
        if (el.parentElement && el.parentElement !== this.el) batch.add(el.parentElement);
      }
      for (const el of batch) el.classList.add("nw-settle");
      // Drawn in the next frame; taken back in the one after.
      this.settleFrame = requestAnimationFrame(() => {
        this.settleFrame = requestAnimationFrame(() => {
          this.settleFrame = 0;
          for (const el of batch) el.classList.remove("nw-settle");
          this.scheduleSettle();
        });
      });
    }, SETTLE_WAIT_MS);
  }

  /** The first cell whose bottom is below `y` (viewport px), by binary search. */
  private firstBelow(y: number): number {
    const cells = this.cells;
    let lo = 0;
    let hi = cells.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cells[mid]!.el.getBoundingClientRect().bottom < y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
