// The page's mirror of every Jupyter widget model of the notebook (issue 11): each
// model's current state, so a widget frame made at any moment renders at once from it,
// with no request_state to the kernel. Filled from hello.widgets, kept current from the
// kernel's comm traffic of target jupyter.widget; pure, the widget host feeds it.
//
// State is kept as the wire has it: JSON without the binary values, plus the buffers
// with their paths (docs/notebook-protocol.md, WIDGETS-CONTRACT.md). Updates replace
// whole top-level keys, as ipywidgets' set_state does.
import type { JSONObject, JSONValue, KernelState, WidgetSnapshot } from "./protocol";

export const WIDGET_TARGET = "jupyter.widget";

export type BufferPath = readonly (string | number)[];

export interface WidgetBuffer {
  readonly path: BufferPath;
  readonly data: Uint8Array;
}

export interface WidgetModel {
  readonly model_name: string;
  readonly model_module: string;
  readonly model_module_version: string;
  /** The state without its binary values (a list slot holds null, a dict key is absent). */
  readonly state: JSONObject;
  readonly buffers: readonly WidgetBuffer[];
  /** Its comm is open on the running kernel; a static model renders, its changes go nowhere. */
  readonly live: boolean;
}

export type WidgetMirror = ReadonlyMap<string, WidgetModel>;

export const EMPTY_MIRROR: WidgetMirror = new Map();

/** Kernel states in which no widget comm is open: every model is static then. */
const GONE: ReadonlySet<KernelState> = new Set(["restarting", "dead", "none", "starting"]);

export function kernelGone(state: KernelState): boolean {
  return GONE.has(state);
}

function zip(paths: readonly BufferPath[], data: readonly Uint8Array[]): WidgetBuffer[] {
  const out: WidgetBuffer[] = [];
  paths.forEach((path, i) => {
    const d = data[i];
    if (d && path.length > 0) out.push({ path, data: d });
  });
  return out;
}

export function mirrorFromHello(widgets: ReadonlyMap<string, WidgetSnapshot>): WidgetMirror {
  const out = new Map<string, WidgetModel>();
  for (const [id, w] of widgets) {
    out.set(id, {
      model_name: w.model_name,
      model_module: w.model_module,
      model_module_version: w.model_module_version,
      state: w.state,
      buffers: zip(w.buffer_paths, w.buffers),
      live: w.live,
    });
  }
  return out;
}

/** The kernel went away: every live model keeps its last state as a static one. */
export function makeStatic(mirror: WidgetMirror): WidgetMirror {
  if (![...mirror.values()].some((m) => m.live)) return mirror;
  const out = new Map<string, WidgetModel>();
  for (const [id, m] of mirror) out.set(id, m.live ? { ...m, live: false } : m);
  return out;
}

function asObject(v: JSONValue | undefined): JSONObject | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : null;
}

function isPath(v: JSONValue): v is (string | number)[] {
  return Array.isArray(v) && v.every((k) => typeof k === "string" || typeof k === "number");
}

function bufferPaths(data: JSONObject): BufferPath[] {
  const paths = data["buffer_paths"];
  return Array.isArray(paths) ? paths.filter(isPath) : [];
}

function str(state: JSONObject, key: string): string {
  const v = state[key];
  return typeof v === "string" ? v : "";
}

/** A kernel comm message as the mirror reads it. */
export interface CommMessage {
  readonly type: "comm_open" | "comm_msg" | "comm_close";
  readonly content: JSONObject;
  readonly buffers: readonly Uint8Array[];
}

/** Whether `msg` is widget traffic: a jupyter.widget comm_open, or a message for a model
 * the mirror holds. Read this before `applyComm`: a comm_close removes the model. */
export function isWidgetMessage(mirror: WidgetMirror, msg: CommMessage): boolean {
  const id = msg.content["comm_id"];
  if (typeof id !== "string") return false;
  if (msg.type === "comm_open") return msg.content["target_name"] === WIDGET_TARGET;
  return mirror.has(id);
}

/** `model` with an update's state merged in: the keys it names are replaced whole. */
export function mergeUpdate(model: WidgetModel, state: JSONObject, paths: readonly BufferPath[], buffers: readonly Uint8Array[]): WidgetModel {
  const incoming = zip(paths, buffers);
  const changed = new Set<string | number>([...Object.keys(state), ...incoming.map((b) => b.path[0]!)]);
  const next: JSONObject = {};
  for (const [k, v] of Object.entries(model.state)) if (!changed.has(k)) next[k] = v;
  Object.assign(next, state);
  return {
    ...model,
    state: next,
    buffers: [...model.buffers.filter((b) => !changed.has(b.path[0]!)), ...incoming],
  };
}

/**
 * Applies one kernel comm message to `mirror`, in place (the page's mirror holds every
 * model of the notebook: copying it for each of the hundreds of messages a cell may send
 * cost time that grew with the notebook). Whether it changed (not if it is not widget
 * traffic). Models themselves are never changed, only replaced.
 */
export function applyCommTo(mirror: Map<string, WidgetModel>, msg: CommMessage): boolean {
  if (!isWidgetMessage(mirror, msg)) return false;
  const id = msg.content["comm_id"] as string;
  const data = asObject(msg.content["data"]) ?? {};
  switch (msg.type) {
    case "comm_open": {
      // A model held as static is replaced: it came alive again.
      const state = asObject(data["state"]) ?? {};
      mirror.set(id, {
        model_name: str(state, "_model_name"),
        model_module: str(state, "_model_module"),
        model_module_version: str(state, "_model_module_version"),
        state,
        buffers: zip(bufferPaths(data), msg.buffers),
        live: true,
      });
      return true;
    }
    case "comm_msg": {
      const method = data["method"];
      const state = asObject(data["state"]);
      if ((method !== "update" && method !== "echo_update") || !state) return false;
      mirror.set(id, mergeUpdate(mirror.get(id)!, state, bufferPaths(data), msg.buffers));
      return true;
    }
    case "comm_close":
      return mirror.delete(id);
  }
}

/** The mirror after one kernel comm message (the same mirror when nothing changed). */
export function applyComm(mirror: WidgetMirror, msg: CommMessage): WidgetMirror {
  const out = new Map(mirror);
  return applyCommTo(out, msg) ? out : mirror;
}

/** One model as a widget frame gets it: the comm_open shape plus what the manager needs. */
export interface ModelSnapshot {
  readonly model_id: string;
  readonly model_name: string;
  readonly model_module: string;
  readonly model_module_version: string;
  readonly state: JSONObject;
  readonly buffer_paths: BufferPath[];
  readonly buffers: Uint8Array[];
  readonly live: boolean;
}

function snapshotOf(model_id: string, m: WidgetModel): ModelSnapshot {
  return {
    model_id,
    model_name: m.model_name,
    model_module: m.model_module,
    model_module_version: m.model_module_version,
    state: m.state,
    buffer_paths: m.buffers.map((b) => [...b.path]),
    buffers: m.buffers.map((b) => b.data),
    live: m.live,
  };
}

/** The models `ids` names (in that order) that the mirror holds; every model when `ids` is absent. */
export function snapshot(mirror: WidgetMirror, ids?: Iterable<string>): ModelSnapshot[] {
  if (!ids) return [...mirror].map(([id, m]) => snapshotOf(id, m));
  const out: ModelSnapshot[] = [];
  for (const id of ids) {
    const m = mirror.get(id);
    if (m) out.push(snapshotOf(id, m));
  }
  return out;
}

// Reachability (what a widget frame needs). A frame creates only the models its view
// can reach, not every model of the notebook: with 50 outputs of 3 models each, each
// frame would otherwise build 150 models to show 3.

const MODEL_REF = "IPY_MODEL_";
const OUTPUT_MODULE = "@jupyter-widgets/output";
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";

function collectRefs(v: JSONValue, out: Set<string>): void {
  if (typeof v === "string") {
    if (v.startsWith(MODEL_REF) && v.length > MODEL_REF.length) out.add(v.slice(MODEL_REF.length));
  } else if (Array.isArray(v)) {
    for (const x of v) collectRefs(x, out);
  } else if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) collectRefs(x, out);
  }
}

/** The model ids an Output model's `outputs` show as widget views. */
function outputViews(outputs: JSONValue | undefined, out: Set<string>): void {
  if (!Array.isArray(outputs)) return;
  for (const o of outputs) {
    const data = asObject(asObject(o)?.["data"]);
    const view = asObject(data?.[WIDGET_VIEW_MIME]);
    const id = view?.["model_id"];
    if (typeof id === "string" && id) out.add(id);
  }
}

/** The ids a piece of a model's state refers to: `IPY_MODEL_<id>` strings anywhere in
 * it, and, for an Output model, the widget views among its `outputs`. */
export function stateRefs(state: JSONObject, isOutput: boolean): Set<string> {
  const out = new Set<string>();
  collectRefs(state, out);
  if (isOutput) outputViews(state["outputs"], out);
  return out;
}

function isOutputModel(m: WidgetModel): boolean {
  return m.model_module === OUTPUT_MODULE;
}

// Models are immutable: their references are worked out once per version.
const refCache = new WeakMap<WidgetModel, ReadonlySet<string>>();

/** The ids model `m` refers to. */
export function modelRefs(m: WidgetModel): ReadonlySet<string> {
  let refs = refCache.get(m);
  if (!refs) refCache.set(m, (refs = stateRefs(m.state, isOutputModel(m))));
  return refs;
}

/** A model no view shows (no `_view_name`): a link (jslink, jsdlink) or the like, which
 * acts on the models it refers to, so it goes wherever one of them goes. Layouts and
 * styles have no view either, but refer to nothing. */
function viewless(m: WidgetModel): boolean {
  const v = m.state["_view_name"];
  return typeof v !== "string" || v === "";
}

/** Whether `m` is a link: a view-less model that refers to others (see `viewless`). */
export function isLink(m: WidgetModel): boolean {
  return viewless(m) && modelRefs(m).size > 0;
}

/** The ids of the mirror's links (`isLink`). */
export function linkIds(mirror: WidgetMirror): string[] {
  const out: string[] = [];
  for (const [id, m] of mirror) if (isLink(m)) out.push(id);
  return out;
}

/**
 * The ids, not in `held`, that a frame holding `held` must get with `roots`: everything
 * the mirror holds that `roots` reach by references, plus any view-less model that
 * refers to a model held or got (a jslink between two sliders), with what that reaches.
 * Ids the mirror lacks are left out. In no particular order: a frame registers a batch
 * whole before it builds any of it. `links`: the mirror's links, when the caller keeps
 * them (else they are looked for in the whole mirror).
 */
export function reachable(
  mirror: WidgetMirror,
  roots: Iterable<string>,
  held: ReadonlySet<string> = new Set(),
  links?: Iterable<string>,
): string[] {
  const got = new Set<string>();
  const stack: string[] = [];
  const add = (id: string) => {
    if (held.has(id) || got.has(id) || !mirror.has(id)) return;
    got.add(id);
    stack.push(id);
  };
  const walk = () => {
    while (stack.length) for (const r of modelRefs(mirror.get(stack.pop()!)!)) add(r);
  };
  for (const id of roots) add(id);
  walk();
  if (got.size === 0) return [];
  // Links to what the frame holds or gets, until no more come.
  const candidates: [string, WidgetModel][] = [];
  for (const id of links ?? linkIds(mirror)) {
    const m = mirror.get(id);
    if (m && !held.has(id)) candidates.push([id, m]);
  }
  for (let more = true; more; ) {
    more = false;
    for (const [id, m] of candidates) {
      if (got.has(id)) continue;
      if ([...modelRefs(m)].some((r) => got.has(r) || held.has(r))) {
        add(id);
        walk();
        more = true;
      }
    }
  }
  return [...got];
}

/**
 * What a frame holding `held` must get, before it sees a kernel message about model
 * `id`, now that the mirror holds `id`'s new version (after a comm_open or an update):
 * - if it holds `id`: the models `id` now refers to that it lacks (a Box gained a
 *   child), with their closure;
 * - if not, and `id` is a link to a model it holds: `id` and its closure;
 * - nothing otherwise (the frame ignores messages about models it lacks).
 */
export function needsFor(mirror: WidgetMirror, held: ReadonlySet<string>, id: string, links?: Iterable<string>): string[] {
  const m = mirror.get(id);
  if (!m) return [];
  if (held.has(id)) return reachable(mirror, modelRefs(m), held, links);
  if (viewless(m) && [...modelRefs(m)].some((r) => held.has(r))) return reachable(mirror, [id], held, links);
  return [];
}
