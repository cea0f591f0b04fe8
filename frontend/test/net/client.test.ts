import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { cellSource, cellsOf } from "../../src/model/document";
import { insertCell } from "../../src/model/ops";
import { movedSocketURL, NotebookClient, notebookSocketURL, RequestFailed } from "../../src/net/client";
import { binaryFrame, encodeMessage, FRAME_AWARENESS } from "../../src/net/frames";
import { FakeClock, FakeServer, FakeSocket } from "./fakes";

const clients: NotebookClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function setup(opts: { open?: boolean; schedule?: (send: () => void) => void } = {}) {
  const server = new FakeServer();
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const client = new NotebookClient({
    url: "ws://h/api/notebooks/nb.ipynb/ws",
    path: "nb.ipynb",
    clock,
    backoff: { base: 500, max: 8000 },
    schedule: opts.schedule,
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
  });
  clients.push(client);
  server.accept(sockets[0]!, opts);
  return { server, clock, sockets, client };
}

function text(doc: Y.Doc): string[] {
  return cellsOf(doc).toArray().map((c) => cellSource(c).toString());
}

describe("connecting", () => {
  test("hello, SyncStep1, then both documents agree and the client is connected", () => {
    const server = new FakeServer();
    insertCell(server.doc, 0, "code", "print(1)");
    const clock = new FakeClock();
    let sock: FakeSocket | null = null;
    const client = new NotebookClient({
      url: "ws://h/x",
      path: "nb.ipynb",
      clock,
      socket: (url) => (sock = new FakeSocket(url)),
    });
    clients.push(client);
    const states: string[] = [];
    let synced = 0;
    client.subscribe({
      session: (s) => states.at(-1) !== s.connection && states.push(s.connection),
      synced: () => synced++,
    });
    assert.equal(client.session.connection, "connecting");
    server.accept(sock!);
    assert.equal(sock!.binaryType, "arraybuffer");
    const first = sock!.frames()[0]!;
    assert.equal(first.kind, "sync", "the first thing the client sends is its SyncStep1");
    assert.deepEqual(text(client.doc), ["print(1)"]);
    assert.equal(client.session.connection, "connected");
    assert.equal(client.session.kernel.display_name, "Python 3");
    assert.equal(synced, 1);
    assert.deepEqual(states, ["syncing", "connected"]);
  });

  test("edits flow both ways as updates once in sync", () => {
    const { server, client } = setup();
    insertCell(client.doc, 0, "code", "a");
    assert.deepEqual(text(server.doc), ["a"]);
    cellSource(cellsOf(server.doc).get(0)).insert(1, "bc");
    server.pump();
    assert.deepEqual(text(client.doc), ["abc"]);
  });

  test("nothing is sent before hello; edits made offline arrive with the sync", () => {
    const { server, client, sockets } = setup({ open: false });
    insertCell(client.doc, 0, "code", "offline");
    assert.equal(sockets[0]!.sent.length, 0);
    sockets[0]!.onopen?.();
    server.send(server.hello());
    server.pump();
    assert.deepEqual(text(server.doc), ["offline"]);
  });
});

describe("messages", () => {
  test("JSON messages update the session; input_done clears the prompt", () => {
    const { server, client } = setup();
    const seen: string[] = [];
    client.subscribe({ message: (m) => seen.push(m.type) });
    server.send({ type: "kernel", state: "busy", name: "python3", display_name: "Python 3", language: "python" });
    server.send({ type: "input_request", request: "q1", cell: "c", prompt: "name? ", password: false });
    server.pump();
    assert.equal(client.session.kernel.state, "busy");
    assert.equal(client.session.input?.prompt, "name? ");
    server.send({ type: "input_done", request: "q1" });
    server.send({ type: "save", dirty: true, last_saved: null, checkpoint: null });
    server.send({ type: "conflict", disk_modified: "2025-01-01T00:00:00Z" });
    server.pump();
    assert.equal(client.session.input, null);
    assert.equal(client.session.save.dirty, true);
    assert.deepEqual(client.session.conflict, { disk_modified: "2025-01-01T00:00:00Z" });
    assert.deepEqual(seen, ["kernel", "input_request", "input_done", "save", "conflict"]);
  });

  test("a 0x02 frame delivers a comm message with its buffers and parent", () => {
    const { server, client } = setup();
    const got: unknown[] = [];
    client.subscribe({ message: (m) => m.type === "comm_msg" && got.push(m) });
    const json = new TextEncoder().encode(
      JSON.stringify({ type: "comm_msg", content: { comm_id: "x", data: {} }, metadata: {}, parent: "p1" }),
    );
    const frame = new Uint8Array(1 + 4 + 8 + json.length + 3 + 2);
    const view = new DataView(frame.buffer);
    frame[0] = 2;
    view.setUint32(1, 2);
    view.setUint32(5, 3);
    view.setUint32(9, 2);
    frame.set(json, 13);
    frame.set([1, 2, 3, 4, 5], 13 + json.length);
    server.send(frame);
    server.pump();
    assert.deepEqual(got, [
      {
        type: "comm_msg",
        content: { comm_id: "x", data: {} },
        metadata: {},
        buffers: [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])],
        parent: "p1",
      },
    ]);
  });

  test("comms from hello and comm_open/close are tracked", () => {
    const server = new FakeServer();
    const clock = new FakeClock();
    let sock: FakeSocket | null = null;
    const client = new NotebookClient({ url: "ws://h/x", path: "p", clock, socket: (u) => (sock = new FakeSocket(u)) });
    clients.push(client);
    server.accept(sock!, { open: false });
    sock!.onopen?.();
    const hello = server.hello({ comms: [{ content: { comm_id: "a", target_name: "t" }, metadata: {}, buffers: [0] }] });
    server.send(encodeMessage({ ...hello, buffers: [new Uint8Array([1, 2])] } as never));
    server.pump();
    assert.deepEqual([...client.session.comms.keys()], ["a"]);
    assert.deepEqual(client.session.comms.get("a")!.buffers, [new Uint8Array([1, 2])]);
    server.send({ type: "comm_open", content: { comm_id: "b" }, metadata: {} });
    server.send({ type: "comm_close", content: { comm_id: "a" }, metadata: {} });
    server.pump();
    assert.deepEqual([...client.session.comms.keys()], ["b"]);
  });

  test("a malformed message is reported and the client goes on", () => {
    const { server, client } = setup();
    const errors: string[] = [];
    client.subscribe({ protocolError: (e) => errors.push(e.message) });
    server.send("{not json");
    server.send({ type: "launch_missiles" });
    server.send(new Uint8Array([9, 1, 2]));
    server.send({ type: "kernel", state: "idle", name: "k", display_name: "K", language: "python" });
    server.pump();
    assert.equal(errors.length, 3);
    assert.match(errors[1]!, /unknown message type "launch_missiles"/);
    assert.match(errors[2]!, /0x09/);
    assert.equal(client.session.kernel.display_name, "K");
  });

  test("a 0x03 batch delivers its frames in order, a 0x02 one with its buffers", () => {
    const { server, client } = setup();
    const got: unknown[] = [];
    client.subscribe({ message: (m) => m.type.startsWith("comm_") && got.push([m.type, "buffers" in m ? (m.buffers as unknown[]).length : 0]) });
    const inner = [
      encodeMessage({ type: "comm_msg", content: { comm_id: "a", data: {} }, buffers: [new Uint8Array([9])] } as never),
      encodeMessage({ type: "comm_close", content: { comm_id: "a", data: {} } } as never),
    ].map((f) => (typeof f === "string" ? new Uint8Array([2, 0, 0, 0, 0, ...new TextEncoder().encode(f)]) : f));
    const batch = new Uint8Array(1 + inner.reduce((n, f) => n + 4 + f.length, 0));
    const view = new DataView(batch.buffer);
    batch[0] = 3;
    let at = 1;
    for (const f of inner) {
      view.setUint32(at, f.length);
      batch.set(f, at + 4);
      at += 4 + f.length;
    }
    const errors: unknown[] = [];
    client.subscribe({ protocolError: (e) => errors.push(e.message) });
    server.send(batch);
    server.send(batch.subarray(0, batch.length - 1)); // cut short: refused whole
    server.pump();
    assert.deepEqual(got, [
      ["comm_msg", 1],
      ["comm_close", 0],
    ]);
    assert.equal(errors.length, 1);
  });

  test("client messages go out as JSON, with buffers as 0x02", () => {
    const { server, client, sockets } = setup();
    client.send({ type: "run", cells: ["a", "b"] });
    client.send({ type: "comm_msg", content: { comm_id: "x", data: {} }, buffers: [new Uint8Array([7, 8])] });
    const jsons = server.received.filter((f) => f.kind === "json");
    assert.deepEqual(jsons[0], { kind: "json", json: { type: "run", cells: ["a", "b"] }, buffers: [] });
    assert.deepEqual(jsons[1], {
      kind: "json",
      json: { type: "comm_msg", content: { comm_id: "x", data: {} } },
      buffers: [new Uint8Array([7, 8])],
    });
    assert.equal(typeof sockets[0]!.sent.find((d) => typeof d === "string"), "string");
  });

  test("complete and inspect requests resolve by req; errors and timeouts reject", async () => {
    const { server, client, clock } = setup();
    const p1 = client.request({ type: "complete", code: "pri", cursor_pos: 3 });
    const p2 = client.request({ type: "inspect", code: "x", cursor_pos: 1, detail_level: 0 });
    const p3 = client.request({ type: "complete", code: "y", cursor_pos: 1 });
    const reqs = server.received.flatMap((f) => (f.kind === "json" ? [(f.json as { req: string }).req] : []));
    assert.equal(new Set(reqs).size, 3);
    server.send({ type: "complete_reply", req: reqs[0], content: { matches: ["print"] } });
    server.send({ type: "error", req: reqs[1], message: "kernel is busy" });
    server.pump();
    assert.deepEqual(await p1, { matches: ["print"] });
    await assert.rejects(p2, (e: Error) => e instanceof RequestFailed && e.message === "kernel is busy");
    clock.advance(10_000);
    await assert.rejects(p3, /no complete reply/);
  });
});

describe("reconnecting", () => {
  test("a drop schedules reconnects with exponential backoff, reset after success", () => {
    const { server, client, clock, sockets } = setup();
    sockets[0]!.drop(1006);
    assert.equal(client.session.connection, "disconnected");
    assert.equal(client.session.closeReason, "1006");
    assert.deepEqual(clock.pendingDelays(), [500]);
    assert.equal(client.session.retryAt, clock.now() + 500);
    clock.advance(500);
    assert.equal(sockets.length, 2);
    sockets[1]!.drop();
    assert.deepEqual(clock.pendingDelays(), [1000]);
    clock.advance(1000);
    sockets[2]!.drop();
    clock.advance(2000);
    sockets[3]!.drop();
    clock.advance(4000);
    sockets[4]!.drop();
    assert.deepEqual(clock.pendingDelays(), [8000], "capped");
    clock.advance(8000);
    server.accept(sockets[5]!);
    assert.equal(client.session.connection, "connected");
    sockets[5]!.drop();
    assert.deepEqual(clock.pendingDelays(), [500], "backoff starts over after a good connection");
  });

  test("jitter shortens the delay by up to half", () => {
    const { client, clock, sockets } = setup();
    clock.randomValue = 0;
    sockets[0]!.drop();
    assert.deepEqual(clock.pendingDelays(), [250]);
    client.reconnectNow();
    assert.deepEqual(clock.pendingDelays(), []);
    assert.equal(sockets.length, 2);
  });

  test("same doc_id: the document is kept and edits made while away are merged both ways", () => {
    const { server, client, clock, sockets } = setup();
    insertCell(client.doc, 0, "code", "a");
    const doc = client.doc;
    sockets[0]!.drop();
    insertCell(client.doc, 1, "code", "mine");
    insertCell(server.doc, 0, "code", "theirs");
    clock.advance(500);
    server.accept(sockets[1]!);
    assert.equal(client.doc, doc);
    assert.deepEqual(text(client.doc), text(server.doc));
    assert.deepEqual(new Set(text(client.doc)), new Set(["a", "mine", "theirs"]));
  });

  test("a new doc_id: the client starts from an empty document and gets the server's", () => {
    const { server, client, clock, sockets } = setup();
    insertCell(client.doc, 0, "code", "old");
    const resets: Y.Doc[] = [];
    client.subscribe({ reset: (d) => resets.push(d) });
    sockets[0]!.drop();
    server.doc = new Y.Doc();
    server.docId = "doc-2";
    insertCell(server.doc, 0, "code", "reloaded");
    clock.advance(500);
    server.accept(sockets[1]!);
    assert.equal(resets.length, 1);
    assert.equal(client.doc, resets[0]);
    assert.deepEqual(text(client.doc), ["reloaded"]);
    assert.equal(client.session.docId, "doc-2");
  });

  test("a new doc_id in a later hello on the same socket resets too", () => {
    const { server, client } = setup();
    const before = client.doc;
    server.doc = new Y.Doc();
    server.docId = "doc-3";
    insertCell(server.doc, 0, "code", "restored");
    server.send(server.hello());
    server.pump();
    assert.notEqual(client.doc, before);
    assert.deepEqual(text(client.doc), ["restored"]);
  });

  test("messages sent while away wait and go out after the client's SyncStep2", () => {
    const { server, client, clock, sockets } = setup();
    sockets[0]!.drop();
    const id = insertCell(client.doc, 0, "code", "x = 1");
    client.send({ type: "run", cells: [id] });
    assert.equal(sockets[0]!.sent.filter((d) => typeof d === "string").length, 0);
    clock.advance(500);
    server.received = [];
    server.accept(sockets[1]!);
    const kinds = server.received.map((f) => f.kind);
    const runAt = kinds.indexOf("json");
    assert.ok(runAt > 0);
    // By the time the run arrives, the server already has the cell it names.
    assert.deepEqual(text(server.doc), ["x = 1"]);
    assert.deepEqual(server.received[runAt], { kind: "json", json: { type: "run", cells: [id] }, buffers: [] });
  });

  test("pending requests fail when the connection drops", async () => {
    const { client, sockets } = setup();
    const p = client.request({ type: "complete", code: "", cursor_pos: 0 });
    sockets[0]!.drop();
    await assert.rejects(p, /disconnected/);
    await assert.rejects(client.request({ type: "complete", code: "", cursor_pos: 0 }), /not connected/);
  });

  test("close() stops reconnecting", () => {
    const { client, clock, sockets } = setup();
    client.close();
    assert.deepEqual(sockets[0]!.closed, { code: 1000, reason: "closed" });
    clock.advance(60_000);
    assert.equal(sockets.length, 1);
  });
});

describe("the file renamed or deleted", () => {
  test("moved: the path changes, no reset, and a reconnect goes to the new URL", () => {
    const { server, client, clock, sockets } = setup();
    const seen: string[] = [];
    const docId = client.session.docId;
    client.subscribe({ file: (m) => seen.push(m.type === "moved" ? `moved ${m.path}` : m.type) });
    server.send({ type: "moved", path: "dir one/new.ipynb" });
    server.pump();
    assert.deepEqual(seen, ["moved dir one/new.ipynb"]);
    assert.equal(client.session.path, "dir one/new.ipynb");
    assert.equal(client.session.docId, docId);
    assert.equal(client.session.connection, "connected");
    sockets[0]!.drop();
    clock.advance(500);
    assert.equal(sockets[1]!.url, "ws://h/api/notebooks/dir%20one/new.ipynb/ws");
  });

  test("deleted: no reconnecting after the close, until resume()", () => {
    const { server, client, clock, sockets } = setup();
    const seen: string[] = [];
    client.subscribe({ file: (m) => seen.push(m.type) });
    server.send({ type: "deleted" });
    server.pump();
    assert.deepEqual(seen, ["deleted"]);
    assert.equal(client.deleted, true);
    sockets[0]!.drop(4009, "deleted");
    assert.equal(client.session.connection, "disconnected");
    assert.equal(client.session.retryAt, null);
    assert.equal(client.session.closeReason, "4009 deleted");
    clock.advance(60_000);
    assert.equal(sockets.length, 1);
    client.resume();
    assert.equal(client.deleted, false);
    assert.equal(sockets.length, 2);
    server.accept(sockets[1]!);
    assert.equal(client.session.connection, "connected");
  });

  test("kernel shut down: no reconnecting (it would start a kernel) until asked", () => {
    const { server, client, clock, sockets } = setup();
    assert.equal(client.session.connection, "connected");
    sockets[0]!.drop(4009, "kernel shut down");
    assert.equal(client.stopped, true);
    assert.equal(client.session.connection, "disconnected");
    assert.equal(client.session.retryAt, null);
    clock.advance(60_000);
    assert.equal(sockets.length, 1);
    client.reconnectNow();
    assert.equal(client.stopped, false);
    assert.equal(sockets.length, 2);
    server.accept(sockets[1]!);
    assert.equal(client.session.connection, "connected");
    sockets[1]!.drop(4009, "notebook closed"); // any other close: reconnect as usual
    assert.equal(client.stopped, false);
    clock.advance(60_000);
    assert.equal(sockets.length, 3);
  });

  test("a moved message without a path is reported, not applied", () => {
    const { server, client } = setup();
    const errors: string[] = [];
    client.subscribe({ protocolError: (e) => errors.push(e.message) });
    server.send({ type: "moved" });
    server.pump();
    assert.equal(errors.length, 1);
    assert.equal(client.session.path, "nb.ipynb");
  });
});

describe("awareness", () => {
  test("local cursor state goes out after hello; remote states arrive and vanish on a drop", () => {
    const { server, client, sockets } = setup({ open: false });
    client.awareness.setLocalStateField("user", { name: "ada" });
    sockets[0]!.onopen?.();
    server.send(server.hello());
    server.pump();
    const aw = server.received.filter((f) => f.kind === "awareness");
    assert.equal(aw.length, 1);
    const remote = new awarenessProtocol.Awareness(new Y.Doc());
    remote.setLocalStateField("user", { name: "bob" });
    const e = encoding.createEncoder();
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(remote, [remote.doc.clientID]));
    server.send(binaryFrame(FRAME_AWARENESS, encoding.toUint8Array(e)));
    server.pump();
    assert.deepEqual(client.awareness.getStates().get(remote.doc.clientID), { user: { name: "bob" } });
    sockets[0]!.drop();
    assert.equal(client.awareness.getStates().has(remote.doc.clientID), false);
    remote.destroy();
  });
});

describe("sending local changes later", () => {
  /** A connected client whose scheduled sends wait in `due` until the test runs them. */
  function deferred() {
    const due: Array<() => void> = [];
    const parts = setup({ schedule: (send) => due.push(send) });
    parts.server.received = [];
    return { ...parts, due };
  }

  test("edits made before the scheduled send go out as one update", () => {
    const { server, client, due } = deferred();
    insertCell(client.doc, 0, "code", "");
    const source = cellSource(cellsOf(client.doc).get(0));
    for (const ch of "abc") source.insert(source.length, ch);
    assert.equal(server.received.length, 0, "nothing before the scheduled send");
    assert.equal(due.length, 1, "one send scheduled for all of them");
    due.shift()!();
    assert.deepEqual(
      server.received.map((f) => f.kind),
      ["sync"],
    );
    assert.deepEqual(text(server.doc), ["abc"]);
  });

  test("a message sent meanwhile carries the gathered edits ahead of it", () => {
    const { server, client, due } = deferred();
    const id = insertCell(client.doc, 0, "code", "x = 1");
    client.send({ type: "run", cells: [id] });
    assert.deepEqual(
      server.received.map((f) => f.kind),
      ["sync", "json"],
    );
    assert.deepEqual(text(server.doc), ["x = 1"]);
    due.shift()!(); // the scheduled send finds nothing left
    assert.equal(server.received.length, 2);
  });

  test("cursor moves are gathered too, and close() sends them before closing", () => {
    const { server, client, sockets } = deferred();
    client.awareness.setLocalStateField("cursor", 1);
    client.awareness.setLocalStateField("cursor", 2);
    assert.equal(server.received.length, 0);
    client.close();
    const kinds = server.received.map((f) => f.kind);
    assert.deepEqual(kinds, ["awareness"], "one message: the local state's removal");
    assert.ok(sockets[0]!.closed);
  });

  test("changes gathered when the connection drops are left to the next handshake", () => {
    const { server, client, sockets, due, clock } = deferred();
    insertCell(client.doc, 0, "code", "kept");
    sockets[0]!.drop();
    due.shift()!();
    assert.equal(server.received.length, 0, "nothing sent on a dead socket");
    clock.advance(500);
    server.accept(sockets[1]!);
    assert.deepEqual(text(server.doc), ["kept"], "the handshake brought the edit");
  });
});

test("socket URL encodes each path segment", () => {
  assert.equal(
    notebookSocketURL("dir one/a#b.ipynb", { protocol: "https:", host: "h:1" }),
    "wss://h:1/api/notebooks/dir%20one/a%23b.ipynb/ws",
  );
  assert.equal(
    movedSocketURL("wss://h:1/api/notebooks/old.ipynb/ws", "d/a?b.ipynb"),
    "wss://h:1/api/notebooks/d/a%3Fb.ipynb/ws",
  );
});
