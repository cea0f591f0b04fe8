// The notebook page's hook for live canvases (docs/canvas-protocol.md, section 1): an
// output whose bundle has CANVAS_MIME shows a live view (canvas/index.ts) while its comm
// is open, and its stored image/png otherwise.
//
// - A comm is open when it is in hello.comms or was opened since (the session state
//   keeps that list); it closes on comm_close, when the kernel restarts or dies, and when
//   a later hello no longer lists it.
// - Every comm_msg of a comm goes to every view mounted on it.
// - An output that is re-rendered (update_display_data replaces the stored picture every
//   few seconds) keeps its live view: a view released by a re-render is taken up again
//   by the render that follows it in the same task, so the view never re-attaches.
// - A browser never sends comm_close for a canvas; a view that goes away sends `detach`.
import { CANVAS_MIME, mountCanvas, type CanvasComm, type CanvasHandle } from "../canvas";
import type { NotebookClient } from "../net/client";
import type { JSONObject, JSONValue, ServerMessage } from "../model/protocol";
import type { SessionState } from "../model/session";

type MessageListener = (data: unknown, buffers: readonly Uint8Array[]) => void;

const GONE_KERNEL_STATES = new Set(["restarting", "dead", "none"]);

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function textOf(value: JSONValue | undefined): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : "")).join("");
  return "";
}

function asObject(value: JSONValue | undefined): JSONObject | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
}

/** The open canvas comms of one notebook connection, and the views on them. */
class CanvasComms {
  private open = new Set<string>();
  private readonly messages = new Map<string, Set<MessageListener>>();
  private readonly closes = new Map<string, Set<() => void>>();
  private readonly opens = new Map<string, Set<() => void>>();
  private kernelGone = false;

  constructor(private readonly client: NotebookClient) {
    this.sync(client.session);
    client.subscribe({
      session: (s) => this.sync(s),
      message: (m) => this.onMessage(m),
    });
  }

  isOpen(commId: string): boolean {
    return this.open.has(commId);
  }

  /** The comm as a canvas view needs it. */
  comm(commId: string): CanvasComm {
    return {
      send: (data, buffers) =>
        this.client.send({
          type: "comm_msg",
          content: { comm_id: commId, data: data as JSONObject },
          ...(buffers && buffers.length ? { buffers: buffers.map((b) => new Uint8Array(b)) } : {}),
        }),
      onMessage: (cb) => this.listen(this.messages, commId, cb),
      onClose: (cb) => this.listen(this.closes, commId, cb),
    };
  }

  /** Calls `cb` once when `commId` opens (for an output rendered before its comm_open). */
  onOpen(commId: string, cb: () => void): () => void {
    return this.listen(this.opens, commId, cb);
  }

  private listen<T>(table: Map<string, Set<T>>, commId: string, cb: T): () => void {
    let set = table.get(commId);
    if (!set) table.set(commId, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0 && table.get(commId) === set) table.delete(commId);
    };
  }

  private onMessage(m: ServerMessage): void {
    if (m.type !== "comm_msg") return;
    const id = m.content["comm_id"];
    if (typeof id !== "string") return;
    const listeners = this.messages.get(id);
    if (!listeners) return;
    const data = m.content["data"] ?? {};
    for (const cb of [...listeners]) {
      try {
        cb(data, m.buffers ?? []);
      } catch (e) {
        console.error("notewire canvas:", e);
      }
    }
  }

  /** Follows the session's list of open comms and the kernel's state. */
  private sync(s: SessionState): void {
    const gone = GONE_KERNEL_STATES.has(s.kernel.state);
    const next = gone ? new Set<string>() : new Set(s.comms.keys());
    const wasGone = this.kernelGone;
    this.kernelGone = gone;
    const before = this.open;
    this.open = next;
    for (const id of before) if (!next.has(id)) this.fire(this.closes, id);
    // A comm listed again after the kernel came back is a different one only if the
    // kernel restarted; either way, views that were told it closed stay closed.
    for (const id of next) if (!before.has(id) || wasGone) this.fire(this.opens, id);
  }

  private fire(table: Map<string, Set<() => void>>, id: string): void {
    const listeners = table.get(id);
    if (!listeners) return;
    table.delete(id);
    for (const cb of listeners) {
      try {
        cb();
      } catch (e) {
        console.error("notewire canvas:", e);
      }
    }
  }
}

let hub: CanvasComms | null = null;

/** Connects canvas outputs to this page's notebook connection (once per page). */
export function attachCanvasComms(client: NotebookClient): void {
  hub = new CanvasComms(client);
}

interface Slot {
  readonly commId: string;
  readonly el: HTMLElement;
  handle: CanvasHandle | null;
}

/** Views released by a re-render, taken up by the next render of the same comm. */
const released = new Map<string, Slot[]>();

function release(slot: Slot): void {
  let list = released.get(slot.commId);
  if (!list) released.set(slot.commId, (list = []));
  list.push(slot);
  queueMicrotask(() => {
    const i = list.indexOf(slot);
    if (i < 0) return; // taken up again
    list.splice(i, 1);
    if (list.length === 0 && released.get(slot.commId) === list) released.delete(slot.commId);
    slot.handle?.destroy();
    slot.handle = null;
  });
}

function takeReleased(commId: string): Slot | null {
  const list = released.get(commId);
  const slot = list?.shift() ?? null;
  if (list && list.length === 0) released.delete(commId);
  return slot;
}

/**
 * Renders a display_data / execute_result bundle that has the canvas mime type, or
 * returns null when it has none (or the page has no notebook connection): the caller
 * then renders the bundle as usual.
 */
export function canvasOutput(
  data: JSONObject,
  metadata: JSONObject,
): { body: HTMLElement; destroy: () => void } | null {
  const spec = asObject(data[CANVAS_MIME]);
  if (!hub || !spec || typeof spec["comm_id"] !== "string") return null;
  const comms = hub;
  const commId = spec["comm_id"];
  const pngText = textOf(data["image/png"]);
  const size = asObject(metadata["image/png"]) ?? {};
  const width = typeof spec["width"] === "number" ? spec["width"] : typeof size["width"] === "number" ? size["width"] : undefined;
  const height =
    typeof spec["height"] === "number" ? spec["height"] : typeof size["height"] === "number" ? size["height"] : undefined;

  const staticImage = (): HTMLElement => {
    const img = document.createElement("img");
    img.className = "nw-image nw-canvas-image";
    img.alt = "image/png";
    img.src = `data:image/png;base64,${pngText.replace(/\s+/g, "")}`;
    if (width) img.width = width;
    if (height) img.height = height;
    return img;
  };

  let slot: Slot | null = comms.isOpen(commId) ? takeReleased(commId) : null;
  let stopWaiting = () => {};
  if (!slot) {
    const el = document.createElement("div");
    el.className = "nw-canvas-output";
    el.dataset["commId"] = commId;
    const s: Slot = { commId, el, handle: null };
    slot = s;
    const goLive = (): void => {
      s.el.replaceChildren();
      s.el.dataset["live"] = "true";
      s.handle = mountCanvas(s.el, comms.comm(commId), {
        ...(pngText ? { png: base64ToBytes(pngText) } : {}),
        ...(width !== undefined ? { width } : {}),
        ...(height !== undefined ? { height } : {}),
      });
    };
    if (comms.isOpen(commId)) goLive();
    else {
      el.dataset["live"] = "false";
      el.append(staticImage());
      stopWaiting = comms.onOpen(commId, goLive);
    }
  }
  const mine = slot;
  return {
    body: mine.el,
    destroy: () => {
      stopWaiting();
      if (mine.handle) release(mine);
    },
  };
}
