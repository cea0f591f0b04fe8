// What the page's side tools (find, the table of contents, `#heading` links) need of
// the notebook page: its document, and a way to bring any cell to the screen at once,
// built or not.
import type * as Y from "yjs";
import type { Placed } from "./cell-list";
import type { CellView } from "./cell-view";

export interface NotebookNav {
  /** The shared document (a getter: the page gets a new one when the server resets it). */
  readonly doc: Y.Doc;
  /**
   * Makes the cell active (command mode), builds it now, and scrolls `target` (a part of
   * it that `place` returns; the cell itself by default) to the middle of the screen.
   * Returns the cell's view, or null for an unknown id.
   */
  reveal(id: string, place?: (view: CellView) => Placed | null): CellView | null;
  /** The active cell's position in the notebook (0 when none). */
  activeIndex(): number;
  /** The cell's view, when the page has it. */
  viewOf(id: string): CellView | undefined;
  /** Gives the keyboard back to the notebook (the cell list, command mode). */
  focusNotebook(): void;
}
