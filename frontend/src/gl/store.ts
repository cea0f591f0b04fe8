// A scene's resources as the page holds them (docs/gl-protocol.md, section 2): the
// data stays here (for re-upload after a lost context and for picking) and the GPU
// cache (context.ts) follows each resource's version.
import type { Op, OpsMessage } from "./protocol";

export const ITEM_SIZE: Record<string, number> = { float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4 };
export const TEXEL_SIZE: Record<string, number> = { r8: 1, rgba8: 4, r32f: 4, rgba32f: 16 };

export interface Patch {
  readonly version: number;
  /** bytes (buffers) or [x, y, w, h] (textures) */
  readonly at: number | readonly [number, number, number, number];
  readonly data: Uint8Array;
}

export interface Resource {
  readonly kind: string;
  op: Op;
  data: Uint8Array | null;
  /** Bumped by every change; `base` by every full replacement. */
  version: number;
  base: number;
  patches: Patch[];
  /** Whether `data` is this page's own copy (patching a message's bytes copies them once). */
  owned: boolean;
}

let versions = 0;

export class SceneStore {
  readonly resources = new Map<string, Resource>();
  figure: Op = { op: "figure" };
  version = 0;
  /** Views showing this scene on the page (the last to go frees its GPU copies). */
  views = 0;
  private readonly listeners = new Set<() => void>();

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Applies a batch; a bad op is reported and skipped, the others apply. */
  apply(msg: OpsMessage): void {
    for (const op of msg.ops) {
      try {
        this.applyOne(op, msg.buffers);
      } catch (e) {
        console.error("notewire gl:", e instanceof Error ? e.message : e);
      }
    }
    this.version++;
    for (const cb of [...this.listeners]) cb();
  }

  get(id: string, kind: string): Resource | null {
    const r = this.resources.get(id);
    return r && r.kind === kind ? r : null;
  }

  ofKind(kind: string): [string, Resource][] {
    return [...this.resources].filter(([, r]) => r.kind === kind);
  }

  private applyOne(op: Op, buffers: readonly Uint8Array[]): void {
    if (op.op === "figure") {
      this.figure = op;
      return;
    }
    const id = op.id;
    if (typeof id !== "string") throw new Error(`${op.op} without an id`);
    const data = (): Uint8Array => {
      const i = op["data"];
      const b = typeof i === "number" ? buffers[i] : undefined;
      if (!b) throw new Error(`${op.op} ${id}: 'data' names no buffer`);
      return b;
    };
    const v = ++versions;
    switch (op.op) {
      case "delete":
        this.resources.delete(id);
        return;
      case "uniforms": {
        const draw = this.get(id, "draw");
        if (!draw) throw new Error(`uniforms for an unknown draw ${id}`);
        const values = (op["values"] ?? {}) as Record<string, unknown>;
        draw.op = { ...draw.op, uniforms: { ...((draw.op["uniforms"] as object) ?? {}), ...values } };
        draw.version = v;
        return;
      }
      case "buffer":
      case "texture": {
        if ("offset" in op || "rect" in op) return this.patch(op, id, data(), v);
        this.resources.set(id, { kind: op.op, op, data: data(), version: v, base: v, patches: [], owned: false });
        return;
      }
      case "program":
      case "draw":
      case "axes":
        this.resources.delete(id); // creation order is drawing order
        this.resources.set(id, { kind: op.op, op, data: null, version: v, base: v, patches: [], owned: true });
        return;
      default:
        throw new Error(`unknown op ${op.op}`);
    }
  }

  private patch(op: Op, id: string, bytes: Uint8Array, v: number): void {
    const r = this.get(id, op.op);
    if (!r || !r.data) throw new Error(`partial update of an unknown ${op.op} ${id}`);
    if (!r.owned) {
      r.data = r.data.slice();
      r.owned = true;
    }
    let at: Patch["at"];
    if (op.op === "buffer") {
      const start = Number(op["offset"]) * (ITEM_SIZE[String(r.op["dtype"])] ?? 1);
      if (!(start >= 0 && start + bytes.byteLength <= r.data.byteLength)) throw new Error(`buffer ${id}: update out of bounds`);
      r.data.set(bytes, start);
      at = start;
    } else {
      const [x, y, w, h] = (op["rect"] as number[]).map(Number) as [number, number, number, number];
      const texel = TEXEL_SIZE[String(r.op["format"])] ?? 1;
      const width = Number(r.op["width"]);
      if (!(x >= 0 && y >= 0 && x + w <= width && y + h <= Number(r.op["height"]) && bytes.byteLength === w * h * texel)) {
        throw new Error(`texture ${id}: update out of bounds`);
      }
      for (let row = 0; row < h; row++) {
        r.data.set(bytes.subarray(row * w * texel, (row + 1) * w * texel), ((y + row) * width + x) * texel);
      }
      at = [x, y, w, h];
    }
    r.patches.push({ version: v, at, data: bytes.slice() });
    if (r.patches.length > 32) {
      r.base = v; // too many to replay: the GPU copy is uploaded again
      r.patches = [];
    }
    r.version = v;
  }
}
