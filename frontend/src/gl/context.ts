// The page's one WebGL2 context, shared by every plot (docs/gl-protocol.md, section 8).
//
// A plot renders its axes into the shared off-screen canvas (viewport and scissor to
// the axes' size, bottom left), then copies that rectangle into its own 2-D canvas in
// the same task, so the drawing buffer need not be preserved. Browsers allow about 16
// contexts per page; one context means a long notebook never loses a plot.
//
// Raw WebGL2 rather than regl: regl compiles its commands with `Function`, which the
// page's CSP (no 'unsafe-eval') forbids, and the protocol is itself a thin GL command
// layer (programs, buffers, attributes, uniforms, draws): an interpreter of it needs
// GLSL ES 3.00 and WebGL2 calls, not a second declarative layer.
import { ITEM_SIZE, type Resource, type SceneStore } from "./store";
import type { Op } from "./protocol";

type UniformValue = number | readonly number[] | Float32Array | { texture: string } | null;
/** Resolves a draw's uniform value (browser-driven names become numbers). */
export type Resolve = (draw: Op, value: unknown) => UniformValue;

interface Gpu<T> {
  handle: T;
  version: number;
  base: number;
}

interface Program {
  program: WebGLProgram;
  attributes: Map<string, number>;
  uniforms: Map<string, { location: WebGLUniformLocation; type: number }>;
}

const GL_TYPES: Record<string, number> = {
  float32: 0x1406, uint8: 0x1401, int8: 0x1400, uint16: 0x1403, int16: 0x1402, uint32: 0x1405, int32: 0x1404,
}; // prettier-ignore
const PRIMITIVES: Record<string, number> = { points: 0, lines: 1, line_strip: 3, triangles: 4, triangle_strip: 5 };

class GpuScene {
  readonly buffers = new Map<string, Gpu<WebGLBuffer> & { target: number }>();
  readonly textures = new Map<string, Gpu<WebGLTexture>>();
  readonly programs = new Map<string, Gpu<Program | null>>();
}

export class SharedGL {
  readonly canvas: HTMLCanvasElement;
  private gl: WebGL2RenderingContext | null = null;
  private scenes = new WeakMap<SceneStore, GpuScene>();
  private floatLinear = false;
  private readonly onRestore = new Set<() => void>();

  constructor() {
    this.canvas = document.createElement("canvas");
    this.canvas.width = this.canvas.height = 1;
    this.canvas.addEventListener("webglcontextlost", (e) => {
      e.preventDefault(); // so that it is restored
      this.gl = null;
    });
    this.canvas.addEventListener("webglcontextrestored", () => {
      this.scenes = new WeakMap(); // every resource is gone: upload again from the stores
      this.setup();
      for (const cb of [...this.onRestore]) cb();
    });
    this.setup();
  }

  private setup(): void {
    const gl = this.canvas.getContext("webgl2", { antialias: true, depth: true, premultipliedAlpha: false, preserveDrawingBuffer: false });
    this.gl = gl;
    if (gl) this.floatLinear = gl.getExtension("OES_texture_float_linear") !== null;
  }

  get ok(): boolean {
    return this.gl !== null;
  }

  /** Calls `cb` after a lost context came back (views draw again). */
  onRestored(cb: () => void): () => void {
    this.onRestore.add(cb);
    return () => this.onRestore.delete(cb);
  }

  /** Frees the GPU copies of a scene no view shows any more. */
  release(store: SceneStore): void {
    const gpu = this.scenes.get(store);
    const gl = this.gl;
    if (!gpu || !gl) return;
    for (const b of gpu.buffers.values()) gl.deleteBuffer(b.handle);
    for (const t of gpu.textures.values()) gl.deleteTexture(t.handle);
    for (const p of gpu.programs.values()) if (p.handle) gl.deleteProgram(p.handle.program);
    this.scenes.delete(store);
  }

  /**
   * Renders the draws of one axes at `w` x `h` physical px over `background`; returns
   * the source rectangle of the shared canvas holding the picture (copy it at once).
   */
  render(store: SceneStore, axes: string, w: number, h: number, background: [number, number, number, number], resolve: Resolve): [number, number, number, number] | null {
    const gl = this.gl;
    if (!gl || w < 1 || h < 1) return null;
    if (this.canvas.width < w || this.canvas.height < h) {
      this.canvas.width = Math.max(this.canvas.width, w);
      this.canvas.height = Math.max(this.canvas.height, h);
    }
    let gpu = this.scenes.get(store);
    if (!gpu) this.scenes.set(store, (gpu = new GpuScene()));
    gl.viewport(0, 0, w, h);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(0, 0, w, h);
    gl.clearColor(...background);
    gl.clearDepth(1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    const draws = store.ofKind("draw").filter(([, r]) => r.op["axes"] === axes);
    draws.sort(([, a], [, b]) => Number(a.op["order"] ?? 0) - Number(b.op["order"] ?? 0));
    for (const [id, draw] of draws) {
      try {
        this.draw(gl, gpu, store, draw.op, resolve);
      } catch (e) {
        console.error(`notewire gl: draw ${id}:`, e instanceof Error ? e.message : e);
      }
    }
    gl.disable(gl.SCISSOR_TEST);
    return [0, this.canvas.height - h, w, h];
  }

  private draw(gl: WebGL2RenderingContext, gpu: GpuScene, store: SceneStore, op: Op, resolve: Resolve): void {
    const program = this.program(gl, gpu, store, String(op["program"]));
    if (!program) return;
    gl.useProgram(program.program);
    const attributes = (op["attributes"] ?? {}) as Record<string, Record<string, unknown>>;
    for (let i = 0; i < 16; i++) gl.disableVertexAttribArray(i);
    for (const [name, location] of program.attributes) {
      const a = attributes[name];
      if (!a) continue;
      const res = store.get(String(a["buffer"]), "buffer");
      if (!res) throw new Error(`attribute ${name}: no buffer ${String(a["buffer"])}`);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer(gl, gpu, String(a["buffer"]), res, gl.ARRAY_BUFFER));
      gl.enableVertexAttribArray(location);
      const dtype = String(res.op["dtype"]);
      gl.vertexAttribPointer(location, Number(a["size"] ?? 1), GL_TYPES[dtype] ?? gl.FLOAT, a["normalized"] === true, Number(a["stride"] ?? 0), Number(a["offset"] ?? 0));
      gl.vertexAttribDivisor(location, Number(a["divisor"] ?? 0));
    }
    let unit = 0;
    const uniforms = (op["uniforms"] ?? {}) as Record<string, unknown>;
    for (const [name, u] of program.uniforms) {
      const value = resolve(op, uniforms[name]);
      if (value === null) continue;
      if (typeof value === "object" && "texture" in value) {
        const tex = store.get(value.texture, "texture");
        if (!tex) continue;
        gl.activeTexture(gl.TEXTURE0 + unit);
        gl.bindTexture(gl.TEXTURE_2D, this.texture(gl, gpu, value.texture, tex));
        gl.uniform1i(u.location, unit++);
        continue;
      }
      setUniform(gl, u.location, u.type, value);
    }
    const blend = op["blend"] ?? "alpha";
    if (blend === "none") gl.disable(gl.BLEND);
    else {
      gl.enable(gl.BLEND);
      if (blend === "add") gl.blendFunc(gl.ONE, gl.ONE);
      else gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    }
    if (op["depth"] === true) gl.enable(gl.DEPTH_TEST);
    else gl.disable(gl.DEPTH_TEST);
    const mode = PRIMITIVES[String(op["primitive"] ?? "triangles")] ?? gl.TRIANGLES;
    const count = Number(op["count"] ?? 0);
    const instances = Number(op["instances"] ?? 0);
    const elements = typeof op["elements"] === "string" ? store.get(op["elements"], "buffer") : null;
    if (elements) {
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.buffer(gl, gpu, String(op["elements"]), elements, gl.ELEMENT_ARRAY_BUFFER));
      const type = GL_TYPES[String(elements.op["dtype"])] ?? gl.UNSIGNED_INT;
      if (instances > 0) gl.drawElementsInstanced(mode, count, type, 0, instances);
      else gl.drawElements(mode, count, type, 0);
    } else if (instances > 0) gl.drawArraysInstanced(mode, 0, count, instances);
    else gl.drawArrays(mode, 0, count);
  }

  private buffer(gl: WebGL2RenderingContext, gpu: GpuScene, id: string, res: Resource, target: number): WebGLBuffer {
    let b = gpu.buffers.get(id);
    // WebGL binds a buffer to one kind of target for life: a new handle otherwise.
    if (b && (b.target !== target || b.base !== res.base)) {
      gl.deleteBuffer(b.handle);
      b = undefined;
    }
    if (!b) {
      const handle = gl.createBuffer();
      if (!handle) throw new Error("out of GPU memory");
      gl.bindBuffer(target, handle);
      gl.bufferData(target, res.data, gl.STATIC_DRAW);
      b = { handle, version: res.version, base: res.base, target };
      gpu.buffers.set(id, b);
    } else if (b.version !== res.version) {
      gl.bindBuffer(target, b.handle);
      for (const p of res.patches) if (p.version > b.version && typeof p.at === "number") gl.bufferSubData(target, p.at, p.data);
      b.version = res.version;
    }
    return b.handle;
  }

  private texture(gl: WebGL2RenderingContext, gpu: GpuScene, id: string, res: Resource): WebGLTexture {
    let t = gpu.textures.get(id);
    const fmt = TEXTURE_FORMATS[String(res.op["format"])] ?? TEXTURE_FORMATS["rgba8"]!;
    const width = Number(res.op["width"]);
    const height = Number(res.op["height"]);
    const data = (p: Uint8Array): ArrayBufferView => (fmt[2] === gl.FLOAT ? new Float32Array(p.buffer, p.byteOffset, p.byteLength / 4) : p);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    if (t && t.base !== res.base) {
      gl.deleteTexture(t.handle);
      t = undefined;
    }
    if (!t) {
      const handle = gl.createTexture();
      if (!handle || !res.data) throw new Error(`texture ${id}: cannot create`);
      gl.bindTexture(gl.TEXTURE_2D, handle);
      const aligned = fmt[2] === gl.FLOAT && res.data.byteOffset % 4 !== 0 ? res.data.slice() : res.data;
      gl.texImage2D(gl.TEXTURE_2D, 0, fmt[0], width, height, 0, fmt[1], fmt[2], data(aligned));
      const linear = res.op["filter"] === "linear" && (fmt[2] !== gl.FLOAT || this.floatLinear);
      const filter = linear ? gl.LINEAR : gl.NEAREST;
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      t = { handle, version: res.version, base: res.base };
      gpu.textures.set(id, t);
    } else if (t.version !== res.version) {
      gl.bindTexture(gl.TEXTURE_2D, t.handle);
      for (const p of res.patches) {
        if (p.version <= t.version || typeof p.at === "number") continue;
        const [x, y, w, h] = p.at;
        gl.texSubImage2D(gl.TEXTURE_2D, 0, x, y, w, h, fmt[1], fmt[2], data(p.data));
      }
      t.version = res.version;
    }
    return t.handle;
  }

  private program(gl: WebGL2RenderingContext, gpu: GpuScene, store: SceneStore, id: string): Program | null {
    const res = store.get(id, "program");
    if (!res) return null;
    const cached = gpu.programs.get(id);
    if (cached && cached.version === res.version) return cached.handle;
    if (cached?.handle) gl.deleteProgram(cached.handle.program);
    const made = compile(gl, String(res.op["vertex"] ?? ""), String(res.op["fragment"] ?? ""), id);
    gpu.programs.set(id, { handle: made, version: res.version, base: res.base });
    return made;
  }
}

// [internal format, format, type] of each texture format of the protocol.
const TEXTURE_FORMATS: Record<string, [number, number, number]> = {
  r8: [0x8229, 0x1903, 0x1401], rgba8: [0x8058, 0x1908, 0x1401],
  r32f: [0x822e, 0x1903, 0x1406], rgba32f: [0x8814, 0x1908, 0x1406],
}; // prettier-ignore

function versioned(source: string): string {
  return source.trimStart().startsWith("#version") ? source : `#version 300 es\n${source}`;
}

function compile(gl: WebGL2RenderingContext, vertex: string, fragment: string, id: string): Program | null {
  const shader = (type: number, source: string): WebGLShader | null => {
    const s = gl.createShader(type);
    if (!s) return null;
    gl.shaderSource(s, versioned(source));
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) {
      console.error(`notewire gl: program ${id}:`, gl.getShaderInfoLog(s));
      gl.deleteShader(s);
      return null;
    }
    return s;
  };
  const vs = shader(gl.VERTEX_SHADER, vertex);
  const fs = shader(gl.FRAGMENT_SHADER, fragment);
  const program = gl.createProgram();
  if (!vs || !fs || !program) return null;
  gl.attachShader(program, vs);
  gl.attachShader(program, fs);
  gl.linkProgram(program);
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    console.error(`notewire gl: program ${id}:`, gl.getProgramInfoLog(program));
    gl.deleteProgram(program);
    return null;
  }
  const attributes = new Map<string, number>();
  for (let i = 0; i < (gl.getProgramParameter(program, gl.ACTIVE_ATTRIBUTES) as number); i++) {
    const info = gl.getActiveAttrib(program, i);
    if (info) attributes.set(info.name, gl.getAttribLocation(program, info.name));
  }
  const uniforms = new Map<string, { location: WebGLUniformLocation; type: number }>();
  for (let i = 0; i < (gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS) as number); i++) {
    const info = gl.getActiveUniform(program, i);
    const location = info && gl.getUniformLocation(program, info.name);
    if (info && location) uniforms.set(info.name.replace(/\[0\]$/, ""), { location, type: info.type });
  }
  return { program, attributes, uniforms };
}

function setUniform(gl: WebGL2RenderingContext, loc: WebGLUniformLocation, type: number, value: number | readonly number[] | Float32Array): void {
  const v = typeof value === "number" ? [value] : Array.from(value);
  switch (type) {
    case gl.FLOAT: return gl.uniform1f(loc, v[0] ?? 0);
    case gl.FLOAT_VEC2: return gl.uniform2f(loc, v[0] ?? 0, v[1] ?? 0);
    case gl.FLOAT_VEC3: return gl.uniform3f(loc, v[0] ?? 0, v[1] ?? 0, v[2] ?? 0);
    case gl.FLOAT_VEC4: return gl.uniform4f(loc, v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 1);
    case gl.FLOAT_MAT4: return gl.uniformMatrix4fv(loc, false, new Float32Array(v));
    case gl.FLOAT_MAT3: return gl.uniformMatrix3fv(loc, false, new Float32Array(v));
    case gl.INT: case gl.BOOL: return gl.uniform1i(loc, v[0] ?? 0);
    case gl.INT_VEC2: return gl.uniform2i(loc, v[0] ?? 0, v[1] ?? 0);
    default: return;
  }
} // prettier-ignore

export { ITEM_SIZE };

let shared: SharedGL | null = null;

/** The page's context, made on first use. */
export function sharedGL(): SharedGL {
  return (shared ??= new SharedGL());
}
