// Plots rendered in the browser (docs/gl-protocol.md): the lazily loaded chunk. The
// notebook page (view/gl-output.ts) loads it when a gl comm opens or a gl output shows.
export { GlView, type GlSend, type GlViewOptions } from "./view";
export { SceneStore } from "./store";
export { parseOps, unpack, unpackKept, GL_MIME, GL_TARGET, type OpsMessage } from "./protocol";
export { ticks, tickLabel } from "./axes";
