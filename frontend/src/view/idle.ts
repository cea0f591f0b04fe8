// Work that can wait for the page to be idle: after a frame's work, before the next frame
// is due. Safari has no requestIdleCallback: there the work runs soon after, with a
// deadline of a short idle period.

/** What an idle callback is given: how long it may work, and whether it waited too long. */
export interface Deadline {
  timeRemaining(): number;
  readonly didTimeout: boolean;
}

/** The idle period Safari's stand-in claims, in milliseconds. */
const FALLBACK_MS = 10;

/**
 * Calls `cb` when the page is idle, or after `timeoutMs` however busy it is. Returns a
 * function that cancels the call (nothing once it ran).
 */
export function whenIdle(cb: (deadline: Deadline) => void, timeoutMs: number): () => void {
  if (typeof requestIdleCallback === "function") {
    const id = requestIdleCallback(cb, { timeout: timeoutMs });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(() => {
    const end = performance.now() + FALLBACK_MS;
    cb({ timeRemaining: () => Math.max(0, end - performance.now()), didTimeout: false });
  }, 50);
  return () => clearTimeout(id);
}
