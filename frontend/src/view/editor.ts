// A cell's CodeMirror 6 editor, bound to the cell's shared Y.Text (y-codemirror.next),
// so other browsers' edits and cursors show live. Tab completes from the kernel,
// Shift-Tab shows the kernel's signature and docstring.
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
  completionStatus,
  startCompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from "@codemirror/autocomplete";
import { defaultKeymap, indentLess, indentMore } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { getSearchQuery, highlightSelectionMatches, searchKeymap, setSearchQuery, type SearchQuery } from "@codemirror/search";
import { Compartment, EditorSelection, EditorState, StateEffect, StateField, type Extension } from "@codemirror/state";
import {
  crosshairCursor,
  Decoration,
  type DecorationSet,
  dropCursor,
  EditorView,
  highlightSpecialChars,
  keymap,
  rectangularSelection,
  showTooltip,
  tooltips,
  type Tooltip,
} from "@codemirror/view";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import type { CellType } from "../model/document";
import { readCompleteReply, readInspectReply, toCodePoints } from "../model/completion";
import type { JSONObject } from "../model/protocol";
import { ansiNodes } from "./ansi-dom";
import { cursorWithTimedBlink } from "./cursor-blink";
import { codeHighlight } from "./highlight";
import { quietFontsReady } from "./fonts-ready";
import { whileBuilding } from "./selection-hub";

/**
 * The notebook find's matches in this editor (view/find-panel.ts): marked, the current
 * one apart; they move with edits until the next search sets them again.
 */
const setFound = StateEffect.define<{ ranges: readonly { from: number; to: number }[]; current: number }>();
const foundMark = Decoration.mark({ class: "nw-found" });
const currentMark = Decoration.mark({ class: "nw-found nw-found-current" });
const foundField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const e of tr.effects) {
      if (!e.is(setFound)) continue;
      const len = tr.state.doc.length;
      const ranges = e.value.ranges
        .map((r, i) => ({ from: Math.min(r.from, len), to: Math.min(r.to, len), i }))
        .filter((r) => r.to > r.from);
      return Decoration.set(
        ranges.map((r) => (r.i === e.value.current ? currentMark : foundMark).range(r.from, r.to)),
        true,
      );
    }
    return marks.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

export interface KernelHelp {
  complete(code: string, cursorPos: number): Promise<JSONObject>;
  inspect(code: string, cursorPos: number): Promise<JSONObject>;
}

function language(type: CellType): Extension {
  if (type === "code") return python();
  if (type === "markdown") return [markdown(), EditorView.lineWrapping];
  return EditorView.lineWrapping;
}

const setInspect = StateEffect.define<Tooltip | null>();
const inspectField = StateField.define<Tooltip | null>({
  create: () => null,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setInspect)) return e.value;
    return tr.docChanged || tr.selection ? null : value;
  },
  provide: (f) => showTooltip.from(f),
});

const COMPLETION_TYPES: Record<string, string> = {
  function: "function",
  class: "class",
  module: "namespace",
  keyword: "keyword",
  instance: "variable",
  statement: "variable",
  param: "variable",
  path: "text",
  property: "property",
  magic: "keyword",
};

function kernelCompletion(help: KernelHelp) {
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    if (!ctx.explicit) return null;
    const code = ctx.state.doc.toString();
    let content: JSONObject;
    try {
      content = await help.complete(code, toCodePoints(code, ctx.pos));
    } catch {
      return null;
    }
    const r = readCompleteReply(code, content, ctx.pos);
    if (!r || r.items.length === 0) return null;
    const options: Completion[] = r.items.map((it) => ({
      label: it.label,
      ...(it.type ? { type: COMPLETION_TYPES[it.type] ?? "variable", detail: it.type } : {}),
      ...(it.signature ? { info: it.signature } : {}),
    }));
    return { from: r.from, to: r.to, options, filter: false };
  };
}

/** Before the cursor on its line is only whitespace: Tab indents instead of completing. */
function inLeadingSpace(view: EditorView): boolean {
  const sel = view.state.selection.main;
  if (!sel.empty) return true;
  const line = view.state.doc.lineAt(sel.head);
  return /^\s*$/.test(line.text.slice(0, sel.head - line.from));
}

function inspectAt(view: EditorView, help: KernelHelp): void {
  const code = view.state.doc.toString();
  const pos = view.state.selection.main.head;
  help
    .inspect(code, toCodePoints(code, pos))
    .then((content) => {
      const text = readInspectReply(content);
      if (!text || view.state.selection.main.head !== pos) return;
      view.dispatch({
        effects: setInspect.of({
          pos,
          above: true,
          create: () => {
            const dom = document.createElement("div");
            dom.className = "nw-inspect";
            const pre = document.createElement("pre");
            pre.append(...ansiNodes(text));
            dom.append(pre);
            return { dom };
          },
        }),
      });
    })
    .catch(() => {});
}

export interface EditorOptions {
  readonly parent: HTMLElement;
  readonly text: Y.Text;
  readonly awareness: Awareness;
  readonly type: CellType;
  readonly help: KernelHelp;
  /** Focus moved into this editor (the page switches to edit mode on its cell). */
  readonly onFocus: () => void;
  /**
   * Undo history of the cell's text (Ctrl-Z). The caller owns it: it outlives the
   * editor when the cell goes back to its light form and comes back.
   */
  readonly undoManager: Y.UndoManager;
  /** What an earlier editor of this cell left (`CellEditor.snapshot`). */
  readonly restore?: EditorSnapshot | null;
}

/**
 * What the user would miss of an editor that is taken down while its cell is off
 * screen: the selection, anchored in the shared text (so edits made meanwhile, here
 * or by others, move it along), and the find query. The undo history is the
 * caller's `Y.UndoManager`, kept apart.
 */
export interface EditorSnapshot {
  readonly ranges: readonly { readonly anchor: Y.RelativePosition; readonly head: Y.RelativePosition }[];
  readonly main: number;
  readonly search: SearchQuery;
}

export interface CellEditor {
  readonly view: EditorView;
  setType(type: CellType): void;
  /** Whether Up/Down would leave the editor (cursor on its first/last line). */
  edges(): { atFirstLine: boolean; atLastLine: boolean };
  popupOpen(): boolean;
  focus(cursor: "start" | "end" | "keep"): void;
  /** Cursor or selection offsets for splitting the cell (UTF-16). */
  splitOffsets(): number[];
  snapshot(): EditorSnapshot;
  /** Marks find's matches (UTF-16 offsets), `current` apart. */
  showFound(ranges: readonly { from: number; to: number }[], current: number): void;
  destroy(): void;
}

/**
 * CodeMirror scrolls the cursor into view after every keystroke, and working out where
 * the cursor is costs a layout read of its line: about half a millisecond a key. When
 * the whole editor is on screen and scrolls nothing inside, a "nearest" scroll has
 * nothing to do; saying so skips that work.
 */
const SCROLL_MARGIN = 5; // CodeMirror's default margin around the scrolled-to cursor
const skipScrollWhenOnScreen = EditorView.scrollHandler.of((view, _range, options) => {
  if (options.x !== "nearest" || options.y !== "nearest") return false;
  const s = view.scrollDOM;
  if (s.scrollHeight > s.clientHeight + 1 || s.scrollWidth > s.clientWidth + 1) return false;
  const r = view.dom.getBoundingClientRect();
  return (
    r.top >= SCROLL_MARGIN &&
    r.left >= 0 &&
    r.bottom <= window.innerHeight - SCROLL_MARGIN &&
    r.right <= window.innerWidth
  );
});

/** The snapshot's selection in the text as it is now (null when it no longer resolves). */
function restoredSelection(text: Y.Text, snap: EditorSnapshot): EditorSelection | null {
  const at = (rel: Y.RelativePosition): number | null => {
    const abs = text.doc ? Y.createAbsolutePositionFromRelativePosition(rel, text.doc) : null;
    return abs && abs.type === text ? Math.min(abs.index, text.length) : null;
  };
  const ranges = [];
  for (const r of snap.ranges) {
    const anchor = at(r.anchor);
    const head = at(r.head);
    if (anchor === null || head === null) return null;
    ranges.push(EditorSelection.range(anchor, head));
  }
  return ranges.length ? EditorSelection.create(ranges, Math.min(snap.main, ranges.length - 1)) : null;
}

export function createEditor(opts: EditorOptions): CellEditor {
  quietFontsReady();
  const lang = new Compartment();
  const undoManager = opts.undoManager;
  const selection = opts.restore ? restoredSelection(opts.text, opts.restore) : null;
  const view = whileBuilding(opts.parent, () => new EditorView({
    parent: opts.parent,
    state: EditorState.create({
      doc: opts.text.toString(),
      ...(selection ? { selection } : {}),
      extensions: [
        // Cells use paint containment (content-visibility), which would clip a
        // tooltip drawn inside the cell: tooltips live in <body>.
        tooltips({ parent: document.body }),
        highlightSpecialChars(),
        cursorWithTimedBlink(),
        dropCursor(),
        EditorState.allowMultipleSelections.of(true),
        indentOnInput(),
        indentUnit.of("    "),
        syntaxHighlighting(codeHighlight),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ override: [kernelCompletion(opts.help)], activateOnTyping: false, icons: true }),
        rectangularSelection(),
        crosshairCursor(),
        highlightSelectionMatches(),
        skipScrollWhenOnScreen,
        inspectField,
        foundField,
        keymap.of([
          {
            key: "Tab",
            run: (v) => (inLeadingSpace(v) ? indentMore(v) : startCompletion(v)),
          },
          {
            key: "Shift-Tab",
            run: (v) => {
              if (inLeadingSpace(v)) return indentLess(v);
              inspectAt(v, opts.help);
              return true;
            },
          },
          {
            key: "Escape",
            run: (v) => {
              if (v.state.field(inspectField) === null) return false;
              v.dispatch({ effects: setInspect.of(null) });
              return true;
            },
          },
          // Undo and redo by key too: the browser sends its own undo (beforeinput) only
          // to an editor that has taken native edits, which a rebuilt one has not.
          ...yUndoManagerKeymap,
          ...closeBracketsKeymap,
          ...searchKeymap,
          ...completionKeymap,
          ...defaultKeymap,
        ]),
        lang.of(language(opts.type)),
        yCollab(opts.text, opts.awareness, { undoManager }),
        EditorView.domEventHandlers({
          focus: () => {
            opts.onFocus();
            return false;
          },
        }),
      ],
    }),
  }));
  // The find query the editor had; and one update, in which y-codemirror draws the
  // other users' cursors already there (it otherwise waits for their next move).
  const search = opts.restore?.search;
  view.dispatch(search?.valid ? { effects: setSearchQuery.of(search) } : {});
  return {
    view,
    setType: (type) => view.dispatch({ effects: lang.reconfigure(language(type)) }),
    edges() {
      const head = view.state.selection.main.head;
      const line = view.state.doc.lineAt(head);
      return { atFirstLine: line.number === 1, atLastLine: line.number === view.state.doc.lines };
    },
    popupOpen: () => completionStatus(view.state) !== null || view.state.field(inspectField) !== null,
    focus(cursor) {
      if (cursor !== "keep") {
        const pos = cursor === "start" ? 0 : view.state.doc.length;
        view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      }
      view.focus();
    },
    splitOffsets() {
      const out: number[] = [];
      const main = view.state.selection.main;
      out.push(main.from);
      if (!main.empty) out.push(main.to);
      return out;
    },
    snapshot() {
      const sel = view.state.selection;
      return {
        ranges: sel.ranges.map((r) => ({
          anchor: Y.createRelativePositionFromTypeIndex(opts.text, r.anchor),
          head: Y.createRelativePositionFromTypeIndex(opts.text, r.head),
        })),
        main: sel.mainIndex,
        search: getSearchQuery(view.state),
      };
    },
    showFound(ranges, current) {
      view.dispatch({ effects: setFound.of({ ranges, current }) });
    },
    destroy() {
      view.destroy();
    },
  };
}

