// Which frames to draw, in which order, and which to drop (pure; no DOM).
//
// Frames arrive numbered; each is decoded asynchronously (its payload is an
// ImageBitmap in the view, anything in tests). A key frame replaces the picture, so
// frames queued before the newest key frame are dropped unseen. A partial frame applies
// on top of the frame numbered one below it: after a gap (frames missed while hidden, a
// failed decode) the view drops partial frames and asks for a key frame.

import type { FrameInfo } from "./protocol";

interface Slot<T> {
  readonly info: FrameInfo;
  payload: T | null;
  failed: boolean;
}

export interface Step<T> {
  /** Draw these, in order. */
  readonly draw: ReadonlyArray<{ readonly info: FrameInfo; readonly payload: T }>;
  /** Release these (never drawn). */
  readonly dropped: readonly T[];
  /** The frame to acknowledge now (the last drawn), or null. */
  readonly ack: number | null;
  /** True when the view must ask for a key frame (once per gap). */
  readonly askForKey: boolean;
}

export class FrameSequencer<T> {
  private queue: Array<Slot<T>> = [];
  private last: number | null = null; // the frame on screen
  private waitingForKey = true;
  private asked = true; // mounting (or showing again) sends `view`: a key frame is on its way

  /** A frame arrived; its payload comes later (ready) or never (fail). */
  push(info: FrameInfo): void {
    this.queue.push({ info, payload: null, failed: false });
  }

  ready(frame: number, payload: T): boolean {
    const slot = this.queue.find((s) => s.info.frame === frame);
    if (slot === undefined) return false; // dropped meanwhile: caller releases it
    slot.payload = payload;
    return true;
  }

  fail(frame: number): void {
    const slot = this.queue.find((s) => s.info.frame === frame);
    if (slot !== undefined) slot.failed = true;
  }

  /** Forget everything (the view was hidden): the next picture must be a key frame. */
  reset(): T[] {
    const dropped = this.queue.flatMap((s) => (s.payload === null ? [] : [s.payload]));
    this.queue = [];
    this.last = null;
    this.waitingForKey = true;
    this.asked = true;
    return dropped;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** What to do at this animation frame. */
  step(): Step<T> {
    const dropped: T[] = [];
    const drop = (n: number): void => {
      for (const slot of this.queue.splice(0, n)) if (slot.payload !== null) dropped.push(slot.payload);
    };
    // Skip to the newest key frame that has arrived.
    let newestKey = -1;
    this.queue.forEach((s, i) => {
      if (s.info.key && !s.failed) newestKey = i;
    });
    if (newestKey > 0) drop(newestKey);
    const draw: Array<{ info: FrameInfo; payload: T }> = [];
    let askForKey = false;
    while (this.queue.length > 0) {
      const slot = this.queue[0]!;
      const fits = slot.info.key || (!this.waitingForKey && this.last === slot.info.frame - 1);
      if (slot.failed || !fits) {
        drop(1);
        if (!slot.info.key || slot.failed) {
          this.waitingForKey = true;
          if (!this.asked) askForKey = this.asked = true;
        }
        continue;
      }
      if (slot.payload === null) break; // still decoding: keep order
      this.queue.shift();
      draw.push({ info: slot.info, payload: slot.payload });
      this.last = slot.info.frame;
      if (slot.info.key) {
        this.waitingForKey = false;
        this.asked = false;
      }
    }
    // Of several frames ready at once, only the ones after the last key frame matter.
    let lastKey = -1;
    draw.forEach((d, i) => {
      if (d.info.key) lastKey = i;
    });
    const shown = lastKey > 0 ? draw.splice(lastKey) : draw;
    if (lastKey > 0) for (const d of draw) dropped.push(d.payload);
    return { draw: shown, dropped, ack: shown.length > 0 ? this.last : null, askForKey };
  }
}
