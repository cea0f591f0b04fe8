// ipywidgets' sliders ask whether their readout overflows its box after every update
// (`readout_overflow`, a layout read), each in its own callback, between the style
// writes of the other views being shown: showing 100 sliders laid the frame out 100
// times, half the time it took to show them. Here the question is answered for every
// slider at once, in the next animation frame, reads first and then the classes, and
// the callback in the meantime keeps the class the readout has. The controls are
// ipywidgets' own; only when the check runs changes.
import { BaseIntSliderView } from "@jupyter-widgets/controls";

const due = new Set<BaseIntSliderView>();
let frame = 0;

function checkReadouts(): void {
  frame = 0;
  const views = [...due];
  due.clear();
  const overflowing = views.map((v) => v.readout.scrollWidth > v.readout.clientWidth);
  views.forEach((v, i) => v.readout.classList.toggle("overflow", overflowing[i]));
}

let installed = false;

/** Makes every slider view's readout check wait for the next frame (see above). */
export function batchReadoutChecks(): void {
  if (installed) return;
  installed = true;
  BaseIntSliderView.prototype.readout_overflow = function (this: BaseIntSliderView): boolean {
    due.add(this);
    frame ||= requestAnimationFrame(checkReadouts);
    return this.readout.classList.contains("overflow");
  };
}
