// The view's prediction of a pan (pure; no DOM). While the user drags with the pan
// tool inside a pannable region (state.regions), the view shows the last true frame
// with that region translated by how far the pointer moved since the input that frame
// reflects (frame.input), so the picture follows the pointer within one display frame.
// Each true frame replaces the prediction: the translation is recomputed from the
// input it reflects, and the prediction ends with the first frame that reflects the
// button going up.

import type { FrameInput, Rect } from "./protocol";

interface Sample {
  readonly t: number;
  readonly x: number;
  readonly y: number;
}

export interface Prediction {
  /** The region (logical px) to translate, and by how much (logical px). */
  readonly rect: Rect;
  readonly dx: number;
  readonly dy: number;
}

export class PanPredictor {
  private rect: Rect | null = null;
  private samples: Sample[] = []; // the pointer's positions since the drag began, in order
  private current: Sample | null = null;
  private released: number | null = null; // when the button went up
  private reflected = -Infinity; // the input the true picture reflects

  constructor(private readonly viewId: string) {}

  /** The button went down at (x, y) inside `rect`, with the pan tool active. */
  begin(rect: Rect, x: number, y: number, t: number): void {
    this.rect = rect;
    this.current = { t, x, y };
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
    if (rect === null || current === null || base === undefined) return null;
    const dx = current.x - base.x;
    const dy = current.y - base.y;
    if (dx === 0 && dy === 0) return null;
    return { rect, dx, dy };
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
