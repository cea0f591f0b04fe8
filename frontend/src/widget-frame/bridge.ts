// The frame's end of the widget bridge (model/widget-bridge.ts): comms that ipywidgets'
// manager uses as if they were kernel comms, relayed by postMessage through the page.
//
// - `send` returns the msg_id the page sends the kernel message under, so ipywidgets
//   can match the kernel's echo_update to it (WidgetModel._expectedEchoMsgIds).
// - The page's idle for that msg_id calls the iopub status callback: ipywidgets keeps
//   one message per model in flight and sends the next only then.
// - Messages for a comm that arrive before its model listens are kept until it does
//   (a model attaches on_msg only once its class is loaded).
import type { ICallbacks, IClassicComm } from "@jupyter-widgets/base";
import type { JSONObject } from "../model/protocol";
import type { FromFrame } from "../model/widget-bridge";

type Listener = (msg: unknown) => void;

/** A kernel message as ipywidgets' comm callbacks read it. */
export interface KernelMessageLike {
  header: { msg_id: string; msg_type: string };
  parent_header: { msg_id?: string };
  metadata: JSONObject;
  content: JSONObject;
  buffers: DataView[];
}

export function toDataView(b: Uint8Array | ArrayBuffer | ArrayBufferView): DataView {
  if (b instanceof ArrayBuffer) return new DataView(b);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function toBytes(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export class BridgeComm implements IClassicComm {
  private onMsg: Listener | null = null;
  private onClose: Listener | null = null;
  private early: unknown[] = [];

  constructor(
    readonly comm_id: string,
    readonly target_name: string,
    private readonly bridge: Bridge,
  ) {}

  // The kernel opened every comm the frame sees; the frame never opens or closes one
  // (the page relays comm_msg only).
  open(): string {
    return "";
  }

  close(): string {
    return "";
  }

  send(data: unknown, callbacks?: ICallbacks, metadata?: JSONObject, buffers?: ArrayBuffer[] | ArrayBufferView[]): string {
    return this.bridge.send(this.comm_id, data as JSONObject, callbacks, metadata, buffers);
  }

  on_msg(cb: Listener): void {
    this.onMsg = cb;
    const early = this.early;
    this.early = [];
    for (const m of early) cb(m);
  }

  on_close(cb: Listener): void {
    this.onClose = cb;
  }

  deliver(msg: KernelMessageLike): void {
    if (this.onMsg) this.onMsg(msg);
    else this.early.push(msg);
  }

  closed(msg: KernelMessageLike): void {
    this.onClose?.(msg);
  }
}

export class Bridge {
  private readonly pending = new Map<string, ICallbacks | undefined>();
  private count = 0;
  readonly comms = new Map<string, BridgeComm>();

  constructor(
    private readonly prefix: string,
    private readonly post: (msg: FromFrame, transfer: ArrayBuffer[]) => void,
  ) {}

  comm(commId: string, target: string): BridgeComm {
    let c = this.comms.get(commId);
    if (!c) this.comms.set(commId, (c = new BridgeComm(commId, target, this)));
    return c;
  }

  send(commId: string, data: JSONObject, callbacks?: ICallbacks, metadata?: JSONObject, buffers?: ArrayBuffer[] | ArrayBufferView[]): string {
    const msgId = `${this.prefix}${++this.count}`;
    this.pending.set(msgId, callbacks);
    const bytes = (buffers ?? []).map((b) => toBytes(b).slice());
    this.post(
      { type: "nw-widget-send", comm_id: commId, msg_id: msgId, data, metadata: metadata ?? {}, buffers: bytes },
      bytes.map((b) => b.buffer as ArrayBuffer),
    );
    return msgId;
  }

  /** The kernel is done with `msgId`: what ipywidgets waits for before its next send. */
  idle(msgId: string): void {
    if (!this.pending.has(msgId)) return;
    const callbacks = this.pending.get(msgId);
    this.pending.delete(msgId);
    callbacks?.iopub?.["status"]?.({
      header: { msg_id: `${msgId}-idle`, msg_type: "status" },
      parent_header: { msg_id: msgId },
      metadata: {},
      content: { execution_state: "idle" },
      channel: "iopub",
    } as never);
  }

  /** The kernel went away: nothing in flight will be answered. */
  releaseAll(): void {
    for (const id of [...this.pending.keys()]) this.idle(id);
  }
}
