// The notebook WebSocket client: the y-sync handshake, awareness, the JSON messages, a
// new document when the server's doc_id changes, and reconnecting with backoff.
// It owns no DOM: the socket and the timers come in as seams, so tests drive it with a
// fake socket and a fake clock.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import {
  MalformedMessage,
  parseFileMessage,
  parseServerMessage,
  type ClientMessage,
  type FileMessage,
  type JSONObject,
  type ServerMessage,
} from "../model/protocol";
import { applyServerMessage, initialSession, setConnection, type SessionState } from "../model/session";
import { binaryFrame, decodeFrames, encodeMessage, FRAME_AWARENESS, FRAME_SYNC, type Frame } from "./frames";
import { socketUrl } from "./urls";

/** The part of the browser's WebSocket this client uses. */
export interface SocketLike {
  binaryType: string;
  onopen: (() => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: string | ArrayBuffer }) => void) | null;
  onerror: (() => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface Clock {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

export interface ClientOptions {
  /** The ws:// or wss:// URL of /api/notebooks/{path}/ws. */
  readonly url: string;
  /** The notebook path, as the page knows it before hello. */
  readonly path: string;
  readonly socket?: (url: string) => SocketLike;
  readonly clock?: Clock;
  /** Reconnect delays: base * 2^attempt, capped, times a random 0.5-1 factor (ms). */
  readonly backoff?: { readonly base: number; readonly max: number };
  /** How long a complete/inspect request may wait for its reply (ms). */
  readonly requestTimeout?: number;
  /**
   * When local edits and cursor moves go out: they are gathered until `schedule` calls
   * back, then sent as one message each. Anything else the client sends, and close(),
   * sends what is gathered first, so a `run` never overtakes the source it runs.
   * Default: at once. The page sends them after the next frame is painted, so that
   * encoding and sending an edit does not delay the keystroke's own frame.
   */
  readonly schedule?: (send: () => void) => void;
}

export interface ClientListeners {
  /** The session state changed (connection, kernel, input, save, conflict...). */
  session?(state: SessionState): void;
  /** Every server message, after the session state took it in (comm traffic, replies). */
  message?(msg: ServerMessage): void;
  /** The document was replaced by an empty one (a new doc_id); rebind everything to it. */
  reset?(doc: Y.Doc, awareness: awarenessProtocol.Awareness): void;
  /** The document is in sync with the server (after every (re)connect). */
  synced?(): void;
  /**
   * The notebook's file was renamed or moved (the session state's path is already the
   * new one, and reconnects go there), or deleted (the client stops reconnecting until
   * `resume`).
   */
  file?(msg: FileMessage): void;
  /** The server sent something this client cannot read; the client goes on. */
  protocolError?(error: Error): void;
}

/** A request that failed: the server's error, a timeout, or the connection dropping. */
export class RequestFailed extends Error {
  override name = "RequestFailed";
}

const MAX_QUEUED = 200;
/** The server closed the notebook (docs/notebook-protocol.md); with this reason, because
 * its kernel was shut down on request. */
export const CLOSE_NOTEBOOK_CLOSED = 4009;
export const KERNEL_SHUT_DOWN = "kernel shut down";

interface Pending {
  resolve(content: JSONObject): void;
  reject(e: Error): void;
  timer: unknown;
}

export class NotebookClient {
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
  session: SessionState;

  private readonly opts: Required<Omit<ClientOptions, "socket">> & { socket: (url: string) => SocketLike };
  private readonly listeners = new Set<ClientListeners>();
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private closed = false;
  /** True once hello arrived on the current socket: updates may flow. */
  private greeted = false;
  /** True once this client answered the server's SyncStep1: queued messages may flow. */
  private caughtUp = false;
  private queue: ClientMessage[] = [];
  private readonly pending = new Map<string, Pending>();
  private nextReq = 1;
  private unbindDoc: () => void = () => {};
  /** The file was deleted on the server: no reconnecting until `resume`. */
  private fileDeleted = false;
  private kernelShutDown = false;
  /** The socket URL; it follows the file when the server says it moved. */
  private url: string;
  /** Local document updates and awareness changes not sent yet (see `schedule`). */
  private outUpdates: Uint8Array[] = [];
  private readonly outClients = new Set<number>();
  private flushScheduled = false;

  constructor(opts: ClientOptions) {
    this.opts = {
      url: opts.url,
      path: opts.path,
      socket: opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      clock: opts.clock ?? realClock,
      backoff: opts.backoff ?? { base: 500, max: 10_000 },
      requestTimeout: opts.requestTimeout ?? 10_000,
      schedule: opts.schedule ?? ((send) => send()),
    };
    this.url = opts.url;
    this.session = initialSession(opts.path);
    this.doc = new Y.Doc();
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.bindDoc();
    this.open();
  }

  subscribe(l: ClientListeners): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Sends a message. While disconnected, messages wait (up to a bound) and go out once
   * the document is back in sync, so a `run` never reaches the server ahead of the
   * source it runs.
   */
  send(msg: ClientMessage): void {
    this.flushLocal();
    if (this.socket && this.caughtUp) this.socket.send(encodeMessage(msg));
    else if (this.queue.length < MAX_QUEUED) this.queue.push(msg);
  }

  /** Sends a complete or inspect request; resolves with the kernel's reply content. */
  request(
    msg: Omit<Extract<ClientMessage, { type: "complete" }>, "req"> | Omit<Extract<ClientMessage, { type: "inspect" }>, "req">,
  ): Promise<JSONObject> {
    if (!this.socket || !this.caughtUp) return Promise.reject(new RequestFailed("not connected"));
    const req = `r${this.nextReq++}`;
    return new Promise<JSONObject>((resolve, reject) => {
      const timer = this.opts.clock.setTimeout(() => {
        this.pending.delete(req);
        reject(new RequestFailed(`no ${msg.type} reply in ${this.opts.requestTimeout} ms`));
      }, this.opts.requestTimeout);
      this.pending.set(req, { resolve, reject, timer });
      this.send({ ...msg, req } as ClientMessage);
    });
  }

  /** Skips the wait of a scheduled reconnect (the banner's button, the browser going
   * online); after the kernel was shut down, connects again, which starts one. */
  reconnectNow(): void {
    if (this.closed || this.socket) return;
    this.kernelShutDown = false;
    if (this.retryTimer !== null) this.opts.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  }

  /** Whether the server closed the notebook because its kernel was shut down on
   * request (from the file browser or the REST API); nothing reconnects until asked. */
  get stopped(): boolean {
    return this.kernelShutDown;
  }

  /** Whether the server said the notebook's file was deleted (and closed it). */
  get deleted(): boolean {
    return this.fileDeleted;
  }

  /** After the file was deleted and saved again: connect again (to a new session). */
  resume(): void {
    this.fileDeleted = false;
    this.attempt = 0;
    this.reconnectNow();
  }

  /**
   * The notebook is now at `path` (the server said so, or this page renamed it and
   * knows before the server's message comes): reconnects go there. Tells the
   * listeners once per new path.
   */
  moveTo(path: string): void {
    if (path === this.session.path) return;
    this.url = movedSocketURL(this.url, path);
    this.attempt = 0; // a socket closed for "moved" comes back at once, at the new path
    this.setSession({ ...this.session, path });
    this.emit("file", { type: "moved", path });
  }

  /** Closes for good: no reconnect. Tells the other browsers this one's cursor is gone. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) this.opts.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], "close");
    this.flushLocal();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, "closed");
    }
    this.failPending("closed");
    this.unbindDoc();
    this.awareness.destroy();
  }

  private emit<K extends keyof ClientListeners>(key: K, ...args: Parameters<NonNullable<ClientListeners[K]>>): void {
    for (const l of this.listeners) {
      const f = l[key] as ((...a: unknown[]) => void) | undefined;
      f?.apply(l, args);
    }
  }

  private setSession(s: SessionState): void {
    if (s === this.session) return;
    this.session = s;
    this.emit("session", s);
  }

  private bindDoc(): void {
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin === this || !this.socket || !this.greeted) return;
      this.outUpdates.push(update);
      this.scheduleFlush();
    };
    const onAwareness = (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ) => {
      if (origin === this || !this.socket || !this.greeted) return;
      for (const c of [...added, ...updated, ...removed]) this.outClients.add(c);
      this.scheduleFlush();
    };
    this.doc.on("update", onUpdate);
    this.awareness.on("update", onAwareness);
    this.unbindDoc = () => {
      this.doc.off("update", onUpdate);
      this.awareness.off("update", onAwareness);
    };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.opts.schedule(() => {
      this.flushScheduled = false;
      this.flushLocal();
    });
  }

  /** Sends the gathered local updates (merged into one) and awareness changes. */
  private flushLocal(): void {
    const updates = this.outUpdates;
    const clients = [...this.outClients];
    this.outUpdates = [];
    this.outClients.clear();
    if (!this.socket || !this.greeted) return; // the next handshake carries them
    if (updates.length > 0) {
      const e = encoding.createEncoder();
      syncProtocol.writeUpdate(e, updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates));
      this.socket.send(binaryFrame(FRAME_SYNC, encoding.toUint8Array(e)));
    }
    if (clients.length > 0) this.sendAwareness(clients);
  }

  private sendAwareness(clients: number[]): void {
    const e = encoding.createEncoder();
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    this.socket?.send(binaryFrame(FRAME_AWARENESS, encoding.toUint8Array(e)));
  }

  /** Throws the document away for an empty one (the server has a different document). */
  private resetDoc(): void {
    const local = this.awareness.getLocalState();
    this.unbindDoc();
    this.awareness.destroy();
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    if (local) this.awareness.setLocalState(local);
    this.bindDoc();
    this.emit("reset", this.doc, this.awareness);
  }

  private open(): void {
    this.setSession(setConnection(this.session, "connecting"));
    const socket = this.opts.socket(this.url);
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => this.setSession(setConnection(this.session, "syncing"));
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (ev.code === CLOSE_NOTEBOOK_CLOSED && ev.reason === KERNEL_SHUT_DOWN) this.kernelShutDown = true;
      this.dropped(`${ev.code}${ev.reason ? ` ${ev.reason}` : ""}`);
    };
  }

  private dropped(reason: string): void {
    this.socket = null;
    this.flushLocal(); // forgets them: the next handshake carries the document
    this.greeted = false;
    this.caughtUp = false;
    this.failPending("disconnected");
    const remote = [...this.awareness.getStates().keys()].filter((c) => c !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, remote, this);
    if (this.closed) return;
    if (this.fileDeleted || this.kernelShutDown) {
      // No reconnect of our own: it would open the notebook again and, for a shut-down
      // kernel, start a new one. The page offers to (resume, reconnectNow).
      this.setSession(setConnection(this.session, "disconnected", { retryAt: null, closeReason: reason }));
      return;
    }
    const { base, max } = this.opts.backoff;
    const delay = Math.min(max, base * 2 ** this.attempt) * (0.5 + this.opts.clock.random() / 2);
    this.attempt++;
    this.setSession(
      setConnection(this.session, "disconnected", { retryAt: this.opts.clock.now() + delay, closeReason: reason }),
    );
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private failPending(why: string): void {
    for (const [req, p] of this.pending) {
      this.opts.clock.clearTimeout(p.timer);
      p.reject(new RequestFailed(why));
      this.pending.delete(req);
    }
  }

  private receive(data: string | ArrayBuffer): void {
    let frames: Frame[];
    try {
      frames = decodeFrames(data);
    } catch (e) {
      if (!(e instanceof MalformedMessage)) throw e;
      this.emit("protocolError", e);
      return;
    }
    for (const frame of frames) this.receiveFrame(frame);
  }

  private receiveFrame(frame: Frame): void {
    try {
      switch (frame.kind) {
        case "json": {
          const file = parseFileMessage(frame.json);
          if (file) this.receiveFileMessage(file);
          else this.receiveMessage(parseServerMessage(frame.json, frame.buffers));
          break;
        }
        case "sync":
          this.receiveSync(frame.payload);
          break;
        case "awareness": {
          const d = decoding.createDecoder(frame.payload);
          awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(d), this);
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof MalformedMessage)) throw e;
      this.emit("protocolError", e);
    }
  }

  private receiveSync(payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload);
    const encoder = encoding.createEncoder();
    let kind: number;
    try {
      kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
    } catch (e) {
      throw new MalformedMessage(`a sync message could not be read: ${(e as Error).message}`);
    }
    if (encoding.length(encoder) > 0) this.socket?.send(binaryFrame(FRAME_SYNC, encoding.toUint8Array(encoder)));
    if (kind === syncProtocol.messageYjsSyncStep1) {
      // Our SyncStep2 is on the wire ahead of anything queued: the server has our edits.
      this.caughtUp = true;
      const queued = this.queue;
      this.queue = [];
      for (const m of queued) this.send(m);
    } else if (kind === syncProtocol.messageYjsSyncStep2 && this.session.connection !== "connected") {
      this.attempt = 0;
      this.setSession(setConnection(this.session, "connected"));
      this.emit("synced");
    }
  }

  private receiveFileMessage(msg: FileMessage): void {
    if (msg.type === "moved") this.moveTo(msg.path);
    else {
      this.fileDeleted = true;
      this.emit("file", msg);
    }
  }

  private receiveMessage(msg: ServerMessage): void {
    if (msg.type === "hello") {
      if (this.session.docId !== null && this.session.docId !== msg.doc_id) this.resetDoc();
      this.greeted = true;
      this.setSession(applyServerMessage(setConnection(this.session, "syncing"), msg));
      const e = encoding.createEncoder();
      syncProtocol.writeSyncStep1(e, this.doc);
      this.socket?.send(binaryFrame(FRAME_SYNC, encoding.toUint8Array(e)));
      if (this.awareness.getLocalState() !== null) this.sendAwareness([this.doc.clientID]);
    } else {
      this.setSession(applyServerMessage(this.session, msg));
    }
    if ((msg.type === "complete_reply" || msg.type === "inspect_reply" || msg.type === "error") && msg.req) {
      const p = this.pending.get(msg.req);
      if (p) {
        this.pending.delete(msg.req);
        this.opts.clock.clearTimeout(p.timer);
        if (msg.type === "error") p.reject(new RequestFailed(msg.message));
        else p.resolve(msg.content);
      }
    }
    this.emit("message", msg);
  }
}

function encodeNotebookPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The WebSocket URL of a notebook, on the page's own host, under the base URL. */
export function notebookSocketURL(path: string, location: { protocol: string; host: string }, base?: string): string {
  return socketUrl(`api/notebooks/${encodeNotebookPath(path)}/ws`, location, base);
}

/** `url` (a notebook's WebSocket URL) for the notebook now at `path`. */
export function movedSocketURL(url: string, path: string): string {
  const at = url.indexOf("/api/notebooks/");
  return `${at < 0 ? url : url.slice(0, at)}/api/notebooks/${encodeNotebookPath(path)}/ws`;
}
