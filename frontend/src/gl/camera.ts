// The transforms the browser drives (docs/gl-protocol.md, section 2): a 2-D view per
// axes (ranges) and a 3-D orbit camera, computed in float64 from the draw's origin.
import type { CameraSpec } from "./protocol";

export interface View2 {
  x: [number, number];
  y: [number, number];
}

/** `u_view` for a draw whose data had `origin` subtracted: clip = pos * s + t. */
export function viewUniform(v: View2, origin: readonly number[]): [number, number, number, number] {
  const sx = 2 / (v.x[1] - v.x[0]);
  const sy = 2 / (v.y[1] - v.y[0]);
  return [sx, sy, -1 + ((origin[0] ?? 0) - v.x[0]) * sx, -1 + ((origin[1] ?? 0) - v.y[0]) * sy];
}

/** Pan by a fraction of the visible span (dx, dy in [0, 1] of the plot area). */
export function pan(v: View2, fx: number, fy: number): View2 {
  const w = v.x[1] - v.x[0];
  const h = v.y[1] - v.y[0];
  return { x: [v.x[0] - fx * w, v.x[1] - fx * w], y: [v.y[0] - fy * h, v.y[1] - fy * h] };
}

/** Zoom by `factor` (> 1 zooms in) about a point given as fractions of the area
 * (0, 0 bottom left); `which` limits it to one axis. */
export function zoom(v: View2, factor: number, fx: number, fy: number, which: "xy" | "x" | "y" = "xy"): View2 {
  const scale = (r: [number, number], f: number): [number, number] => {
    const at = r[0] + f * (r[1] - r[0]);
    return [at - (at - r[0]) / factor, at + (r[1] - at) / factor];
  };
  return { x: which === "y" ? v.x : scale(v.x, fx), y: which === "x" ? v.y : scale(v.y, fy) };
}

export type Mat4 = Float32Array;

function perspective(fovDeg: number, aspect: number, near: number, far: number): number[] {
  const f = 1 / Math.tan((fovDeg * Math.PI) / 360);
  const nf = 1 / (near - far);
  return [f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0];
}

function multiply(a: number[], b: number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (a[k * 4 + r] ?? 0) * (b[c * 4 + k] ?? 0);
      out[c * 4 + r] = s;
    }
  return out;
}

/** The eye's position for an orbit camera (z up). */
export function eye(c: CameraSpec): [number, number, number] {
  const az = (c.azimuth * Math.PI) / 180;
  const el = (c.elevation * Math.PI) / 180;
  return [
    c.center[0] + c.distance * Math.cos(el) * Math.cos(az),
    c.center[1] + c.distance * Math.cos(el) * Math.sin(az),
    c.center[2] + c.distance * Math.sin(el),
  ];
}

/** projection x view x translate(origin), column-major, for positions minus origin. */
export function cameraMatrix(c: CameraSpec, aspect: number, origin: readonly number[]): Mat4 {
  const e = eye(c);
  const f = [c.center[0] - e[0], c.center[1] - e[1], c.center[2] - e[2]];
  const norm = (v: number[]): number[] => {
    const l = Math.hypot(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0) || 1;
    return v.map((x) => x / l);
  };
  const cross = (a: number[], b: number[]): number[] => [
    (a[1] ?? 0) * (b[2] ?? 0) - (a[2] ?? 0) * (b[1] ?? 0),
    (a[2] ?? 0) * (b[0] ?? 0) - (a[0] ?? 0) * (b[2] ?? 0),
    (a[0] ?? 0) * (b[1] ?? 0) - (a[1] ?? 0) * (b[0] ?? 0),
  ];
  const fw = norm(f);
  const s = norm(cross(fw, [0, 0, 1]));
  const u = cross(s, fw);
  // The view matrix with the origin folded in: it looks at positions p - origin.
  const o = [e[0] - (origin[0] ?? 0), e[1] - (origin[1] ?? 0), e[2] - (origin[2] ?? 0)];
  const dot = (a: number[], b: number[]): number => (a[0] ?? 0) * (b[0] ?? 0) + (a[1] ?? 0) * (b[1] ?? 0) + (a[2] ?? 0) * (b[2] ?? 0);
  const view = [
    s[0] ?? 0, u[0] ?? 0, -(fw[0] ?? 0), 0,
    s[1] ?? 0, u[1] ?? 0, -(fw[1] ?? 0), 0,
    s[2] ?? 0, u[2] ?? 0, -(fw[2] ?? 0), 0,
    -dot(s, o), -dot(u, o), dot(fw, o), 1,
  ]; // prettier-ignore
  const proj = perspective(c.fov, aspect, c.distance / 100, c.distance * 100);
  return new Float32Array(multiply(proj, view));
}

export function orbit(c: CameraSpec, dAzimuth: number, dElevation: number): CameraSpec {
  return { ...c, azimuth: c.azimuth + dAzimuth, elevation: Math.max(-89, Math.min(89, c.elevation + dElevation)) };
}

export function dolly(c: CameraSpec, factor: number): CameraSpec {
  return { ...c, distance: c.distance / factor };
}
