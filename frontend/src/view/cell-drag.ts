// Moving cells by dragging their handle (`.nw-drag`): the selection when the handle is
// one of a selected cell's, else the cell alone. While dragging, the cell under the
// pointer shows where the cells would land (before or after it, by which half of it the
// pointer is over); the drop moves them in the document.

/** What the drag needs of the page. */
export interface DragHost {
  /** The ids of the selected cells, in document order. */
  selected(): string[];
  /** A cell's element, when the cell has a view. */
  cellEl(id: string): HTMLElement | undefined;
  /** Moves `ids` so that the first lands at `index` among the cells not moved. */
  move(ids: string[], index: number): void;
  /** Every cell id, in document order. */
  cellIds(): string[];
}

const MIME = "application/x-notewire-cells";
/** Where the cells would land: before or after the cell marked. */
const DROP_MARKS = ["nw-drop-before", "nw-drop-after"];
/** Every mark a drag leaves: those and the cells being dragged. */
const ALL_MARKS = [...DROP_MARKS, "nw-dragging"];

/** Listens for drags on the cell list `list`. */
export function enableCellDrag(list: HTMLElement, host: DragHost): void {
  let dragging: string[] = [];

  const dropTarget = (ev: DragEvent): { id: string; after: boolean } | null => {
    const cellEl = (ev.target as HTMLElement).closest?.<HTMLElement>(".nw-cell");
    if (!cellEl) return null;
    const rect = cellEl.getBoundingClientRect();
    return { id: cellEl.dataset["id"]!, after: ev.clientY > rect.top + rect.height / 2 };
  };

  const clearMarks = (classes: readonly string[]): void => {
    for (const el of list.querySelectorAll(classes.map((c) => `.${c}`).join(", "))) el.classList.remove(...classes);
  };

  list.addEventListener("dragstart", (ev) => {
    const handle = (ev.target as HTMLElement).closest?.(".nw-drag");
    const cellEl = handle?.closest<HTMLElement>(".nw-cell");
    if (!handle || !cellEl) return;
    const id = cellEl.dataset["id"]!;
    const selected = host.selected();
    dragging = selected.includes(id) ? selected : [id];
    ev.dataTransfer?.setData(MIME, dragging.join(","));
    if (ev.dataTransfer) ev.dataTransfer.effectAllowed = "move";
    for (const i of dragging) host.cellEl(i)?.classList.add("nw-dragging");
  });

  list.addEventListener("dragover", (ev) => {
    if (dragging.length === 0) return;
    ev.preventDefault();
    const t = dropTarget(ev);
    clearMarks(DROP_MARKS);
    if (t) host.cellEl(t.id)?.classList.add(t.after ? "nw-drop-after" : "nw-drop-before");
  });

  list.addEventListener("drop", (ev) => {
    const ids = dragging;
    dragging = [];
    clearMarks(ALL_MARKS);
    const t = dropTarget(ev);
    if (!t || ids.length === 0 || ids.includes(t.id)) return;
    ev.preventDefault();
    const rest = host.cellIds().filter((i) => !ids.includes(i));
    host.move(ids, rest.indexOf(t.id) + (t.after ? 1 : 0));
  });

  // A drag given up (Escape, or dropped outside the list) ends here too: forgotten, so
  // that a later drag from elsewhere (a file) is not taken for it and moves nothing.
  list.addEventListener("dragend", () => {
    dragging = [];
    clearMarks(ALL_MARKS);
  });
}
