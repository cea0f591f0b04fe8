// The view's prediction of a pan or zoom (pure; no DOM). While the user drags with the
// pan tool inside a pannable region (state.regions), the view shows the last true frame
// with that region translated (left button) or scaled about the point pressed (right
// button: matplotlib zooms by 10^(distance / size of the axes) on each axis) by how far
// the pointer moved since the input that frame reflects (frame.input), so the picture
// follows the pointer within one display frame.
// Each true frame replaces the prediction: the translation is recomputed from the
// input it reflects, and the prediction ends with the first frame that reflects the
// button going up.

import type { FrameInput, Rect } from "./protocol";

interface Sample {
  readonly t: number;
  readonly x: number;
  readonly y: number;
}

/** The region (logical px) to transform: translated by (dx, dy) logical px, then
 * scaled by (sx, sy) about (cx, cy). */
export interface Prediction {
  readonly rect: Rect;
  readonly dx: number;
  readonly dy: number;
  readonly sx: number;
  readonly sy: number;
  readonly cx: number;
  readonly cy: number;
}

export type Gesture = "pan" | "zoom";

export class PanPredictor {
  private rect: Rect | null = null;
  private gesture: Gesture = "pan";
  private lockedAspect = false;
  private origin: Sample | null = null; // where the button went down
  private samples: Sample[] = []; // the pointer's positions since the drag began, in order
  private current: Sample | null = null;
  private released: number | null = null; // when the button went up
  private reflected = -Infinity; // the input the true picture reflects

  constructor(private readonly viewId: string) {}

  /** The button went down at (x, y) inside `rect`, with the pan tool active. */
  begin(rect: Rect, x: number, y: number, t: number, gesture: Gesture = "pan", lockedAspect = false): void {
    this.rect = rect;
    this.gesture = gesture;
    this.lockedAspect = lockedAspect;
    this.current = this.origin = { t, x, y };
    this.samples = [this.current];
    this.released = null;
    this.reflected = -Infinity;
  }

  get active(): boolean {
    return this.rect !== null;
  }

  move(x: number, y: number, t: number): void {
    if (this.rect === null || this.released !== null) return;
    this.current = { t, x, y };
    this.samples.push(this.current);
  }

  end(t: number): void {
    if (this.rect !== null) this.released = t;
  }

  /** Drop the prediction (the view was hidden, resized, or the tool changed). */
  cancel(): void {
    this.rect = null;
    this.origin = null;
    this.samples = [];
    this.current = null;
    this.released = null;
  }

  /** A true frame is on screen; it reflects `input` (or nothing known). */
  truth(input: FrameInput | null): void {
    if (this.rect === null || input === null || input.view !== this.viewId) return;
    this.reflected = Math.max(this.reflected, input.timestamp);
    if (this.released !== null && this.reflected >= this.released) {
      this.cancel();
      return;
    }
    // Positions before the one the picture reflects are no longer needed.
    let keep = 0;
    while (keep + 1 < this.samples.length && this.samples[keep + 1]!.t <= this.reflected) keep += 1;
    if (keep > 0) this.samples.splice(0, keep);
  }

  /** What to show now, or null (nothing to predict). */
  now(): Prediction | null {
    const rect = this.rect;
    const current = this.current;
    const base = this.samples[0];
    const origin = this.origin;
    if (rect === null || current === null || base === undefined || origin === null) return null;
    const dx = current.x - base.x;
    const dy = current.y - base.y;
    if (dx === 0 && dy === 0) return null;
    if (this.gesture === "pan") return { rect, dx, dy, sx: 1, sy: 1, cx: 0, cy: 0 };
    // Zooms compose by multiplying, so what the picture lacks is the zoom of the
    // distance since the input it reflects; y grows upwards in matplotlib.
    let ex = dx / rect[2];
    let ey = -dy / rect[3];
    if (this.lockedAspect) ex = ey = 0.5 * (ex + ey);
    return { rect, dx: 0, dy: 0, sx: 10 ** ex, sy: 10 ** ey, cx: origin.x, cy: origin.y };
  }
}

/** The topmost region (logical px) that contains (x, y), or null. */
export function regionAt<R extends { readonly rect: Rect }>(regions: readonly R[], x: number, y: number): R | null {
  for (let i = regions.length - 1; i >= 0; i--) {
    const region = regions[i]!;
    const r = region.rect;
    if (x >= r[0] && y >= r[1] && x < r[0] + r[2] && y < r[1] + r[3]) return region;
  }
  return null;
}
