// The focused editor's cursor blinks by a timer rather than by CodeMirror's CSS
// animation. CodeMirror blinks with an endless animation on its cursor layer; while any
// animation runs, Chromium makes a frame at every display refresh and a keystroke waits
// for the next one before it is painted. Measured with trusted keys in headless
// Chromium: a bare textarea is painted 3.2 ms (median) after its keydown, the same page
// with one endless blinking span 10.5–11.8 ms. A timer costs two frames a second instead
// of sixty, and an idle notebook with a focused cell no longer draws continuously.
import { drawSelection, ViewPlugin, type EditorView, type ViewUpdate } from "@codemirror/view";
import type { Extension } from "@codemirror/state";

/** Half of CodeMirror's default period (1.2 s): shown, then hidden, this long each. */
export const BLINK_MS = 600;

// One editor has the focus at a time, so one timer serves them all.
let blinking: { layer: HTMLElement; timer: ReturnType<typeof setInterval> } | null = null;

function stop(): void {
  if (!blinking) return;
  clearInterval(blinking.timer);
  blinking.layer.style.visibility = "";
  blinking = null;
}

/** Shows the cursor now and blinks it from here: a moved or typed-at cursor is seen. */
function restart(view: EditorView): void {
  const layer = view.dom.querySelector<HTMLElement>(".cm-cursorLayer");
  stop();
  if (!layer) return;
  const timer = setInterval(() => {
    layer.style.visibility = layer.style.visibility === "hidden" ? "" : "hidden";
  }, BLINK_MS);
  blinking = { layer, timer };
}

const timedBlink = ViewPlugin.fromClass(
  class {
    constructor(readonly view: EditorView) {
      if (view.hasFocus) restart(view);
    }

    update(update: ViewUpdate): void {
      if (!update.focusChanged && !update.selectionSet && !update.docChanged) return;
      if (update.view.hasFocus) restart(update.view);
      else if (this.owns()) stop();
    }

    destroy(): void {
      if (this.owns()) stop();
    }

    private owns(): boolean {
      return blinking !== null && this.view.dom.contains(blinking.layer);
    }
  },
);

/** CodeMirror's drawn selection and cursor, with the cursor blinking by the timer above
 * (its own animation is switched off in notewire.css). */
export function cursorWithTimedBlink(): Extension {
  return [drawSelection({ cursorBlinkRate: 0 }), timedBlink];
}
