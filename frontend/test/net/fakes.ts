// A fake socket, a fake clock and an in-memory server that speaks the notebook protocol's
// y-sync part, so the client is tested with no network.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { Clock, SocketLike } from "../../src/net/client";
import { binaryFrame, decodeFrame, FRAME_SYNC, type Frame } from "../../src/net/frames";

export class FakeSocket implements SocketLike {
  binaryType = "blob";
  onopen: (() => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: string | ArrayBuffer }) => void) | null = null;
  onerror: (() => void) | null = null;
  sent: Array<string | Uint8Array> = [];
  closed: { code?: number; reason?: string } | null = null;
  /** Called for each frame the client sends. */
  peer: ((data: string | Uint8Array) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string | Uint8Array): void {
    if (this.closed) throw new Error("send on a closed socket");
    this.sent.push(data);
    this.peer?.(data);
  }

  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }

  /** The server side: deliver a frame to the client. */
  deliver(data: string | Uint8Array): void {
    const payload = typeof data === "string" ? data : (data.slice().buffer as ArrayBuffer);
    this.onmessage?.({ data: payload });
  }

  /** The network drops (or the server closes). */
  drop(code = 1006, reason = ""): void {
    this.closed = { code, reason };
    this.onclose?.({ code, reason });
  }

  frames(): Frame[] {
    return this.sent.map((d) => decodeFrame(d));
  }

  json(): Array<Record<string, unknown>> {
    return this.frames().flatMap((f) => (f.kind === "json" ? [f.json as Record<string, unknown>] : []));
  }
}

export class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; f: () => void; id: number }> = [];
  private ids = 0;
  randomValue = 1;

  now(): number {
    return this.t;
  }
  random(): number {
    return this.randomValue;
  }
  setTimeout(f: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, f, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  pendingDelays(): number[] {
    return this.timers.map((t) => t.at - this.t);
  }
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.t = next.at;
      next.f();
    }
    this.t = until;
  }
}

/** A server-side document that syncs with the client over a FakeSocket, as the real server does. */
export class FakeServer {
  doc = new Y.Doc();
  socket: FakeSocket | null = null;
  received: Frame[] = [];
  docId = "doc-1";
  /** Frames for the client, delivered by pump() (a real socket is never re-entrant). */
  outbox: Array<string | Uint8Array> = [];

  /** Delivers what the server has to send until both sides are quiet. */
  pump(): void {
    while (this.outbox.length > 0 && this.socket && !this.socket.closed) this.socket.deliver(this.outbox.shift()!);
  }

  send(data: string | Uint8Array | Record<string, unknown>): void {
    this.outbox.push(typeof data === "string" || data instanceof Uint8Array ? data : JSON.stringify(data));
  }

  constructor() {
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === this || !this.socket || this.socket.closed) return;
      const e = encoding.createEncoder();
      syncProtocol.writeUpdate(e, update);
      this.send(binaryFrame(FRAME_SYNC, encoding.toUint8Array(e)));
    });
  }

  hello(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      type: "hello",
      doc_id: this.docId,
      path: "nb.ipynb",
      kernel: { state: "idle", name: "python3", display_name: "Python 3", language: "python" },
      input: null,
      comms: [],
      save: { dirty: false, last_saved: null, checkpoint: null },
      trusted: true,
      ...extra,
    };
  }

  /** Accepts a client socket: sends hello and answers sync as the protocol says. */
  accept(socket: FakeSocket, opts: { open?: boolean } = {}): void {
    this.socket = socket;
    socket.peer = (data) => this.onFrame(data);
    this.outbox = [];
    if (opts.open !== false) {
      socket.onopen?.();
      this.send(this.hello());
      this.pump();
    }
  }

  private onFrame(data: string | Uint8Array): void {
    const frame = decodeFrame(data);
    this.received.push(frame);
    if (frame.kind !== "sync") return;
    const decoder = decoding.createDecoder(frame.payload);
    const encoder = encoding.createEncoder();
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
    if (kind === syncProtocol.messageYjsSyncStep1) {
      this.send(binaryFrame(FRAME_SYNC, encoding.toUint8Array(encoder)));
      const step1 = encoding.createEncoder();
      syncProtocol.writeSyncStep1(step1, this.doc);
      this.send(binaryFrame(FRAME_SYNC, encoding.toUint8Array(step1)));
    }
  }
}
