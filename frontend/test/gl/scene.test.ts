import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ticks, tickLabel } from "../../src/gl/axes";
import { pan, viewUniform, zoom } from "../../src/gl/camera";
import { unpack } from "../../src/gl/protocol";
import { SceneStore } from "../../src/gl/store";

const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

describe("the page's copy of a scene", () => {
  test("ops create, patch, merge uniforms and delete by id", () => {
    const store = new SceneStore();
    store.apply({
      view: null,
      buffers: [f32(0, 1, 2, 3)],
      ops: [
        { op: "buffer", id: "b", dtype: "float32", data: 0 },
        { op: "program", id: "p", vertex: "", fragment: "" },
        { op: "draw", id: "d", program: "p", uniforms: { u: 1 } },
      ],
    });
    store.apply({ view: null, buffers: [f32(9)], ops: [{ op: "buffer", id: "b", offset: 2, data: 0 }, { op: "uniforms", id: "d", values: { v: 2 } }] });
    const b = store.get("b", "buffer");
    assert.deepEqual(Array.from(new Float32Array(b!.data!.slice().buffer)), [0, 1, 9, 3]);
    assert.equal(b!.patches.length, 1);
    assert.deepEqual(store.get("d", "draw")!.op["uniforms"], { u: 1, v: 2 });
    store.apply({ view: null, buffers: [f32(1, 2)], ops: [{ op: "buffer", id: "b", offset: 3, data: 0 }, { op: "delete", id: "p" }] });
    assert.equal(store.get("p", "program"), null); // the bad patch is skipped, the delete applies
    assert.deepEqual(Array.from(new Float32Array(store.get("b", "buffer")!.data!.slice().buffer)), [0, 1, 9, 3]);
  });

  test("a packed scene (as kept in the notebook) unpacks to its ops and buffers", () => {
    const json = new TextEncoder().encode(JSON.stringify({ ops: [{ op: "buffer", id: "b", dtype: "uint8", data: 0 }] }));
    const bytes = new Uint8Array(4 + 4 + json.length + 3);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 1);
    view.setUint32(4, 3);
    bytes.set(json, 8);
    bytes.set([7, 8, 9], 8 + json.length);
    const msg = unpack(bytes);
    assert.equal(msg?.ops[0]?.id, "b");
    assert.deepEqual(Array.from(msg!.buffers[0]!), [7, 8, 9]);
    assert.equal(unpack(new Uint8Array([0, 0, 0, 9])), null);
  });
});

describe("the view the browser drives", () => {
  test("the view transform maps data minus origin to clip space in float64", () => {
    const origin = [1.7e9, 0];
    const [sx, sy, tx, ty] = viewUniform({ x: [1.7e9 - 1, 1.7e9 + 1], y: [0, 10] }, origin);
    assert.equal(0 * sx + tx, 0); // the origin is the middle of the range
    assert.equal(1 * sx + tx, 1);
    assert.equal(10 * sy + ty, 1);
  });

  test("pan and zoom about a point", () => {
    const v = { x: [0, 10] as [number, number], y: [0, 10] as [number, number] };
    assert.deepEqual(pan(v, 0.1, 0).x, [-1, 9]);
    const z = zoom(v, 2, 0.5, 0.5);
    assert.deepEqual([z.x, z.y], [[2.5, 7.5], [2.5, 7.5]]);
    assert.deepEqual(zoom(v, 2, 0, 0, "x").y, [0, 10]);
  });

  test("ticks are round and labels have no float noise", () => {
    assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(ticks(-3, 3, 6), [-3, -2, -1, 0, 1, 2, 3]);
    assert.equal(tickLabel(0.30000000000000004, 0.1), "0.3");
    assert.equal(tickLabel(2e7, 1e7), "2e7");
  });
});
