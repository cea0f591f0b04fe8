// One plot on the page (docs/gl-protocol.md, sections 3-4): a 2-D canvas holding the
// GL picture of each axes and the axes drawn over it; pan, zoom and orbit happen here,
// at screen rate, and the kernel hears one `view` when a gesture ends.
import { drawAxes, plotArea, type Box } from "./axes";
import { cameraMatrix, dolly, eye, orbit, pan, viewUniform, zoom, type View2 } from "./camera";
import { sharedGL } from "./context";
import { pickNearest } from "./pick";
import { axesSpec, type AxesSpec, type CameraSpec, type Op, type ViewMessage } from "./protocol";
import type { SceneStore } from "./store";

export interface GlSend {
  (data: ViewMessage, buffers?: ArrayBuffer[]): void;
}

export interface GlViewOptions {
  /** The output has no picture yet: send one after the first draw. */
  readonly needPicture: boolean;
}

interface AxesState {
  spec: AxesSpec;
  home: string;
  view: View2;
  camera: CameraSpec;
}

const SETTLE_MS = 300; // a gesture has ended when no input came for this long
const CLICK_PX = 4;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class GlView {
  readonly id = randomId();
  readonly canvas = document.createElement("canvas");
  private readonly ctx: CanvasRenderingContext2D;
  private readonly axes = new Map<string, AxesState>();
  private frame = 0;
  private visible = false;
  private dirty = true;
  private settle: ReturnType<typeof setTimeout> | null = null;
  private gesture: string | null = null; // the axes being driven
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private down: { x: number; y: number; moved: boolean } | null = null;
  private pictureSent: boolean;
  private readonly cleanup: (() => void)[] = [];
  /** Frames drawn (tests and the benchmark read it from the element). */
  frames = 0;

  constructor(
    readonly el: HTMLElement,
    readonly store: SceneStore,
    private send: GlSend | null,
    opts: GlViewOptions,
  ) {
    this.pictureSent = !opts.needPicture;
    store.views++;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) throw new Error("no 2-D canvas");
    this.ctx = ctx;
    this.canvas.className = "nw-gl-canvas";
    this.canvas.tabIndex = 0;
    this.canvas.style.touchAction = "none";
    el.append(this.canvas);
    this.cleanup.push(store.onChange(() => this.invalidate()));
    this.cleanup.push(sharedGL().onRestored(() => this.invalidate()));
    const io = new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible) this.invalidate();
    });
    io.observe(el);
    this.cleanup.push(() => io.disconnect());
    this.listen();
    this.syncAxes();
    this.invalidate();
  }

  /** The comm went away (kernel gone): keep the picture and the data, send nothing. */
  detach(): void {
    this.send = null;
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    if (this.settle) clearTimeout(this.settle);
    for (const f of this.cleanup) f();
    this.canvas.remove();
    if (--this.store.views === 0) sharedGL().release(this.store); // its GPU memory
  }

  invalidate(): void {
    this.dirty = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private syncAxes(): void {
    const seen = new Set<string>();
    for (const [id, res] of this.store.ofKind("axes")) {
      seen.add(id);
      const spec = axesSpec(res.op);
      const home = JSON.stringify([spec.x.range, spec.y.range, spec.camera]);
      const state = this.axes.get(id);
      if (state && state.home === home) state.spec = spec; // keep where the user is
      else this.axes.set(id, { spec, home, view: { x: [...spec.x.range], y: [...spec.y.range] }, camera: spec.camera });
    }
    for (const id of [...this.axes.keys()]) if (!seen.has(id)) this.axes.delete(id);
  }

  private figureSize(): [number, number] {
    const f = this.store.figure;
    return [Number(f["width"] ?? 640) || 640, Number(f["height"] ?? 480) || 480];
  }

  private box(spec: AxesSpec): Box {
    const [w, h] = this.figureSize();
    const [l, t, bw, bh] = spec.rect;
    return plotArea(spec, { x: l * w, y: t * h, w: bw * w, h: bh * h });
  }

  private render(): void {
    this.frame = 0;
    // Out of sight, nothing is drawn; except once, for the output's first picture
    // (so that a plot nobody scrolled to is still kept in the notebook as it looks).
    if (!this.dirty || (!this.visible && this.pictureSent)) return;
    this.dirty = false;
    this.syncAxes();
    const ratio = window.devicePixelRatio || 1;
    const [w, h] = this.figureSize();
    if (this.canvas.width !== Math.round(w * ratio) || this.canvas.height !== Math.round(h * ratio)) {
      this.canvas.width = Math.round(w * ratio);
      this.canvas.height = Math.round(h * ratio);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    const background = String(this.store.figure["background"] ?? "white");
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const bg = cssColour(ctx, background);
    const gl = sharedGL();
    for (const [id, state] of this.axes) {
      const area = this.box(state.spec);
      this.el.dataset["area"] = [area.x, area.y, area.w, area.h].join(","); // for tests: where data lands
      const pw = Math.round(area.w * ratio);
      const ph = Math.round(area.h * ratio);
      const resolve = (draw: Op, value: unknown): ReturnType<Parameters<typeof gl.render>[5]> => this.uniform(state, draw, value, pw, ph, ratio);
      const src = gl.render(this.store, id, pw, ph, bg, resolve);
      if (src) ctx.drawImage(gl.canvas, src[0], src[1], src[2], src[3], Math.round(area.x * ratio), Math.round(area.y * ratio), pw, ph);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      drawAxes(ctx, state.spec, area, state.spec.kind === "2d" ? state.view : null, this.colormap(state.spec), String(this.store.figure["foreground"] ?? "#222"));
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    }
    this.frames++;
    this.el.dataset["frames"] = String(this.frames);
    if (!this.pictureSent && this.store.ofKind("draw").length && this.send) {
      this.pictureSent = true;
      void this.picture().then((png) => {
        const [cw, ch] = this.figureSize();
        this.send?.({ type: "picture", view: this.id, width: this.canvas.width, height: this.canvas.height, css_width: cw, css_height: ch }, [png]);
      });
    }
  }

  private uniform(state: AxesState, draw: Op, value: unknown, pw: number, ph: number, ratio: number) {
    const origin = Array.isArray(draw["origin"]) ? (draw["origin"] as number[]) : [];
    switch (value) {
      case "view":
        return viewUniform(state.view, origin);
      case "camera":
        return cameraMatrix(state.camera, pw / ph, origin);
      case "eye": {
        const e = eye(state.camera);
        return [e[0] - (origin[0] ?? 0), e[1] - (origin[1] ?? 0), e[2] - (origin[2] ?? 0)];
      }
      case "pixel_ratio":
        return ratio;
      case "viewport":
        return [pw, ph];
      default:
        if (typeof value === "number" || Array.isArray(value)) return value as number | number[];
        if (typeof value === "object" && value !== null && typeof (value as { texture?: unknown }).texture === "string") {
          return value as { texture: string };
        }
        return null;
    }
  }

  private colormap(spec: AxesSpec): ImageData | null {
    const id = spec.colorbar?.texture;
    const res = id ? this.store.get(id, "texture") : null;
    if (!res?.data || res.op["format"] !== "rgba8") return null;
    const width = Number(res.op["width"]);
    return new ImageData(new Uint8ClampedArray(res.data.slice(0, width * 4)), width, 1);
  }

  private picture(): Promise<ArrayBuffer> {
    return new Promise((resolve, reject) =>
      this.canvas.toBlob((blob) => (blob ? resolve(blob.arrayBuffer()) : reject(new Error("no picture"))), "image/png"),
    );
  }

  // --- input ---------------------------------------------------------------------------

  private at(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const [w, h] = this.figureSize();
    return { x: ((e.clientX - r.left) / (r.width || 1)) * w, y: ((e.clientY - r.top) / (r.height || 1)) * h };
  }

  private axesAt(p: { x: number; y: number }): [string, AxesState, Box] | null {
    for (const [id, state] of this.axes) {
      const b = this.box(state.spec);
      if (p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h) return [id, state, b];
    }
    return null;
  }

  private listen(): void {
    const on = <K extends keyof HTMLElementEventMap>(type: K, f: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      this.canvas.addEventListener(type, f, opts);
      this.cleanup.push(() => this.canvas.removeEventListener(type, f, opts));
    };
    on("pointerdown", (e) => {
      const p = this.at(e);
      const hit = this.axesAt(p);
      if (!hit) return;
      this.canvas.setPointerCapture(e.pointerId);
      this.pointers.set(e.pointerId, p);
      if (this.pointers.size === 1) this.down = { ...p, moved: false };
      this.begin(hit[0]);
    });
    on("pointermove", (e) => {
      const before = this.pointers.get(e.pointerId);
      if (!before || !this.gesture) return;
      const p = this.at(e);
      const state = this.axes.get(this.gesture);
      if (!state) return;
      const area = this.box(state.spec);
      if (this.down && Math.hypot(p.x - this.down.x, p.y - this.down.y) > CLICK_PX) this.down.moved = true;
      if (this.pointers.size === 2) {
        const other = [...this.pointers].find(([id]) => id !== e.pointerId)?.[1];
        if (other) this.pinch(state, area, before, p, other);
      } else if (state.spec.kind === "3d") {
        state.camera = orbit(state.camera, -(p.x - before.x) * 0.4, (p.y - before.y) * 0.4);
      } else {
        state.view = pan(state.view, (p.x - before.x) / area.w, -(p.y - before.y) / area.h);
      }
      this.pointers.set(e.pointerId, p);
      this.invalidate();
    });
    const up = (e: PointerEvent): void => {
      if (!this.pointers.delete(e.pointerId)) return;
      const down = this.down;
      if (this.pointers.size === 0) {
        this.down = null;
        if (down && !down.moved && e.type === "pointerup") this.click(this.at(e), e.button);
        else this.end();
      }
    };
    on("pointerup", up);
    on("pointercancel", up);
    on(
      "wheel",
      (e) => {
        const p = this.at(e);
        const hit = this.axesAt(p);
        if (!hit) return;
        e.preventDefault();
        const [id, state, area] = hit;
        this.begin(id);
        const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaMode === 2 ? e.deltaY * 600 : e.deltaY;
        const factor = Math.pow(2, -dy / 500);
        if (state.spec.kind === "3d") state.camera = dolly(state.camera, factor);
        else state.view = zoom(state.view, factor, (p.x - area.x) / area.w, 1 - (p.y - area.y) / area.h, e.shiftKey ? "x" : e.altKey ? "y" : "xy");
        this.invalidate();
        this.end();
      },
      { passive: false },
    );
    on("dblclick", (e) => {
      const hit = this.axesAt(this.at(e));
      if (!hit) return;
      const state = hit[1];
      state.view = { x: [...state.spec.x.range], y: [...state.spec.y.range] };
      state.camera = state.spec.camera;
      this.begin(hit[0]);
      this.invalidate();
      this.end();
    });
  }

  private pinch(state: AxesState, area: Box, before: { x: number; y: number }, now: { x: number; y: number }, other: { x: number; y: number }): void {
    const d0 = Math.hypot(before.x - other.x, before.y - other.y) || 1;
    const d1 = Math.hypot(now.x - other.x, now.y - other.y) || 1;
    if (state.spec.kind === "3d") {
      state.camera = dolly(state.camera, d1 / d0);
      return;
    }
    const mid = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 };
    state.view = zoom(state.view, d1 / d0, (mid.x - area.x) / area.w, 1 - (mid.y - area.y) / area.h);
    state.view = pan(state.view, (now.x - before.x) / 2 / area.w, -(now.y - before.y) / 2 / area.h);
  }

  private begin(axes: string): void {
    this.gesture = axes;
    if (this.settle) clearTimeout(this.settle);
    this.settle = null;
  }

  /** The gesture may have ended: tell the kernel once input has settled. */
  private end(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = null;
      if (this.pointers.size === 0) this.sendView();
    }, SETTLE_MS);
  }

  private sendView(): void {
    const id = this.gesture;
    const state = id ? this.axes.get(id) : null;
    this.gesture = null;
    if (!id || !state || !this.send) return;
    // The picture of this very view: draw now, then encode it.
    this.dirty = true;
    this.visible = true;
    this.render();
    const ratio = window.devicePixelRatio || 1;
    const area = this.box(state.spec);
    const [cw, ch] = this.figureSize();
    const msg: ViewMessage = {
      type: "view",
      view: this.id,
      axes: id,
      ...(state.spec.kind === "2d" ? { x: state.view.x, y: state.view.y } : { camera: state.camera }),
      width: Math.round(area.w * ratio),
      height: Math.round(area.h * ratio),
      css_width: cw,
      css_height: ch,
    };
    void this.picture().then(
      (png) => this.send?.(msg, [png]),
      () => this.send?.(msg),
    );
  }

  private click(p: { x: number; y: number }, button: number): void {
    const hit = this.axesAt(p);
    if (!hit || !this.send) return;
    const [id, state, area] = hit;
    if (state.spec.kind !== "2d") return;
    const picked = pickNearest(this.store, id, state.view, area, p);
    if (picked) this.send({ type: "pick", view: this.id, button: button + 1, ...picked });
  }
}

/** A CSS colour as four floats (via the 2-D context's parser). */
function cssColour(ctx: CanvasRenderingContext2D, css: string): [number, number, number, number] {
  ctx.save();
  ctx.fillStyle = "#000";
  ctx.fillStyle = css;
  const v = String(ctx.fillStyle);
  ctx.restore();
  const m = /^#([0-9a-f]{6})$/i.exec(v);
  if (m?.[1]) {
    const n = parseInt(m[1], 16);
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, 1];
  }
  const r = /rgba?\(([^)]+)\)/.exec(v);
  const parts = r?.[1]?.split(",").map(Number) ?? [255, 255, 255, 1];
  return [(parts[0] ?? 255) / 255, (parts[1] ?? 255) / 255, (parts[2] ?? 255) / 255, parts[3] ?? 1];
}
