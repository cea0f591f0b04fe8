// The canvas view's pure parts, under node's test runner (bundled by esbuild from
// tests/canvas/test_frontend.py): message parsing, frame sequencing, input coalescing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FrameSequencer } from "../../../frontend/src/canvas/frames";
import { buttonOf, buttonsOf, Coalescer, keyOf, modifiersOf, wheelDelta } from "../../../frontend/src/canvas/input";
import { PanPredictor, regionAt } from "../../../frontend/src/canvas/predict";
import {
  applyState,
  INITIAL_STATE,
  MalformedCanvasMessage,
  parseCanvasMessage,
  type CanvasEvent,
  type FrameInfo,
} from "../../../frontend/src/canvas/protocol";

const image = new Uint8Array([1, 2, 3]);

function frame(n: number, key: boolean): FrameInfo {
  return { frame: n, input: null, format: "png", key, rect: [0, 0, 1, 1], size: [1, 1], ratio: 1 };
}

test("frames parse with their buffer; bad ones name the value", () => {
  const msg = parseCanvasMessage(
    { type: "frame", frame: 3, format: "jpeg", key: false, rect: [1, 2, 3, 4], size: [10, 20], ratio: 2 },
    [image],
  );
  assert.deepEqual(msg, {
    type: "frame",
    frame: 3,
    input: null,
    format: "jpeg",
    key: false,
    rect: [1, 2, 3, 4],
    size: [10, 20],
    ratio: 2,
    image,
  });
  assert.throws(() => parseCanvasMessage({ type: "frame", frame: 0 }, [image]), /bad number 0/);
  assert.throws(() => parseCanvasMessage({ type: "frame", frame: 1, format: "gif" }, [image]), /bad format "gif"/);
  assert.throws(
    () => parseCanvasMessage({ type: "frame", frame: 1, format: "png", ratio: 1, rect: [0, 0], size: [1, 1] }, [image]),
    /frame rect must be 4 numbers/,
  );
  assert.throws(
    () => parseCanvasMessage({ type: "frame", frame: 1, format: "png", ratio: 1, rect: [0, 0, 1, 1], size: [1, 1] }, []),
    /needs one buffer/,
  );
  assert.throws(() => parseCanvasMessage({ type: "teleport" }, []), MalformedCanvasMessage);
  assert.throws(() => parseCanvasMessage("frame", []), /not an object/);
});

test("state messages merge, or replace when full", () => {
  const parsed = parseCanvasMessage({ type: "state", full: false, message: "x=1", cursor: "move" }, []);
  assert.equal(parsed.type, "state");
  if (parsed.type !== "state") return;
  const state = applyState({ ...INITIAL_STATE, title: "T" }, parsed.full, parsed.changes);
  assert.equal(state.title, "T");
  assert.equal(state.message, "x=1");
  assert.equal(applyState(state, true, { width: 10 }).title, "");
  assert.throws(() => parseCanvasMessage({ type: "state", width: -1 }, []), /bad width/);
  assert.throws(() => parseCanvasMessage({ type: "state", toolbar: [{ name: 1 }] }, []), /bad toolbar/);
});

test("downloads and errors parse", () => {
  const dl = parseCanvasMessage({ type: "download", view: "v", filename: "f.png", mimetype: "image/png" }, [image]);
  assert.equal(dl.type === "download" && dl.data, image);
  assert.deepEqual(parseCanvasMessage({ type: "error", text: "boom" }, []), { type: "error", text: "boom" });
});

test("the sequencer draws in order, and acks the last frame drawn", () => {
  const seq = new FrameSequencer<string>();
  seq.push(frame(1, true));
  seq.push(frame(2, false));
  seq.ready(2, "b");
  assert.deepEqual(seq.step(), { draw: [], dropped: [], ack: null, askForKey: false }); // 1 decodes
  seq.ready(1, "a");
  const step = seq.step();
  assert.deepEqual(step.draw.map((d) => d.payload), ["a", "b"]);
  assert.equal(step.ack, 2);
});

test("frames queued before a newer key frame are dropped unseen", () => {
  const seq = new FrameSequencer<string>();
  seq.push(frame(1, true));
  seq.push(frame(2, false));
  seq.push(frame(3, true));
  seq.ready(1, "a");
  seq.ready(2, "b");
  seq.ready(3, "c");
  const step = seq.step();
  assert.deepEqual(step.draw.map((d) => d.payload), ["c"]);
  assert.deepEqual(step.dropped, ["a", "b"]);
  assert.equal(step.ack, 3);
});

test("partial frames wait for a key frame; a gap asks for one, once", () => {
  const seq = new FrameSequencer<string>();
  seq.push(frame(5, false)); // sent for another view before ours mounted
  seq.ready(5, "x");
  let step = seq.step();
  assert.deepEqual(step.dropped, ["x"]);
  assert.equal(step.askForKey, false); // mounting already asked
  seq.push(frame(6, true));
  seq.ready(6, "k");
  assert.equal(seq.step().ack, 6);
  seq.push(frame(8, false)); // 7 never came
  seq.ready(8, "p");
  step = seq.step();
  assert.equal(step.askForKey, true);
  seq.push(frame(9, false));
  seq.ready(9, "q");
  assert.equal(seq.step().askForKey, false);
  seq.push(frame(10, false));
  seq.fail(10);
  assert.equal(seq.step().ack, null);
});

test("a failed key frame is skipped and a key frame is asked for", () => {
  const seq = new FrameSequencer<string>();
  seq.push(frame(1, true));
  seq.ready(1, "a");
  seq.step();
  seq.push(frame(2, true));
  seq.fail(2);
  const step = seq.step();
  assert.equal(step.askForKey, true);
  assert.equal(seq.pending, 0);
});

test("reset drops everything and waits for a key frame", () => {
  const seq = new FrameSequencer<string>();
  seq.push(frame(1, true));
  seq.ready(1, "a");
  assert.deepEqual(seq.reset(), ["a"]);
  seq.push(frame(2, false));
  seq.ready(2, "b");
  assert.deepEqual(seq.step().draw, []);
});

function fakeTimers(): { schedule: (fn: () => void, ms: number) => () => void; fire: () => void } {
  let pending: (() => void) | null = null;
  return {
    schedule: (fn) => {
      pending = fn;
      return () => {
        pending = null;
      };
    },
    fire: () => {
      const fn = pending;
      pending = null;
      fn?.();
    },
  };
}

function move(x: number, buttons: number[] = []): CanvasEvent {
  return { type: "pointer_move", x, y: 0, button: 0, buttons, modifiers: [], timestamp: 0 };
}

test("one move per animation frame, the first at once; other events keep their order", () => {
  const sent: CanvasEvent[] = [];
  const frames = fakeTimers();
  const c = new Coalescer((e) => sent.push(e), frames.schedule);
  c.push(move(1)); // no hold: out at once
  assert.deepEqual(sent.map((e) => e.type === "pointer_move" && e.x), [1]);
  c.push(move(2)); // the same animation frame: held, then replaced
  c.push(move(3));
  assert.equal(sent.length, 1);
  frames.fire(); // the next animation frame sends the latest
  assert.deepEqual(sent.map((e) => e.type === "pointer_move" && e.x), [1, 3]);
  frames.fire(); // a frame with nothing held frees the next move
  c.push(move(4));
  assert.equal(sent.length, 3);
  c.push(move(5, [1])); // held (same frame)
  c.push({ type: "pointer_up", x: 5, y: 0, button: 1, buttons: [], modifiers: [], timestamp: 0 });
  assert.deepEqual(
    sent.map((e) => e.type),
    ["pointer_move", "pointer_move", "pointer_move", "pointer_move", "pointer_up"],
  );
  frames.fire();
  assert.equal(sent.length, 5);
});

test("a pan is predicted from the input the true frame reflects", () => {
  const p = new PanPredictor("v");
  const rect = [10, 10, 100, 80] as const;
  assert.equal(regionAt([{ rect }], 5, 5), null);
  assert.deepEqual(regionAt([{ rect }], 50, 50)?.rect, rect);
  p.begin(rect, 50, 50, 1);
  assert.equal(p.now(), null); // not moved yet
  p.move(60, 52, 2);
  p.move(70, 55, 3);
  const moved = (dx: number, dy: number) => ({ rect, dx, dy, sx: 1, sy: 1, cx: 0, cy: 0 });
  assert.deepEqual(p.now(), moved(20, 5)); // no frame reflects the drag yet
  p.truth({ view: "other", timestamp: 3 }); // another view's input: not ours
  assert.deepEqual(p.now(), moved(20, 5));
  p.truth({ view: "v", timestamp: 2 }); // the picture moved to (60, 52)
  assert.deepEqual(p.now(), moved(10, 3));
  p.end(4);
  p.truth({ view: "v", timestamp: 3 });
  assert.equal(p.now(), null);
  assert.equal(p.active, true); // the button-up is not reflected yet
  p.truth({ view: "v", timestamp: 4 });
  assert.equal(p.active, false);
});

test("a right-button drag predicts matplotlib's zoom about the point pressed", () => {
  const p = new PanPredictor("v");
  const rect = [0, 0, 100, 50] as const;
  p.begin(rect, 40, 20, 1, "zoom");
  p.move(90, 20, 2); // half the width right: x zooms in by 10^0.5
  const z = p.now();
  assert.ok(z !== null);
  assert.ok(Math.abs(z.sx - 10 ** 0.5) < 1e-9 && z.sy === 1 && z.cx === 40 && z.cy === 20);
  p.truth({ view: "v", timestamp: 2 }); // the picture has that zoom: nothing left to add
  assert.equal(p.now(), null);
  p.begin(rect, 40, 20, 3, "zoom", true);
  p.move(40, 45, 4); // half the height down: zoom out, both axes alike (locked aspect)
  const out = p.now();
  assert.ok(out !== null && out.sx === out.sy && Math.abs(out.sy - 10 ** -0.25) < 1e-9);
});

test("wheel deltas add up while held for the next animation frame", () => {
  const sent: CanvasEvent[] = [];
  const timers = fakeTimers();
  const c = new Coalescer((e) => sent.push(e), timers.schedule);
  const wheel = (dy: number): CanvasEvent => ({ type: "wheel", x: 1, y: 1, dx: 0, dy, buttons: [], modifiers: [], timestamp: 0 });
  c.push(wheel(100)); // out at once
  c.push(wheel(50)); // the same animation frame: held and summed
  c.push(wheel(25));
  c.flush();
  assert.deepEqual(sent.map((e) => e.type === "wheel" && e.dy), [100, 75]);
  c.push(wheel(1));
  c.dispose();
  timers.fire();
  assert.equal(sent.length, 2);
});

test("DOM fields become the spec's buttons, modifiers, keys and deltas", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(buttonOf), [1, 3, 2, 4, 5, 0]);
  assert.deepEqual(buttonsOf(1 | 2 | 4), [1, 2, 3]);
  assert.deepEqual(modifiersOf({ altKey: false, ctrlKey: true, metaKey: false, shiftKey: true }), ["Control", "Shift"]);
  assert.equal(keyOf("Esc"), "Escape");
  assert.equal(keyOf("a"), "a");
  assert.equal(wheelDelta(100, 0, 2), 50);
  assert.equal(wheelDelta(3, 1, 2), 48);
  assert.equal(wheelDelta(1, 2, 1), 600);
});
