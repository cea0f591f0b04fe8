// The postMessage protocol between the notebook page and a widget frame
// (/static/widgets.html, src/widget-frame-main.ts). The frame runs widget code, which is
// kernel-controlled or third-party, in an opaque origin: the page reads what a frame
// says only through `parseFrameMessage`, and lets it do one thing, send a comm_msg on a
// live widget comm under a msg_id that starts with the prefix the page gave it.
import { MSG_ID_PATTERN, type JSONObject } from "./protocol";
import type { ModelSnapshot } from "./widgets";

/** One widget view a frame shows: `key` names the output it stands for (unique in the
 * page), `model_id` the model whose view it is. */
export interface FrameView {
  readonly key: string;
  readonly model_id: string;
}

/** Page -> frame. */
export type ToFrame =
  /** Once, after the frame said it is ready and the page gave it outputs to show: the
   * views, in order, and the current state of every model they reach
   * (model/widgets.ts `reachable`). */
  | {
      readonly type: "nw-widget-init";
      readonly views: readonly FrameView[];
      readonly models: readonly ModelSnapshot[];
      /** Every msg_id the frame sends starts with this. */
      readonly prefix: string;
    }
  /** The frame's outputs changed (one was added to its run, or removed): every view it
   * shows now, in order; any model they newly reach came first in `nw-widget-models`. */
  | { readonly type: "nw-widget-views"; readonly views: readonly FrameView[] }
  /** Models the frame's models came to reach (a Box gained a child), sent before the
   * message that makes them reachable. */
  | { readonly type: "nw-widget-models"; readonly models: readonly ModelSnapshot[] }
  /** A kernel comm message of target jupyter.widget about a model the frame holds (every
   * later one, in order). */
  | {
      readonly type: "nw-widget-comm";
      readonly kind: "comm_open" | "comm_msg" | "comm_close";
      readonly content: JSONObject;
      readonly metadata: JSONObject;
      readonly buffers: readonly Uint8Array[];
      readonly parent: string | null;
    }
  /** The kernel finished the frame's message `parent` (ipywidgets' throttle waits for it). */
  | { readonly type: "nw-widget-idle"; readonly parent: string }
  /** The kernel went away: every model is static now, nothing is in flight any more. */
  | { readonly type: "nw-widget-static" }
  /** Several of the above, in order: what the page had for the frame when its task
   * ended (a burst of comm messages costs one postMessage, one task in the frame). */
  | { readonly type: "nw-widget-batch"; readonly messages: readonly ToFrame[] };

/** Frame -> page. */
export type FromFrame =
  /** The frame's script runs; `frame` is the name the page gave it (its URL's fragment). */
  | { readonly type: "nw-widget-ready"; readonly frame: string }
  /** The frame got a message that gives it views (`nw-widget-init`, `nw-widget-views`):
   * it is alive (the page replaces a frame that does not answer). */
  | { readonly type: "nw-widget-ack" }
  | { readonly type: "nw-frame-height"; readonly height: number }
  /** The views it was given are painted at the height it asked for: the page may now
   * start work that would compete with them for the frames' renderer (a spare frame). */
  | { readonly type: "nw-widget-shown" }
  | {
      readonly type: "nw-widget-send";
      readonly comm_id: string;
      readonly msg_id: string;
      readonly data: JSONObject;
      readonly metadata: JSONObject;
      readonly buffers: Uint8Array[];
    };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function toBytes(v: unknown): Uint8Array | null {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  return null;
}

/**
 * What a frame said, checked; null for anything else (ignored). `prefix` is the one
 * this frame was given: a msg_id without it is refused, so one frame cannot take
 * another's kernel replies.
 */
export function parseFrameMessage(data: unknown, prefix: string): FromFrame | null {
  if (!isObject(data)) return null;
  switch (data["type"]) {
    case "nw-widget-ready": {
      const frame = data["frame"];
      return typeof frame === "string" ? { type: "nw-widget-ready", frame } : null;
    }
    case "nw-widget-ack":
      return { type: "nw-widget-ack" };
    case "nw-widget-shown":
      return { type: "nw-widget-shown" };
    case "nw-frame-height": {
      const h = data["height"];
      return typeof h === "number" && Number.isFinite(h) ? { type: "nw-frame-height", height: h } : null;
    }
    case "nw-widget-send": {
      const { comm_id, msg_id, data: body, metadata, buffers } = data;
      if (typeof comm_id !== "string" || typeof msg_id !== "string") return null;
      if (!MSG_ID_PATTERN.test(msg_id) || !msg_id.startsWith(prefix)) return null;
      if (!isObject(body) || (metadata !== undefined && !isObject(metadata))) return null;
      const bytes = Array.isArray(buffers) ? buffers.map(toBytes) : [];
      if (bytes.some((b) => b === null)) return null;
      return {
        type: "nw-widget-send",
        comm_id,
        msg_id,
        // Structured clone gave plain data: JSON-typed apart from the buffers, taken out.
        data: body as JSONObject,
        metadata: (metadata ?? {}) as JSONObject,
        buffers: bytes as Uint8Array[],
      };
    }
    default:
      return null;
  }
}
