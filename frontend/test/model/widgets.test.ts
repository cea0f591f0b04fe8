import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseServerMessage, type JSONObject } from "../../src/model/protocol";
import {
  applyComm,
  applyCommTo,
  EMPTY_MIRROR,
  isWidgetMessage,
  kernelGone,
  linkIds,
  makeStatic,
  mirrorFromHello,
  needsFor,
  reachable,
  snapshot,
  stateRefs,
  type CommMessage,
  type WidgetMirror,
  type WidgetModel,
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

  test("applyCommTo changes the mirror in place and replaces the model, never changes it", () => {
    const mirror = new Map<string, WidgetModel>();
    assert.equal(applyCommTo(mirror, open("w")), true);
    const before = mirror.get("w")!;
    assert.equal(applyCommTo(mirror, update("w", { method: "update", state: { value: 7 }, buffer_paths: [] })), true);
    assert.notEqual(mirror.get("w"), before);
    assert.equal(before.state["value"], 3);
    assert.equal(mirror.get("w")!.state["value"], 7);
    assert.equal(applyCommTo(mirror, update("w", { method: "custom", content: {} })), false);
    assert.equal(applyCommTo(mirror, { type: "comm_close", content: { comm_id: "w" }, buffers: [] }), true);
    assert.equal(mirror.size, 0);
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

// A notebook's models, each given as its state: the model's name and module come from it.
function mirrorOf(models: Record<string, JSONObject>): WidgetMirror {
  let mirror = EMPTY_MIRROR;
  for (const [id, state] of Object.entries(models)) mirror = applyComm(mirror, open(id, state));
  return mirror;
}

const LAYOUT: JSONObject = { _model_name: "LayoutModel", _model_module: "@jupyter-widgets/base", _view_name: "LayoutView" };
const slider = (n: string): JSONObject => ({
  ...SLIDER_STATE,
  _view_name: "IntSliderView",
  layout: `IPY_MODEL_${n}-layout`,
  style: `IPY_MODEL_${n}-style`,
});
const box = (...children: string[]): JSONObject => ({
  _model_name: "VBoxModel",
  _model_module: "@jupyter-widgets/controls",
  _view_name: "VBoxView",
  children: children.map((c) => `IPY_MODEL_${c}`),
  layout: "IPY_MODEL_box-layout",
});
function sliderModels(...names: string[]): Record<string, JSONObject> {
  const out: Record<string, JSONObject> = {};
  for (const n of names) {
    out[n] = slider(n);
    out[`${n}-layout`] = LAYOUT;
    out[`${n}-style`] = { ...LAYOUT, _model_name: "SliderStyleModel", _view_name: "StyleView" };
  }
  return out;
}
const sorted = (ids: Iterable<string>) => [...ids].sort();

describe("widget reachability", () => {
  test("references are IPY_MODEL_ strings anywhere in state, and widget views in an Output's outputs", () => {
    const state: JSONObject = {
      children: ["IPY_MODEL_a", "IPY_MODEL_b"],
      deep: { x: [{ y: "IPY_MODEL_c" }] },
      text: "not IPY_MODEL_d",
      bare: "IPY_MODEL_",
      outputs: [
        { output_type: "display_data", data: { "application/vnd.jupyter.widget-view+json": { model_id: "v", version_major: 2 } } },
        { output_type: "stream", name: "stdout", text: "hi" },
      ],
    };
    assert.deepEqual(sorted(stateRefs(state, true)), ["a", "b", "c", "v"]);
    // Only an Output model's outputs show widget views.
    assert.deepEqual(sorted(stateRefs(state, false)), ["a", "b", "c"]);
  });

  test("a frame gets its view's model and what it reaches, not the notebook's other models", () => {
    const mirror = mirrorOf({ ...sliderModels("s1", "s2", "s3"), box: box("s1", "s2"), "box-layout": LAYOUT });
    assert.deepEqual(sorted(reachable(mirror, ["s3"])), ["s3", "s3-layout", "s3-style"]);
    assert.deepEqual(sorted(reachable(mirror, ["box"])), [
      "box",
      "box-layout",
      ...["s1", "s1-layout", "s1-style", "s2", "s2-layout", "s2-style"],
    ]);
    // Ids the mirror lacks are left out; cycles end.
    const cyclic = mirrorOf({ a: { ...box("b", "gone"), layout: "" }, b: { ...box("a"), layout: "" } });
    assert.deepEqual(sorted(reachable(cyclic, ["a"])), ["a", "b"]);
    assert.deepEqual(reachable(mirror, ["nope"]), []);
  });

  test("an Output model reaches the widgets shown in it", () => {
    const out: JSONObject = {
      _model_name: "OutputModel",
      _model_module: "@jupyter-widgets/output",
      _view_name: "OutputView",
      outputs: [{ output_type: "display_data", data: { "application/vnd.jupyter.widget-view+json": { model_id: "s1" } } }],
    };
    const mirror = mirrorOf({ ...sliderModels("s1", "s2"), out });
    assert.deepEqual(sorted(reachable(mirror, ["out"])), ["out", "s1", "s1-layout", "s1-style"]);
  });

  test("a link (no view) goes with the models it links, and brings what it reaches", () => {
    const link: JSONObject = {
      _model_name: "LinkModel",
      _model_module: "@jupyter-widgets/controls",
      _view_name: null,
      source: ["IPY_MODEL_s1", "value"],
      target: ["IPY_MODEL_s2", "value"],
    };
    const mirror = mirrorOf({ ...sliderModels("s1", "s2", "s3"), link });
    assert.deepEqual(sorted(reachable(mirror, ["s1"])), ["link", "s1", "s1-layout", "s1-style", "s2", "s2-layout", "s2-style"]);
    assert.deepEqual(sorted(reachable(mirror, ["s3"])), ["s3", "s3-layout", "s3-style"]);
  });

  test("the links a caller keeps give what the whole mirror gives", () => {
    const link: JSONObject = {
      _model_name: "LinkModel",
      _model_module: "@jupyter-widgets/controls",
      _view_name: null,
      source: ["IPY_MODEL_s1", "value"],
      target: ["IPY_MODEL_s2", "value"],
    };
    const mirror = mirrorOf({ ...sliderModels("s1", "s2"), link });
    assert.deepEqual(linkIds(mirror), ["link"]);
    assert.deepEqual(sorted(reachable(mirror, ["s1"], new Set(), linkIds(mirror))), sorted(reachable(mirror, ["s1"])));
    assert.deepEqual(sorted(reachable(mirror, ["s1"], new Set(), [])), ["s1", "s1-layout", "s1-style"]);
  });

  test("a later message sends first what the frame comes to reach", () => {
    let mirror = mirrorOf({ ...sliderModels("s1", "s2"), box: box("s1"), "box-layout": LAYOUT });
    const held = new Set(reachable(mirror, ["box"]));
    // A plain update of a held model needs nothing.
    mirror = applyComm(mirror, update("s1", { method: "echo_update", state: { value: 9 }, buffer_paths: [] }));
    assert.deepEqual(needsFor(mirror, held, "s1"), []);
    // The box gains a child: it and its closure, nothing held again.
    mirror = applyComm(mirror, update("box", { method: "update", state: { children: ["IPY_MODEL_s1", "IPY_MODEL_s2"] }, buffer_paths: [] }));
    assert.deepEqual(sorted(needsFor(mirror, held, "box")), ["s2", "s2-layout", "s2-style"]);
    // A model the frame does not hold, opened or changed: nothing.
    mirror = applyComm(mirror, open("s9", slider("s9")));
    assert.deepEqual(needsFor(mirror, held, "s9"), []);
    // A link opened later to a held model comes whole.
    mirror = applyComm(mirror, open("link", { _model_name: "DirectionalLinkModel", _model_module: "@jupyter-widgets/controls", source: ["IPY_MODEL_s9", "value"], target: ["IPY_MODEL_s1", "value"] }));
    assert.deepEqual(sorted(needsFor(mirror, held, "link")), ["link", "s9"]);
  });
});
