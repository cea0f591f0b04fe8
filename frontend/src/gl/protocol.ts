// The gl comm's messages (docs/gl-protocol.md), decoded once at the boundary.

export const GL_MIME = "application/vnd.notewire.gl+json";
export const GL_TARGET = "notewire.gl";
export const GL_PROTOCOL = 1;

export type Op = { readonly op: string; readonly id?: string; readonly [key: string]: unknown };

/** A batch of ops with its buffers: a comm_open, an `ops` message, a kept scene. */
export interface OpsMessage {
  readonly ops: readonly Op[];
  readonly buffers: readonly Uint8Array[];
  /** Set when the message answers one view's `view` event (level of detail). */
  readonly view: string | null;
}

export function parseOps(data: unknown, buffers: readonly Uint8Array[]): OpsMessage | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as Record<string, unknown>;
  const ops = d["ops"];
  if (!Array.isArray(ops)) return null;
  const valid = ops.filter((o): o is Op => typeof o === "object" && o !== null && typeof (o as Op).op === "string");
  return { ops: valid, buffers, view: typeof d["view"] === "string" ? d["view"] : null };
}

/** The layout of a packed scene (the notebook socket's 0x02 frame without its type
 * byte): u32 BE count, count x u32 BE lengths, JSON, buffers. */
export function unpack(bytes: Uint8Array): OpsMessage | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) return null;
  const n = view.getUint32(0);
  if (4 + 4 * n > bytes.byteLength) return null;
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) lengths.push(view.getUint32(4 + 4 * i));
  const total = lengths.reduce((a, b) => a + b, 0);
  const jsonEnd = bytes.byteLength - total;
  if (jsonEnd < 4 + 4 * n) return null;
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes.subarray(4 + 4 * n, jsonEnd)));
  } catch {
    return null;
  }
  const buffers: Uint8Array[] = [];
  let at = jsonEnd;
  for (const length of lengths) {
    buffers.push(bytes.subarray(at, at + length));
    at += length;
  }
  return parseOps(body, buffers);
}

/** A kept scene (`scene` in the output: base64 of zlib of a packed scene). */
export async function unpackKept(text: string): Promise<OpsMessage | null> {
  const binary = atob(text.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return unpack(new Uint8Array(await new Response(stream).arrayBuffer()));
}

export interface Range2 {
  readonly 0: number;
  readonly 1: number;
}

export interface AxisSpec {
  readonly range: [number, number];
  readonly label: string;
}

export interface CameraSpec {
  readonly center: [number, number, number];
  readonly distance: number;
  readonly azimuth: number;
  readonly elevation: number;
  readonly fov: number;
}

export interface AxesSpec {
  readonly id: string;
  readonly kind: "2d" | "3d";
  readonly rect: [number, number, number, number];
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly title: string;
  readonly legend: readonly { label: string; color: string; shape: string }[];
  readonly colorbar: { texture: string; range: [number, number]; label: string } | null;
  readonly camera: CameraSpec;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function pair(v: unknown, fallback: [number, number]): [number, number] {
  return Array.isArray(v) && v.length === 2 ? [num(v[0], fallback[0]), num(v[1], fallback[1])] : fallback;
}

function axis(v: unknown): AxisSpec {
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  return { range: pair(o["range"], [0, 1]), label: typeof o["label"] === "string" ? o["label"] : "" };
}

export function axesSpec(op: Op): AxesSpec {
  const rect = Array.isArray(op["rect"]) && op["rect"].length === 4 ? (op["rect"] as unknown[]).map((v, i) => num(v, i < 2 ? 0 : 1)) : [0, 0, 1, 1];
  const cam = (typeof op["camera"] === "object" && op["camera"] !== null ? op["camera"] : {}) as Record<string, unknown>;
  const center = Array.isArray(cam["center"]) ? (cam["center"] as unknown[]).map((v) => num(v, 0)) : [0, 0, 0];
  const bar = op["colorbar"] as Record<string, unknown> | undefined;
  const legend = Array.isArray(op["legend"]) ? (op["legend"] as { label: string; color: string; shape: string }[]) : [];
  return {
    id: String(op.id),
    kind: op["kind"] === "3d" ? "3d" : "2d",
    rect: rect as [number, number, number, number],
    x: axis(op["x"]),
    y: axis(op["y"]),
    title: typeof op["title"] === "string" ? op["title"] : "",
    legend: legend.filter((e) => typeof e === "object" && e !== null && typeof e.label === "string"),
    colorbar:
      bar && typeof bar["texture"] === "string"
        ? { texture: bar["texture"], range: pair(bar["range"], [0, 1]), label: typeof bar["label"] === "string" ? bar["label"] : "" }
        : null,
    camera: {
      center: [center[0] ?? 0, center[1] ?? 0, center[2] ?? 0],
      distance: num(cam["distance"], 3),
      azimuth: num(cam["azimuth"], -60),
      elevation: num(cam["elevation"], 25),
      fov: num(cam["fov"], 40),
    },
  };
}

/** What a view sends the kernel (section 4). */
export type ViewMessage =
  | { type: "view"; view: string; axes: string; x?: [number, number]; y?: [number, number]; camera?: CameraSpec; width: number; height: number; css_width: number; css_height: number }
  | { type: "picture"; view: string; width: number; height: number; css_width: number; css_height: number }
  | { type: "pick"; view: string; draw: string; index: number; x: number; y: number; button: number };
