// The notebook page's hook for plots rendered in the browser (docs/gl-protocol.md,
// section 1): the gl chunk (../gl) is loaded only when a gl comm opens or a gl output
// shows. A live plot follows its comm; without one, a trusted output's kept scene is
// still interactive; otherwise the output's image/png shows.
//
// - Each open gl comm has one scene store on the page, fed by its comm_open (from
//   `hello` on reload: binary buffers, no kernel request) and every later `ops`
//   message; an answer to one view (`view` set) applies only on the page holding it.
// - A view survives the re-render that each new stored picture causes (as canvas
//   views do): released by the old render, taken up by the next in the same task.
import type { NotebookClient } from "../net/client";
import type { CommPayload, JSONObject, JSONValue, ServerMessage } from "../model/protocol";
import type { SessionState } from "../model/session";
import { GL_MIME, GL_TARGET, type OpsMessage } from "../gl/protocol";

type Chunk = typeof import("../gl");
type Store = InstanceType<Chunk["SceneStore"]>;
type View = InstanceType<Chunk["GlView"]>;

let chunk: Promise<Chunk> | null = null;
const load = (): Promise<Chunk> => (chunk ??= import("../gl"));

interface Scene {
  store: Store | null;
  pending: { data: unknown; buffers: readonly Uint8Array[] }[];
  views: Set<View>;
  ready: Promise<Store>;
}

class GlComms {
  readonly scenes = new Map<string, Scene>();
  private readonly opens = new Map<string, Set<() => void>>();

  constructor(private readonly client: NotebookClient) {
    this.sync(client.session);
    client.subscribe({ session: (s) => this.sync(s), message: (m) => this.onMessage(m) });
  }

  send(commId: string): (data: unknown, buffers?: ArrayBuffer[]) => void {
    return (data, buffers) =>
      this.client.send({
        type: "comm_msg",
        content: { comm_id: commId, data: data as JSONObject },
        ...(buffers?.length ? { buffers: buffers.map((b) => new Uint8Array(b)) } : {}),
      });
  }

  onOpen(commId: string, cb: () => void): () => void {
    let set = this.opens.get(commId);
    if (!set) this.opens.set(commId, (set = new Set()));
    set.add(cb);
    return () => set.delete(cb);
  }

  private open(commId: string, payload: CommPayload): void {
    const scene: Scene = { store: null, pending: [{ data: payload.content["data"], buffers: payload.buffers }], views: new Set(), ready: null! };
    scene.ready = load().then((gl) => {
      const store = new gl.SceneStore();
      for (const m of scene.pending) this.feed(gl, store, scene, m.data, m.buffers);
      scene.pending = [];
      scene.store = store;
      return store;
    });
    this.scenes.set(commId, scene);
    const cbs = this.opens.get(commId);
    this.opens.delete(commId);
    for (const cb of cbs ?? []) cb();
  }

  private feed(gl: Chunk, store: Store, scene: Scene, data: unknown, buffers: readonly Uint8Array[]): void {
    const msg: OpsMessage | null = gl.parseOps(data, buffers);
    if (!msg) return;
    if (msg.view !== null && ![...scene.views].some((v) => v.id === msg.view)) return; // another page's
    store.apply(msg);
  }

  private onMessage(m: ServerMessage): void {
    if (m.type !== "comm_msg") return;
    const id = m.content["comm_id"];
    const scene = typeof id === "string" ? this.scenes.get(id) : undefined;
    if (!scene) return;
    const data = m.content["data"];
    if (scene.store && chunk) {
      const store = scene.store;
      void chunk.then((gl) => this.feed(gl, store, scene, data, m.buffers ?? []));
    } else scene.pending.push({ data, buffers: m.buffers ?? [] });
  }

  private sync(s: SessionState): void {
    const gone = ["restarting", "dead", "none"].includes(s.kernel.state);
    for (const [id, payload] of gone ? [] : s.comms) {
      if (payload.content["target_name"] === GL_TARGET && !this.scenes.has(id)) this.open(id, payload);
    }
    for (const [id, scene] of this.scenes) {
      if (!gone && s.comms.has(id)) continue;
      for (const v of scene.views) v.detach(); // the plot stays, interactive, with its data
      this.scenes.delete(id);
    }
  }
}

let hub: GlComms | null = null;

/** Connects gl outputs to this page's notebook connection (once per page). */
export function attachGlComms(client: NotebookClient): void {
  hub = new GlComms(client);
}

interface Slot {
  readonly key: string;
  readonly el: HTMLElement;
  view: View | null;
}

const released = new Map<string, Slot>();

function asObject(value: JSONValue | undefined): JSONObject | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
}

/**
 * Renders a display_data / execute_result bundle with the gl mime type, or returns
 * null (no such mime type, or no notebook connection): the caller renders the bundle
 * as usual, which shows its image/png.
 */
export function glOutput(data: JSONObject, trusted: boolean): { body: HTMLElement; destroy: () => void } | null {
  const spec = asObject(data[GL_MIME]);
  if (!hub || !spec || typeof spec["comm_id"] !== "string") return null;
  const comms = hub;
  const commId = spec["comm_id"];
  const key = `${commId}`;
  const png = typeof data["image/png"] === "string" ? data["image/png"] : "";
  const kept = trusted && typeof spec["scene"] === "string" ? spec["scene"] : "";
  let slot = released.get(key) ?? null;
  released.delete(key);
  let stop = (): void => {};
  let gone = false;
  if (!slot) {
    const el = document.createElement("div");
    el.className = "nw-gl-output";
    el.dataset["commId"] = commId;
    el.dataset["live"] = "false";
    const s: Slot = { key, el, view: null };
    slot = s;
    if (png) {
      const img = document.createElement("img");
      img.className = "nw-image nw-gl-image";
      img.alt = "image/png";
      img.src = `data:image/png;base64,${png.replace(/\s+/g, "")}`;
      el.append(img);
    }
    const mount = (store: Store, gl: Chunk, live: boolean): void => {
      if (gone || s.view) return;
      el.replaceChildren();
      const scene = live ? comms.scenes.get(commId) : undefined;
      s.view = new gl.GlView(el, store, scene ? comms.send(commId) : null, { needPicture: !png });
      scene?.views.add(s.view);
      el.dataset["live"] = live ? "true" : "kept";
    };
    const goLive = (): void => {
      const scene = comms.scenes.get(commId);
      if (scene) void Promise.all([scene.ready, load()]).then(([store, gl]) => mount(store, gl, true));
    };
    if (comms.scenes.has(commId)) goLive();
    else {
      stop = comms.onOpen(commId, goLive);
      if (kept)
        void load().then(async (gl) => {
          const msg = await gl.unpackKept(kept);
          if (!msg || comms.scenes.has(commId)) return;
          const store = new gl.SceneStore();
          store.apply(msg);
          mount(store, gl, false);
        });
    }
  }
  const mine = slot;
  return {
    body: mine.el,
    destroy: () => {
      stop();
      gone = true;
      if (!mine.view) return;
      released.set(key, mine);
      queueMicrotask(() => {
        if (released.get(key) !== mine) return; // taken up again by the next render
        released.delete(key);
        for (const scene of hub?.scenes.values() ?? []) if (mine.view) scene.views.delete(mine.view);
        mine.view?.destroy();
        mine.view = null;
      });
    },
  };
}
