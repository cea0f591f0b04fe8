// Everything about an open notebook that is not in the shared document: the connection,
// the kernel, a pending input() prompt, open comms, the save state and a conflict.
// `applyServerMessage` is a pure reducer over the server's JSON messages.
import type { CommPayload, InputRequest, KernelStatus, SaveStatus, ServerMessage } from "./protocol";
import { WIDGET_TARGET } from "./widgets";

export type ConnectionState =
  /** Opening the socket (the first time, or again after a drop). */
  | "connecting"
  /** Open, the document not yet in sync (waiting for hello or SyncStep2). */
  | "syncing"
  | "connected"
  /** Closed; a reconnect is scheduled at `retryAt`. */
  | "disconnected";

export interface SessionState {
  readonly connection: ConnectionState;
  /** When the next reconnect attempt starts (ms since the epoch), while disconnected. */
  readonly retryAt: number | null;
  /** Why the socket last closed (code and reason), for the banner. */
  readonly closeReason: string | null;
  readonly docId: string | null;
  readonly path: string;
  readonly kernel: KernelStatus;
  readonly input: InputRequest | null;
  /** Comms still open, by comm_id. */
  readonly comms: ReadonlyMap<string, CommPayload>;
  readonly save: SaveStatus;
  readonly trusted: boolean;
  readonly conflict: { readonly disk_modified: string } | null;
  /** The server's last `error` message not tied to a request. */
  readonly error: string | null;
}

/** Whether the page shows the document as live: connected, or syncing again a document
 * it already has (a brief resync is not worth a banner). */
export function looksConnected(s: SessionState): boolean {
  return s.connection === "connected" || (s.connection === "syncing" && s.docId !== null);
}

export const NO_KERNEL: KernelStatus = { state: "none", name: "", display_name: "", language: "" };

export function initialSession(path: string): SessionState {
  return {
    connection: "connecting",
    retryAt: null,
    closeReason: null,
    docId: null,
    path,
    kernel: NO_KERNEL,
    input: null,
    comms: new Map(),
    save: { dirty: false, last_saved: null, checkpoint: null },
    trusted: true,
    conflict: null,
    error: null,
  };
}

function commId(c: CommPayload): string {
  const id = c.content["comm_id"];
  return typeof id === "string" ? id : "";
}

export function applyServerMessage(state: SessionState, msg: ServerMessage): SessionState {
  switch (msg.type) {
    case "hello":
      return {
        ...state,
        docId: msg.doc_id,
        path: msg.path,
        kernel: msg.kernel,
        input: msg.input,
        comms: new Map(msg.comms.map((c) => [commId(c), c])),
        save: msg.save,
        trusted: msg.trusted,
        conflict: null,
        error: null,
      };
    case "kernel": {
      const { type: _, ...kernel } = msg;
      return { ...state, kernel };
    }
    case "input_request": {
      const { type: _, ...input } = msg;
      return { ...state, input };
    }
    case "input_done":
      return state.input?.request === msg.request ? { ...state, input: null } : state;
    case "comm_open": {
      // A widget model's comm is the widget host's (model/widgets.ts keeps them), as
      // hello.comms leaves them out: a cell of 100 sliders opens 302 of them, and each
      // would copy this map and wake every comm's output for nothing.
      if (msg.content["target_name"] === WIDGET_TARGET) return state;
      const comms = new Map(state.comms);
      comms.set(commId(msg), { content: msg.content, metadata: msg.metadata, buffers: msg.buffers });
      return { ...state, comms };
    }
    case "comm_close": {
      if (!state.comms.has(commId(msg))) return state;
      const comms = new Map(state.comms);
      comms.delete(commId(msg));
      return { ...state, comms };
    }
    case "save": {
      const { type: _, ...save } = msg;
      // A clean save means the conflict was resolved one way or the other.
      return { ...state, save, conflict: save.dirty ? state.conflict : null };
    }
    case "conflict":
      return { ...state, conflict: { disk_modified: msg.disk_modified } };
    case "error":
      return msg.req === undefined ? { ...state, error: msg.message } : state;
    case "comm_msg":
    case "comm_idle":
    case "complete_reply":
    case "inspect_reply":
      return state;
    default: {
      const never: never = msg;
      return never;
    }
  }
}

export function setConnection(
  state: SessionState,
  connection: ConnectionState,
  extra: { retryAt?: number | null; closeReason?: string | null } = {},
): SessionState {
  return {
    ...state,
    connection,
    retryAt: extra.retryAt ?? null,
    closeReason: extra.closeReason !== undefined ? extra.closeReason : state.closeReason,
  };
}

/** The label of the kernel indicator. */
export function kernelLabel(k: KernelStatus): string {
  const name = k.display_name || k.name || "no kernel";
  switch (k.state) {
    case "none":
      return "no kernel";
    case "dead":
      return `${name}: dead${k.cause ? ` (${k.cause})` : ""}`;
    default:
      return `${name}: ${k.state}`;
  }
}
