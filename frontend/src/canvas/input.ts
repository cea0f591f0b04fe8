// Browser input to canvas events (renderview spec; docs/canvas-protocol.md section 6),
// and the coalescing of pointer moves and wheel turns. Pure: the DOM events come in as
// the few fields used, the timer is injected.

import type { CanvasEvent } from "./protocol";

/** The modifier fields of a DOM mouse or keyboard event. */
export interface ModifierFields {
  readonly altKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}

export function modifiersOf(ev: ModifierFields): string[] {
  const out: string[] = [];
  if (ev.altKey) out.push("Alt");
  if (ev.ctrlKey) out.push("Control");
  if (ev.metaKey) out.push("Meta");
  if (ev.shiftKey) out.push("Shift");
  return out;
}

// MouseEvent.button: 0 left, 1 middle, 2 right, 3 back, 4 forward.
const BUTTON = [1, 3, 2, 4, 5];

/** The spec's button number (1 left, 2 right, 3 middle, 4 back, 5 forward). */
export function buttonOf(domButton: number): number {
  return BUTTON[domButton] ?? 0;
}

/** The spec's list of buttons held, from MouseEvent.buttons (bit 0 left, 1 right,
 * 2 middle, 3 back, 4 forward: already the spec's order). */
export function buttonsOf(domButtons: number): number[] {
  const out: number[] = [];
  for (let bit = 0; bit < 5; bit++) if (domButtons & (1 << bit)) out.push(bit + 1);
  return out;
}

/** A wheel delta in px: pixel mode divided by devicePixelRatio, lines × 16, pages × 600. */
export function wheelDelta(delta: number, deltaMode: number, dpr: number): number {
  const scale = deltaMode === 1 ? 16 : deltaMode === 2 ? 600 : 1 / (dpr || 1);
  return delta * scale;
}

const KEY_ALIASES: Record<string, string> = { Ctrl: "Control", Esc: "Escape", Del: "Delete" };

export function keyOf(key: string): string {
  return KEY_ALIASES[key] ?? key;
}

export function now(): number {
  return performance.now() / 1000;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Calls `fn` at the next animation frame; returns a cancel function. */
export type NextFrame = (fn: () => void) => () => void;

/** At most one pointer move (or one wheel turn) per animation frame, sent at once: the
 * first in a frame goes out as it comes; later ones in the same frame are held, a later
 * move with the same buttons and modifiers replacing the held one and wheel deltas
 * adding up, and go out at the next frame. No fixed hold: input reaches the kernel at
 * display rate, and the frame flow control (acks) decides how many pictures follow.
 * Any other event first sends what is held, so order is kept. */
export class Coalescer {
  private held: CanvasEvent | null = null;
  private cancel: (() => void) | null = null; // the pending frame callback
  private busy = false; // a move or wheel went out in this animation frame

  constructor(
    private readonly send: (event: CanvasEvent) => void,
    private readonly nextFrame: NextFrame,
  ) {}

  push(event: CanvasEvent): void {
    const held = this.held;
    if (held !== null && held.type === event.type) {
      if (
        event.type === "pointer_move" &&
        held.type === "pointer_move" &&
        sameList(held.buttons, event.buttons) &&
        sameList(held.modifiers, event.modifiers)
      ) {
        held.x = event.x;
        held.y = event.y;
        held.timestamp = event.timestamp;
        return;
      }
      if (event.type === "wheel" && held.type === "wheel" && sameList(held.modifiers, event.modifiers)) {
        held.x = event.x;
        held.y = event.y;
        held.dx += event.dx;
        held.dy += event.dy;
        held.timestamp = event.timestamp;
        return;
      }
    }
    this.flushHeld();
    if (event.type !== "pointer_move" && event.type !== "wheel") {
      this.send(event);
      return;
    }
    if (this.busy) {
      this.held = event;
    } else {
      this.send(event);
      this.busy = true;
    }
    this.arm();
  }

  private arm(): void {
    if (this.cancel !== null) return;
    this.cancel = this.nextFrame(() => {
      this.cancel = null;
      this.busy = false;
      if (this.held !== null) {
        this.flushHeld();
        this.busy = true;
        this.arm();
      }
    });
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = null;
    if (held !== null) this.send(held);
  }

  /** Send what is held now. */
  flush(): void {
    this.flushHeld();
  }

  /** Drop what is held (the view goes away). */
  dispose(): void {
    this.held = null;
    if (this.cancel !== null) this.cancel();
    this.cancel = null;
  }
}
