import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseFrameMessage } from "../../src/model/widget-bridge";

describe("what a widget frame may say", () => {
  const send = { type: "nw-widget-send", comm_id: "m", msg_id: "wP.1.7", data: { method: "update", state: { value: 2 } } };

  test("a comm_msg under the frame's msg_id prefix, buffers as bytes of their own", () => {
    const whole = new Uint8Array([9, 1, 2, 9]);
    const m = parseFrameMessage({ ...send, buffers: [whole.subarray(1, 3), new Uint8Array([5]).buffer] }, "wP.1.");
    assert.ok(m && m.type === "nw-widget-send");
    assert.deepEqual(m.metadata, {});
    assert.deepEqual(m.buffers, [new Uint8Array([1, 2]), new Uint8Array([5])]);
    assert.equal(m.buffers[0]!.buffer.byteLength, 2, "a view's bytes only, not its whole buffer");
  });

  test("another frame's prefix, a bad msg_id, or bad fields are refused", () => {
    assert.equal(parseFrameMessage(send, "wP.2."), null);
    assert.equal(parseFrameMessage({ ...send, msg_id: "wP.1.x y" }, "wP.1."), null);
    assert.equal(parseFrameMessage({ ...send, msg_id: `wP.1.${"9".repeat(64)}` }, "wP.1."), null);
    assert.equal(parseFrameMessage({ ...send, data: "x" }, "wP.1."), null);
    assert.equal(parseFrameMessage({ ...send, buffers: ["not bytes"] }, "wP.1."), null);
    assert.equal(parseFrameMessage({ ...send, type: "comm_close" }, "wP.1."), null);
    assert.equal(parseFrameMessage("nw-widget-ready", "wP.1."), null);
  });

  test("ready and a finite height", () => {
    assert.deepEqual(parseFrameMessage({ type: "nw-widget-ready", frame: "f1" }, "p"), { type: "nw-widget-ready", frame: "f1" });
    assert.equal(parseFrameMessage({ type: "nw-widget-ready" }, "p"), null);
    assert.deepEqual(parseFrameMessage({ type: "nw-frame-height", height: 40 }, "p"), { type: "nw-frame-height", height: 40 });
    assert.equal(parseFrameMessage({ type: "nw-frame-height", height: Infinity }, "p"), null);
  });
});
