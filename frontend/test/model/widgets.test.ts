import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseServerMessage, type JSONObject } from "../../src/model/protocol";
import {
  applyComm,
  EMPTY_MIRROR,
  isWidgetMessage,
  kernelGone,
  makeStatic,
  mirrorFromHello,
  snapshot,
  type CommMessage,
} from "../../src/model/widgets";

const SLIDER_STATE: JSONObject = {
  _model_name: "IntSliderModel",
  _model_module: "@jupyter-widgets/controls",
  _model_module_version: "2.0.0",
  value: 3,
  description: "n",
};

function open(id: string, state: JSONObject = SLIDER_STATE, extra: Partial<CommMessage> = {}): CommMessage {
  return {
    type: "comm_open",
    content: { comm_id: id, target_name: "jupyter.widget", data: { state, buffer_paths: [] } },
    buffers: [],
    ...extra,
  };
}

function update(id: string, data: JSONObject, buffers: Uint8Array[] = []): CommMessage {
  return { type: "comm_msg", content: { comm_id: id, data }, buffers };
}

function hello(widgets: unknown, buffers: Uint8Array[] = []) {
  const msg = parseServerMessage(
    {
      type: "hello",
      doc_id: "d",
      path: "a.ipynb",
      kernel: { state: "idle", name: "python3" },
      input: null,
      comms: [],
      widgets,
      save: { dirty: false, last_saved: null, checkpoint: null },
      trusted: true,
    },
    buffers,
  );
  assert.equal(msg.type, "hello");
  if (msg.type !== "hello") throw new Error("not hello");
  return msg;
}

describe("widget mirror", () => {
  test("hello.widgets fills it, buffers taken from the frame by index", () => {
    const b0 = new Uint8Array([1, 2]);
    const b1 = new Uint8Array([3]);
    const msg = hello(
      {
        m1: {
          model_name: "M",
          model_module: "anywidget",
          model_module_version: "~0.9.*",
          state: { a: 1, nested: { list: [null] } },
          buffer_paths: [["img"], ["nested", "list", 0]],
          buffers: [1, 0],
          live: true,
        },
        m2: { ...{ model_name: "N", model_module: "x", model_module_version: "1" }, state: {}, buffer_paths: [], buffers: [], live: false },
      },
      [b0, b1],
    );
    const mirror = mirrorFromHello(msg.widgets);
    assert.deepEqual([...mirror.keys()], ["m1", "m2"]);
    const [s1, s2] = snapshot(mirror);
    assert.deepEqual(s1!.buffer_paths, [["img"], ["nested", "list", 0]]);
    assert.deepEqual(s1!.buffers, [b1, b0]);
    assert.equal(s1!.live, true);
    assert.equal(s2!.live, false);
  });

  test("hello from a server without widgets gives an empty mirror; a bad buffer index is refused", () => {
    const msg = hello(undefined);
    assert.equal(msg.widgets.size, 0);
    assert.throws(
      () => hello({ m: { model_name: "M", model_module: "x", model_module_version: "1", state: {}, buffer_paths: [["a"]], buffers: [3] } }),
      /names buffer 3 of 0/,
    );
  });

  test("comm_open of jupyter.widget adds a live model; other targets are not widget traffic", () => {
    const other: CommMessage = { type: "comm_open", content: { comm_id: "c", target_name: "matplotlib" }, buffers: [] };
    assert.equal(isWidgetMessage(EMPTY_MIRROR, other), false);
    assert.equal(applyComm(EMPTY_MIRROR, other), EMPTY_MIRROR);
    const mirror = applyComm(EMPTY_MIRROR, open("w"));
    const m = mirror.get("w")!;
    assert.equal(m.model_name, "IntSliderModel");
    assert.equal(m.model_module, "@jupyter-widgets/controls");
    assert.equal(m.live, true);
    assert.equal(m.state["value"], 3);
  });

  test("update and echo_update replace the keys they name, leave the rest", () => {
    let mirror = applyComm(EMPTY_MIRROR, open("w"));
    mirror = applyComm(mirror, update("w", { method: "update", state: { value: 7 }, buffer_paths: [] }));
    mirror = applyComm(mirror, update("w", { method: "echo_update", state: { description: "k" }, buffer_paths: [] }));
    assert.deepEqual(mirror.get("w")!.state, { ...SLIDER_STATE, value: 7, description: "k" });
    // custom messages and request_state change nothing
    const same = applyComm(mirror, update("w", { method: "custom", content: { value: 9 } }));
    assert.equal(same, mirror);
  });

  test("a buffer update replaces the key's JSON value and the old buffer; others stay", () => {
    const a = new Uint8Array([1]);
    const b = new Uint8Array([2]);
    const c = new Uint8Array([3]);
    let mirror = applyComm(
      EMPTY_MIRROR,
      open("w", { ...SLIDER_STATE, frame: { shape: [1], data: null } }, {
        content: {
          comm_id: "w",
          target_name: "jupyter.widget",
          data: { state: { ...SLIDER_STATE, frame: { shape: [1] } }, buffer_paths: [["frame", "data"], ["img"]] },
        },
        buffers: [a, b],
      }),
    );
    // The kernel sends img as JSON now: its buffer goes.
    mirror = applyComm(mirror, update("w", { method: "update", state: { img: "none" }, buffer_paths: [] }));
    let [s] = snapshot(mirror);
    assert.deepEqual(s!.buffer_paths, [["frame", "data"]]);
    assert.deepEqual(s!.buffers, [a]);
    assert.equal(s!.state["img"], "none");
    // A new frame: the key's JSON and buffer are both replaced.
    mirror = applyComm(mirror, update("w", { method: "update", state: { frame: { shape: [2] } }, buffer_paths: [["frame", "data"]] }, [c]));
    mirror = applyComm(mirror, update("w", { method: "update", state: {}, buffer_paths: [["img"]] }, [b]));
    [s] = snapshot(mirror);
    assert.deepEqual(s!.state["frame"], { shape: [2] });
    assert.equal("img" in s!.state, false, "a top-level buffer's key is absent from the JSON");
    assert.deepEqual(s!.buffer_paths, [["frame", "data"], ["img"]]);
    assert.deepEqual(s!.buffers, [c, b]);
  });

  test("comm_close removes the model; messages for unknown comms are ignored", () => {
    let mirror = applyComm(EMPTY_MIRROR, open("w"));
    const stray = update("zz", { method: "update", state: { value: 1 } });
    assert.equal(isWidgetMessage(mirror, stray), false);
    assert.equal(applyComm(mirror, stray), mirror);
    const close: CommMessage = { type: "comm_close", content: { comm_id: "w", data: {} }, buffers: [] };
    assert.equal(isWidgetMessage(mirror, close), true);
    mirror = applyComm(mirror, close);
    assert.equal(mirror.size, 0);
  });

  test("the kernel going away makes every model static; a comm_open revives one", () => {
    let mirror = applyComm(applyComm(EMPTY_MIRROR, open("a")), open("b"));
    for (const s of ["restarting", "dead", "none", "starting"] as const) assert.equal(kernelGone(s), true);
    for (const s of ["idle", "busy"] as const) assert.equal(kernelGone(s), false);
    mirror = makeStatic(mirror);
    assert.deepEqual(
      [...mirror.values()].map((m) => m.live),
      [false, false],
    );
    assert.equal(makeStatic(mirror), mirror, "nothing live: the same mirror");
    assert.equal(mirror.get("a")!.state["value"], 3, "the last state is kept");
    mirror = applyComm(mirror, open("a", { ...SLIDER_STATE, value: 5 }));
    assert.equal(mirror.get("a")!.live, true);
    assert.equal(mirror.get("a")!.state["value"], 5);
    assert.equal(mirror.get("b")!.live, false);
  });

  test("comm messages carry parent; comm_idle decodes", () => {
    const m = parseServerMessage({ type: "comm_msg", content: { comm_id: "w", data: {} }, metadata: {}, parent: "f1:7" });
    assert.equal(m.type === "comm_msg" && m.parent, "f1:7");
    const old = parseServerMessage({ type: "comm_msg", content: { comm_id: "w", data: {} } });
    assert.equal(old.type === "comm_msg" && old.parent, null);
    assert.deepEqual(parseServerMessage({ type: "comm_idle", parent: "f1:7" }), { type: "comm_idle", parent: "f1:7" });
    assert.throws(() => parseServerMessage({ type: "comm_idle" }), /expected parent to be a string/);
  });
});
