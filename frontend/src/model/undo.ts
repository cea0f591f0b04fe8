// Undo and redo of cell operations (insert, delete, move, merge, split, change type,
// clear outputs): a Y.UndoManager over the cell list that tracks only this browser's
// LOCAL origin, so it never undoes another browser's work, the server's outputs, or
// typing (the editor binding has its own undo).
import * as Y from "yjs";
import { cellsOf } from "./document";
import { LOCAL } from "./ops";

export interface CellUndo {
  undo(): boolean;
  redo(): boolean;
  canUndo(): boolean;
  canRedo(): boolean;
  /** Calls `f` whenever the stacks change; returns a function that stops that. */
  onChange(f: () => void): () => void;
  destroy(): void;
}

export function createCellUndo(doc: Y.Doc): CellUndo {
  // captureTimeout 0: every operation is its own undo step, however fast they come.
  const manager = new Y.UndoManager(cellsOf(doc), { trackedOrigins: new Set([LOCAL]), captureTimeout: 0 });
  return {
    undo: () => manager.undo() !== null,
    redo: () => manager.redo() !== null,
    canUndo: () => manager.canUndo(),
    canRedo: () => manager.canRedo(),
    onChange(f) {
      const events = ["stack-item-added", "stack-item-popped", "stack-cleared"] as const;
      for (const e of events) manager.on(e, f);
      return () => {
        for (const e of events) manager.off(e, f);
      };
    },
    destroy: () => manager.destroy(),
  };
}
