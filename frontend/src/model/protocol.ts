// The JSON messages of the notebook WebSocket (docs/notebook-protocol.md section 2).
// Server messages are decoded once, here, by parseServerMessage; past this point the
// code works with these types only.

export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
export type JSONObject = { [key: string]: JSONValue };

export type KernelState = "starting" | "idle" | "busy" | "restarting" | "dead" | "none";

export interface KernelStatus {
  readonly state: KernelState;
  readonly name: string;
  readonly display_name: string;
  readonly language: string;
  readonly cause?: string;
}

export interface InputRequest {
  readonly request: string;
  readonly cell: string;
  readonly prompt: string;
  readonly password: boolean;
}

export interface SaveStatus {
  readonly dirty: boolean;
  readonly last_saved: string | null;
  readonly checkpoint: string | null;
}

/** A comm message's payload: the kernel's content and metadata plus binary buffers. */
export interface CommPayload {
  readonly content: JSONObject;
  readonly metadata: JSONObject;
  readonly buffers: readonly Uint8Array[];
}

/** A comm message from the kernel: `parent` is its parent_header.msg_id (null when it
 * had none, or the server predates the field). */
export interface KernelCommMessage extends CommPayload {
  readonly parent: string | null;
}

/** One widget model in hello.widgets: its current state, buffers at `buffer_paths`. */
export interface WidgetSnapshot {
  readonly model_name: string;
  readonly model_module: string;
  readonly model_module_version: string;
  readonly state: JSONObject;
  readonly buffer_paths: readonly (readonly (string | number)[])[];
  readonly buffers: readonly Uint8Array[];
  /** Its comm is open on the running kernel (else: static, changes go nowhere). */
  readonly live: boolean;
}

export type ServerMessage =
  | {
      readonly type: "hello";
      readonly doc_id: string;
      readonly path: string;
      readonly kernel: KernelStatus;
      readonly input: InputRequest | null;
      readonly comms: readonly CommPayload[];
      /** Widget models by model_id (absent from servers that predate it: empty). */
      readonly widgets: ReadonlyMap<string, WidgetSnapshot>;
      readonly save: SaveStatus;
      readonly trusted: boolean;
    }
  | ({ readonly type: "kernel" } & KernelStatus)
  | { readonly type: "complete_reply" | "inspect_reply"; readonly req: string; readonly content: JSONObject }
  | ({ readonly type: "input_request" } & InputRequest)
  | { readonly type: "input_done"; readonly request: string }
  | ({ readonly type: "comm_open" | "comm_msg" | "comm_close" } & KernelCommMessage)
  /** The kernel finished the comm message this browser sent under msg_id `parent`. */
  | { readonly type: "comm_idle"; readonly parent: string }
  | ({ readonly type: "save" } & SaveStatus)
  | { readonly type: "conflict"; readonly disk_modified: string }
  | { readonly type: "error"; readonly message: string; readonly req?: string };

/**
 * What the server says about the notebook's file, which the session state does not
 * hold: it was renamed or moved (`path` is the new one; the session, its document and
 * its kernel go on), or deleted (the session is closed, the socket closes with 4009).
 */
export type FileMessage = { readonly type: "moved"; readonly path: string } | { readonly type: "deleted" };

export type ClientMessage =
  | { type: "run"; cells: string[] }
  | { type: "interrupt" }
  | { type: "restart"; run_all?: boolean }
  | { type: "clear_queue" }
  | { type: "change_kernel"; name: string }
  | { type: "complete"; req: string; code: string; cursor_pos: number }
  | { type: "inspect"; req: string; code: string; cursor_pos: number; detail_level: 0 | 1 }
  | { type: "input_reply"; request: string; value: string }
  | {
      type: "comm_open" | "comm_msg" | "comm_close";
      content: JSONObject;
      metadata?: JSONObject;
      buffers?: Uint8Array[];
      /** The kernel message's msg_id (MSG_ID_PATTERN); without it the server makes one. */
      msg_id?: string;
    }
  | { type: "save"; checkpoint?: boolean }
  | { type: "resolve_conflict"; choice: "overwrite" | "reload" }
  | { type: "restore_checkpoint" }
  | { type: "trust" };

/** What the server accepts as a client-chosen msg_id. */
export const MSG_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The server sent something this client cannot read; the message names what and where. */
export class MalformedMessage extends Error {
  override name = "MalformedMessage";
}

const KERNEL_STATES: ReadonlySet<string> = new Set([
  "starting",
  "idle",
  "busy",
  "restarting",
  "dead",
  "none",
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field<T>(o: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T {
  const v = o[key];
  if (!check(v)) {
    throw new MalformedMessage(`${String(o["type"])}: expected ${key} to be ${what}, got ${JSON.stringify(v)}`);
  }
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === "string";
const isJSONObject = (v: unknown): v is JSONObject => isObject(v);
const isOptString = (v: unknown): v is string | undefined => v === undefined || typeof v === "string";

function kernelStatus(o: Record<string, unknown>): KernelStatus {
  const state = field(o, "state", isString, "a string");
  if (!KERNEL_STATES.has(state)) throw new MalformedMessage(`unknown kernel state ${JSON.stringify(state)}`);
  const cause = field(o, "cause", isOptString, "a string");
  return {
    state: state as KernelState,
    name: typeof o["name"] === "string" ? o["name"] : "",
    display_name: typeof o["display_name"] === "string" ? o["display_name"] : "",
    language: typeof o["language"] === "string" ? o["language"] : "",
    ...(cause !== undefined ? { cause } : {}),
  };
}

function inputRequest(o: Record<string, unknown>): InputRequest {
  return {
    request: field(o, "request", isString, "a string"),
    cell: field(o, "cell", isString, "a string"),
    prompt: typeof o["prompt"] === "string" ? o["prompt"] : "",
    password: o["password"] === true,
  };
}

function saveStatus(o: Record<string, unknown>): SaveStatus {
  return {
    dirty: field(o, "dirty", isBool, "a boolean"),
    last_saved: field(o, "last_saved", isStringOrNull, "a string or null"),
    checkpoint: field(o, "checkpoint", isStringOrNull, "a string or null"),
  };
}

function commPayload(o: Record<string, unknown>, buffers: readonly Uint8Array[]): CommPayload {
  return {
    content: field(o, "content", isJSONObject, "an object"),
    metadata: isJSONObject(o["metadata"]) ? o["metadata"] : {},
    buffers,
  };
}

/** The hello frame's buffers named by `indices` (numbers into the frame's buffers). */
function pickBuffers(indices: unknown[], buffers: readonly Uint8Array[], what: string): Uint8Array[] {
  return indices.map((i) => {
    const b = typeof i === "number" ? buffers[i] : undefined;
    if (!b) throw new MalformedMessage(`hello: ${what} names buffer ${JSON.stringify(i)} of ${buffers.length}`);
    return b;
  });
}

const isPath = (v: unknown): v is (string | number)[] =>
  Array.isArray(v) && v.every((k) => typeof k === "string" || typeof k === "number");

function widgetSnapshots(value: unknown, buffers: readonly Uint8Array[]): ReadonlyMap<string, WidgetSnapshot> {
  const out = new Map<string, WidgetSnapshot>();
  if (value === undefined) return out;
  if (!isObject(value)) throw new MalformedMessage(`hello: expected widgets to be an object, got ${JSON.stringify(value)}`);
  for (const [id, w] of Object.entries(value)) {
    if (!isObject(w)) throw new MalformedMessage(`hello: widget ${id} is not an object`);
    const o: Record<string, unknown> = { ...w, type: `hello widget ${id}` };
    const paths = field(o, "buffer_paths", Array.isArray, "a list") as unknown[];
    if (!paths.every(isPath)) throw new MalformedMessage(`hello: widget ${id} has a bad buffer path`);
    const bufs = pickBuffers(field(o, "buffers", Array.isArray, "a list") as unknown[], buffers, `widget ${id}`);
    if (bufs.length !== paths.length) {
      throw new MalformedMessage(`hello: widget ${id} has ${paths.length} buffer paths and ${bufs.length} buffers`);
    }
    out.set(id, {
      model_name: field(o, "model_name", isString, "a string"),
      model_module: field(o, "model_module", isString, "a string"),
      model_module_version: field(o, "model_module_version", isString, "a string"),
      state: field(o, "state", isJSONObject, "an object"),
      buffer_paths: paths as (string | number)[][],
      buffers: bufs,
      live: o["live"] === true,
    });
  }
  return out;
}

/**
 * Decodes one server message (a text frame's JSON, or a 0x02 frame's JSON plus buffers).
 * Raises MalformedMessage for anything outside the protocol, unknown types included.
 */
export function parseServerMessage(json: unknown, buffers: readonly Uint8Array[] = []): ServerMessage {
  if (!isObject(json)) throw new MalformedMessage(`expected a JSON object, got ${JSON.stringify(json)}`);
  const type = json["type"];
  switch (type) {
    case "hello": {
      const comms = field(json, "comms", Array.isArray, "a list") as unknown[];
      const input = json["input"];
      return {
        type,
        doc_id: field(json, "doc_id", isString, "a string"),
        path: field(json, "path", isString, "a string"),
        kernel: kernelStatus(field(json, "kernel", isObject, "an object")),
        input: isObject(input) ? inputRequest(input) : null,
        comms: comms.map((c) => {
          if (!isObject(c)) throw new MalformedMessage(`hello: a comm is not an object: ${JSON.stringify(c)}`);
          // `buffers` indexes the hello frame's own buffers (docs/notebook-protocol.md).
          const indices = Array.isArray(c["buffers"]) ? c["buffers"] : [];
          return commPayload(
            c,
            indices.filter((i): i is number => typeof i === "number" && buffers[i] !== undefined).map((i) => buffers[i]!),
          );
        }),
        widgets: widgetSnapshots(json["widgets"], buffers),
        save: saveStatus(field(json, "save", isObject, "an object")),
        trusted: json["trusted"] === true,
      };
    }
    case "kernel":
      return { type, ...kernelStatus(json) };
    case "complete_reply":
    case "inspect_reply":
      return {
        type,
        req: field(json, "req", isString, "a string"),
        content: field(json, "content", isJSONObject, "an object"),
      };
    case "input_request":
      return { type, ...inputRequest(json) };
    case "input_done":
      return { type, request: field(json, "request", isString, "a string") };
    case "comm_open":
    case "comm_msg":
    case "comm_close":
      return { type, ...commPayload(json, buffers), parent: isString(json["parent"]) ? json["parent"] : null };
    case "comm_idle":
      return { type, parent: field(json, "parent", isString, "a string") };
    case "save":
      return { type, ...saveStatus(json) };
    case "conflict":
      return { type, disk_modified: field(json, "disk_modified", isString, "a string") };
    case "error": {
      const req = field(json, "req", isOptString, "a string");
      return {
        type,
        message: field(json, "message", isString, "a string"),
        ...(req !== undefined ? { req } : {}),
      };
    }
    default:
      throw new MalformedMessage(`unknown message type ${JSON.stringify(type)}`);
  }
}

/**
 * Decodes a server message about the notebook's file; null for any other message
 * (those go to parseServerMessage). Raises MalformedMessage for a bad one.
 */
export function parseFileMessage(json: unknown): FileMessage | null {
  if (!isObject(json)) return null;
  switch (json["type"]) {
    case "moved":
      return { type: "moved", path: field(json, "path", isString, "a string") };
    case "deleted":
      return { type: "deleted" };
    default:
      return null;
  }
}
