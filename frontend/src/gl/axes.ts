// Axes drawn over the GL image in 2-D canvas (docs/gl-protocol.md, section 3): ticks
// as matplotlib's MaxNLocator chooses them, labels, title, legend and colour bar, at
// the device pixel ratio so text stays crisp.
import type { AxesSpec } from "./protocol";
import type { View2 } from "./camera";

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const FONT = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
const COLORBAR = 64;

/** Nice tick positions over [lo, hi]: steps of 1, 2, 2.5 or 5 x 10^n, about `n`. */
export function ticks(lo: number, hi: number, n = 6): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [];
  const raw = span / n;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((s) => s * power >= raw) ?? 10) * power;
  const out: number[] = [];
  // Integer multiples of the step, rounded: 3 * 0.2 is 0.6, not 0.6000000000000001.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/** A tick label: short, without float noise (0.30000000000000004 -> 0.3). */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) {
    const digits = Math.floor(Math.log10(a)) - Math.floor(Math.log10(step) + 1e-9);
    return v.toExponential(Math.max(0, Math.min(6, digits))).replace("e+", "e");
  }
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals).replace("−", "-");
}

/** The plot area inside an axes box (CSS px), leaving room for ticks and labels. */
export function plotArea(spec: AxesSpec, box: Box): Box {
  if (spec.kind === "3d") {
    const top = spec.title ? 24 : 0;
    return { x: box.x, y: box.y + top, w: box.w, h: box.h - top };
  }
  const left = 58 + (spec.y.label ? 16 : 0);
  const bottom = 28 + (spec.x.label ? 16 : 0);
  const top = spec.title ? 26 : 10;
  const right = 14 + (spec.colorbar ? COLORBAR : 0);
  return { x: box.x + left, y: box.y + top, w: Math.max(box.w - left - right, 1), h: Math.max(box.h - top - bottom, 1) };
}

export function drawAxes(ctx: CanvasRenderingContext2D, spec: AxesSpec, area: Box, view: View2 | null, colormap: ImageData | null, ink = "#222"): void {
  ctx.save();
  ctx.font = FONT;
  ctx.fillStyle = ink;
  ctx.strokeStyle = ink;
  ctx.lineWidth = 1;
  if (spec.title) {
    ctx.font = "13px system-ui, -apple-system, 'Segoe UI', sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(spec.title, area.x + area.w / 2, area.y - 6);
    ctx.font = FONT;
  }
  if (spec.kind === "2d" && view) {
    ctx.strokeRect(Math.round(area.x) + 0.5, Math.round(area.y) + 0.5, Math.round(area.w) - 1, Math.round(area.h) - 1);
    const xt = ticks(view.x[0], view.x[1], Math.max(2, Math.floor(area.w / 90)));
    const xs = xt.length > 1 ? (xt[1] ?? 0) - (xt[0] ?? 0) : 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xt) {
      const px = Math.round(area.x + ((t - view.x[0]) / (view.x[1] - view.x[0])) * area.w) + 0.5;
      line(ctx, px, area.y + area.h, px, area.y + area.h + 4);
      ctx.fillText(tickLabel(t, xs), px, area.y + area.h + 6);
    }
    const yt = ticks(view.y[0], view.y[1], Math.max(2, Math.floor(area.h / 60)));
    const ys = yt.length > 1 ? (yt[1] ?? 0) - (yt[0] ?? 0) : 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yt) {
      const py = Math.round(area.y + area.h - ((t - view.y[0]) / (view.y[1] - view.y[0])) * area.h) + 0.5;
      line(ctx, area.x - 4, py, area.x, py);
      ctx.fillText(tickLabel(t, ys), area.x - 6, py);
    }
    if (spec.x.label) {
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.fillText(spec.x.label, area.x + area.w / 2, area.y + area.h + 44);
    }
    if (spec.y.label) {
      ctx.save();
      ctx.translate(area.x - 62, area.y + area.h / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText(spec.y.label, 0, 0);
      ctx.restore();
    }
  }
  if (spec.legend.length) legend(ctx, spec, area);
  if (spec.colorbar && colormap) colorbar(ctx, spec, area, colormap, ink);
  ctx.restore();
}

function line(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

function legend(ctx: CanvasRenderingContext2D, spec: AxesSpec, area: Box): void {
  const width = 28 + Math.max(...spec.legend.map((e) => ctx.measureText(e.label).width));
  const x = area.x + area.w - width - 8;
  let y = area.y + 8;
  ctx.fillStyle = "rgba(255,255,255,0.85)";
  ctx.strokeStyle = "#ccc";
  ctx.fillRect(x, y, width, spec.legend.length * 18 + 6);
  ctx.strokeRect(x + 0.5, y + 0.5, width, spec.legend.length * 18 + 6);
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  y += 12;
  for (const e of spec.legend) {
    ctx.fillStyle = e.color;
    ctx.strokeStyle = e.color;
    if (e.shape === "line") {
      ctx.lineWidth = 2;
      line(ctx, x + 5, y, x + 19, y);
    } else {
      ctx.beginPath();
      ctx.arc(x + 12, y, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = "#222";
    ctx.fillText(e.label, x + 24, y);
    y += 18;
  }
}

function colorbar(ctx: CanvasRenderingContext2D, spec: AxesSpec, area: Box, lut: ImageData, ink: string): void {
  const bar = spec.colorbar;
  if (!bar) return;
  const x = area.x + area.w + 12;
  const strip = document.createElement("canvas");
  strip.width = lut.width;
  strip.height = 1;
  strip.getContext("2d")?.putImageData(lut, 0, 0);
  ctx.save();
  ctx.translate(x, area.y + area.h);
  ctx.rotate(-Math.PI / 2); // the map runs bottom (0) to top (1)
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(strip, 0, 0, area.h, 14);
  ctx.restore();
  ctx.strokeStyle = ink;
  ctx.strokeRect(x + 0.5, area.y + 0.5, 14, area.h - 1);
  const [lo, hi] = bar.range;
  const t = ticks(lo, hi, Math.max(2, Math.floor(area.h / 50)));
  const step = t.length > 1 ? (t[1] ?? 0) - (t[0] ?? 0) : 1;
  ctx.fillStyle = ink;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const v of t) {
    const py = Math.round(area.y + area.h - ((v - lo) / (hi - lo || 1)) * area.h) + 0.5;
    line(ctx, x + 14, py, x + 18, py);
    ctx.fillText(tickLabel(v, step), x + 20, py);
  }
}
