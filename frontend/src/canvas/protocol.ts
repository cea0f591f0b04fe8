// The canvas comm's messages (docs/canvas-protocol.md). Kernel messages are decoded
// once, here, by parseCanvasMessage; past this point the view works with these types.

export const CANVAS_TARGET = "notewire.canvas";
export const CANVAS_MIME = "application/vnd.notewire.canvas+json";
export const CANVAS_PROTOCOL = 1;

/** x, y, width, height in physical px, origin top left. */
export type Rect = readonly [number, number, number, number];

/** The last input event a frame reflects (the view that sent it, its timestamp). */
export interface FrameInput {
  readonly view: string;
  readonly timestamp: number;
}

export interface FrameInfo {
  readonly frame: number;
  readonly input: FrameInput | null;
  readonly format: "jpeg" | "png";
  readonly key: boolean;
  readonly rect: Rect;
  readonly size: readonly [number, number];
  readonly ratio: number;
}

export interface ToolbarItem {
  readonly name: string;
  readonly label: string;
  readonly tooltip: string;
  readonly toggle: boolean;
}

/** An area the view may pan ahead of the kernel (section 2, `state.regions`): logical
 * px from the top left, and the colour of the strip a translation uncovers. */
export interface PanRegion {
  readonly rect: readonly [number, number, number, number];
  readonly background: string;
  /** A zoom scales both axes alike (matplotlib: an aspect other than "auto"). */
  readonly locked_aspect?: boolean;
}

/** What a view shows besides the picture (section 2, `state`). */
export interface CanvasState {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly cursor: string;
  readonly message: string;
  readonly toolbar: readonly ToolbarItem[];
  readonly active: string | null;
  readonly disabled: readonly string[];
  readonly rubberband: readonly [number, number, number, number] | null;
  readonly regions: readonly PanRegion[];
  readonly resizable: boolean;
  readonly closable: boolean;
  readonly capture_wheel: boolean;
}

export const INITIAL_STATE: CanvasState = {
  width: 640,
  height: 480,
  title: "",
  cursor: "default",
  message: "",
  toolbar: [],
  active: null,
  disabled: [],
  rubberband: null,
  regions: [],
  resizable: true,
  closable: true,
  capture_wheel: false,
};

export type KernelMessage =
  | ({ readonly type: "frame"; readonly image: Uint8Array } & FrameInfo)
  | { readonly type: "state"; readonly full: boolean; readonly changes: Partial<CanvasState> }
  | {
      readonly type: "download";
      readonly view: string;
      readonly filename: string;
      readonly mimetype: string;
      readonly data: Uint8Array;
    }
  | { readonly type: "error"; readonly text: string };

/** Input events, renderview spec (section 6). */
export type CanvasEvent =
  | {
      type:
        | "pointer_down"
        | "pointer_up"
        | "pointer_move"
        | "pointer_enter"
        | "pointer_leave"
        | "double_click";
      x: number;
      y: number;
      button: number;
      buttons: number[];
      modifiers: string[];
      timestamp: number;
    }
  | {
      type: "wheel";
      x: number;
      y: number;
      dx: number;
      dy: number;
      buttons: number[];
      modifiers: string[];
      timestamp: number;
    }
  | { type: "key_down" | "key_up"; key: string; modifiers: string[]; timestamp: number }
  | { type: "resize"; width: number; height: number; timestamp: number };

export type ViewMessage =
  | { type: "view"; view: string; visible: boolean; ratio: number }
  | { type: "detach"; view: string }
  | { type: "ack"; view: string; frame: number }
  | { type: "event"; view: string; event: CanvasEvent }
  | { type: "action"; view: string; name: string }
  | { type: "close"; view: string };

export class MalformedCanvasMessage extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function numbers(v: unknown, n: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every(isNumber)) {
    throw new MalformedCanvasMessage(`${what} must be ${n} numbers, got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneBuffer(buffers: readonly Uint8Array[], what: string): Uint8Array {
  const [first] = buffers;
  if (buffers.length !== 1 || first === undefined) {
    throw new MalformedCanvasMessage(`${what} needs one buffer, got ${buffers.length}`);
  }
  return first;
}

function parseState(o: Record<string, unknown>): Partial<CanvasState> {
  const out: Record<string, unknown> = {};
  const checks: Record<keyof CanvasState, (v: unknown) => boolean> = {
    width: (v) => isNumber(v) && v > 0,
    height: (v) => isNumber(v) && v > 0,
    title: (v) => typeof v === "string",
    cursor: (v) => typeof v === "string",
    message: (v) => typeof v === "string",
    toolbar: (v) =>
      Array.isArray(v) &&
      v.every(
        (i) =>
          isObject(i) &&
          typeof i["name"] === "string" &&
          typeof i["label"] === "string" &&
          typeof i["tooltip"] === "string" &&
          typeof i["toggle"] === "boolean",
      ),
    active: (v) => v === null || typeof v === "string",
    disabled: (v) => Array.isArray(v) && v.every((s) => typeof s === "string"),
    rubberband: (v) => v === null || (Array.isArray(v) && v.length === 4 && v.every(isNumber)),
    regions: (v) =>
      Array.isArray(v) &&
      v.every(
        (r) =>
          isObject(r) &&
          Array.isArray(r["rect"]) &&
          r["rect"].length === 4 &&
          r["rect"].every(isNumber) &&
          typeof r["background"] === "string",
      ),
    resizable: (v) => typeof v === "boolean",
    closable: (v) => typeof v === "boolean",
    capture_wheel: (v) => typeof v === "boolean",
  };
  for (const [key, check] of Object.entries(checks)) {
    if (!(key in o)) continue;
    if (!check(o[key])) {
      throw new MalformedCanvasMessage(`state: bad ${key}: ${JSON.stringify(o[key])}`);
    }
    out[key] = o[key];
  }
  return out as Partial<CanvasState>;
}

/** The typed form of a kernel comm_msg's data and buffers. Unknown types and malformed
 * fields throw MalformedCanvasMessage naming the value. */
export function parseCanvasMessage(data: unknown, buffers: readonly Uint8Array[]): KernelMessage {
  if (!isObject(data)) throw new MalformedCanvasMessage(`not an object: ${JSON.stringify(data)}`);
  const type = data["type"];
  switch (type) {
    case "frame": {
      const frame = data["frame"];
      const format = data["format"];
      const ratio = data["ratio"];
      if (!isNumber(frame) || !Number.isInteger(frame) || frame < 1) {
        throw new MalformedCanvasMessage(`frame: bad number ${JSON.stringify(frame)}`);
      }
      if (format !== "jpeg" && format !== "png") {
        throw new MalformedCanvasMessage(`frame: bad format ${JSON.stringify(format)}`);
      }
      if (!isNumber(ratio) || ratio <= 0) {
        throw new MalformedCanvasMessage(`frame: bad ratio ${JSON.stringify(ratio)}`);
      }
      const [x, y, w, h] = numbers(data["rect"], 4, "frame rect") as [number, number, number, number];
      const [pw, ph] = numbers(data["size"], 2, "frame size") as [number, number];
      const input = data["input"];
      const reflects =
        isObject(input) && typeof input["view"] === "string" && isNumber(input["timestamp"])
          ? { view: input["view"], timestamp: input["timestamp"] }
          : null;
      return {
        type,
        frame,
        input: reflects,
        format,
        key: data["key"] === true,
        rect: [x, y, w, h],
        size: [pw, ph],
        ratio,
        image: oneBuffer(buffers, "frame"),
      };
    }
    case "state":
      return { type, full: data["full"] === true, changes: parseState(data) };
    case "download": {
      const { view, filename, mimetype } = data;
      if (typeof view !== "string" || typeof filename !== "string" || typeof mimetype !== "string") {
        throw new MalformedCanvasMessage(`download: bad fields ${JSON.stringify(data)}`);
      }
      return { type, view, filename, mimetype, data: oneBuffer(buffers, "download") };
    }
    case "error": {
      const text = data["text"];
      if (typeof text !== "string") throw new MalformedCanvasMessage("error: no text");
      return { type, text };
    }
    default:
      throw new MalformedCanvasMessage(`unknown canvas message type ${JSON.stringify(type)}`);
  }
}

/** Apply a state message to the view's state (pure). */
export function applyState(state: CanvasState, full: boolean, changes: Partial<CanvasState>): CanvasState {
  return full ? { ...INITIAL_STATE, ...changes } : { ...state, ...changes };
}
