import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as Y from "yjs";
import {
  elapsedSeconds,
  executionTiming,
  formatElapsed,
  readCell,
  readOutput,
} from "../../src/model/document";
import { MalformedMessage, parseServerMessage } from "../../src/model/protocol";
import { applyServerMessage, initialSession, kernelLabel } from "../../src/model/session";

describe("server messages", () => {
  test("hello's comms take their buffers from the frame, by index", () => {
    const msg = parseServerMessage({
      type: "hello",
      doc_id: "d",
      path: "a/b.ipynb",
      kernel: { state: "starting", name: "python3", display_name: "Python 3", language: "python" },
      input: null,
      comms: [{ content: { comm_id: "c" }, metadata: {}, buffers: [1] }],
      save: { dirty: false, last_saved: "2025-01-01T00:00:00Z", checkpoint: null },
      trusted: false,
    }, [new Uint8Array([9]), new Uint8Array([0, 1])]);
    assert.equal(msg.type, "hello");
    if (msg.type !== "hello") return;
    assert.deepEqual(msg.comms[0]!.buffers, [new Uint8Array([0, 1])]);
    assert.equal(msg.trusted, false);
  });

  test("bad messages raise MalformedMessage naming the problem", () => {
    assert.throws(() => parseServerMessage([]), MalformedMessage);
    assert.throws(() => parseServerMessage({ type: "kernel", state: "sleepy" }), /unknown kernel state "sleepy"/);
    assert.throws(() => parseServerMessage({ type: "save", dirty: "yes" }), /expected dirty to be a boolean/);
    assert.throws(() => parseServerMessage({ type: "input_done" }), /expected request to be a string/);
  });

  test("the reducer tracks kernel, save, conflict and errors", () => {
    let s = initialSession("x.ipynb");
    s = applyServerMessage(s, parseServerMessage({ type: "kernel", state: "dead", name: "p", display_name: "P", language: "python", cause: "exit code -9 (possibly out of memory)" }));
    assert.equal(kernelLabel(s.kernel), "P: dead (exit code -9 (possibly out of memory))");
    s = applyServerMessage(s, parseServerMessage({ type: "conflict", disk_modified: "t" }));
    s = applyServerMessage(s, parseServerMessage({ type: "save", dirty: true, last_saved: null, checkpoint: null }));
    assert.deepEqual(s.conflict, { disk_modified: "t" }, "still dirty: still in conflict");
    s = applyServerMessage(s, parseServerMessage({ type: "save", dirty: false, last_saved: "t2", checkpoint: null }));
    assert.equal(s.conflict, null);
    s = applyServerMessage(s, parseServerMessage({ type: "error", message: "no such kernel", req: "r1" }));
    assert.equal(s.error, null, "request errors belong to the request");
    s = applyServerMessage(s, parseServerMessage({ type: "error", message: "cannot save: disk full" }));
    assert.equal(s.error, "cannot save: disk full");
    assert.equal(kernelLabel(initialSession("x").kernel), "no kernel");
  });

  test("comms are tracked, widget models' comms are left to the widget host", () => {
    const open = (comm_id: string, target_name: string) =>
      parseServerMessage({ type: "comm_open", content: { comm_id, target_name, data: {} }, metadata: {}, parent: null });
    let s = applyServerMessage(initialSession("x"), open("c", "notewire.canvas"));
    assert.deepEqual([...s.comms.keys()], ["c"]);
    const before = s;
    s = applyServerMessage(s, open("w", "jupyter.widget"));
    assert.equal(s, before, "a widget comm changes nothing here");
    s = applyServerMessage(s, parseServerMessage({ type: "comm_close", content: { comm_id: "c" }, metadata: {}, parent: null }));
    assert.equal(s.comms.size, 0);
  });
});

describe("document reads", () => {
  test("tolerate missing and odd keys; BigInt counts", () => {
    const doc = new Y.Doc();
    const cells = doc.getArray<Y.Map<unknown>>("cells");
    const cell = new Y.Map<unknown>();
    cells.push([cell]);
    cell.set("id", "x");
    cell.set("execution_count", 7n as unknown as number);
    cell.set("run_state", "exploded");
    cell.set("metadata", "not an object");
    assert.deepEqual(readCell(cell), {
      id: "x",
      cell_type: "code",
      execution_count: 7,
      run_state: "idle",
      trusted: true,
      outputs_dropped: 0,
      metadata: {},
    });
  });

  test("outputs of each type", () => {
    const doc = new Y.Doc();
    const arr = doc.getArray<Y.Map<unknown>>("o");
    const mk = (o: Record<string, unknown>) => {
      const m = new Y.Map<unknown>();
      arr.push([m]);
      for (const [k, v] of Object.entries(o)) m.set(k, v);
      return m;
    };
    const text = new Y.Array<string>();
    const stream = mk({ output_type: "stream", name: "stderr", dropped_chars: 10 });
    stream.set("text", text);
    text.push(["a", "b"]);
    assert.deepEqual(readOutput(stream), { output_type: "stream", name: "stderr", text: "ab", dropped_chars: 10 });
    assert.deepEqual(readOutput(mk({ output_type: "error", ename: "E", evalue: "v", traceback: ["1", "2"] })), {
      output_type: "error",
      ename: "E",
      evalue: "v",
      traceback: ["1", "2"],
    });
    assert.deepEqual(readOutput(mk({ output_type: "display_data", data: { "text/plain": "x" }, metadata: {}, display_id: "d" })), {
      output_type: "display_data",
      data: { "text/plain": "x" },
      metadata: {},
      display_id: "d",
      execution_count: null,
    });
    assert.equal(readOutput(mk({ output_type: "weird" })).output_type, "unknown");
  });

  test("elapsed time from JupyterLab's timing keys, counting up while running", () => {
    const t = executionTiming({
      execution: { "iopub.execute_input": "2025-01-01T00:00:00.000Z", "shell.execute_reply": "2025-01-01T00:00:02.500Z" },
    });
    assert.equal(elapsedSeconds(t, new Date()), 2.5);
    const running = executionTiming({ execution: { "iopub.status.busy": "2025-01-01T00:00:00Z" } });
    assert.equal(elapsedSeconds(running, new Date("2025-01-01T00:01:05Z")), 65);
    assert.equal(elapsedSeconds(executionTiming({}), new Date()), null);
    assert.equal(formatElapsed(0.0123), "12ms");
    assert.equal(formatElapsed(2.5), "2.5s");
    assert.equal(formatElapsed(65), "1m 5s");
    assert.equal(formatElapsed(7260), "2h 1m");
  });
});
