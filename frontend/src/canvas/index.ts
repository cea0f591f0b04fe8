// The live canvas view (docs/canvas-protocol.md): the whole public surface.
//
// The frontend mounts one view per output whose bundle has CANVAS_MIME while its comm
// (target CANVAS_TARGET, opened by the kernel) is open:
//
//   const handle = mountCanvas(outputElement, comm, { png, width, height });
//   ...
//   handle.destroy(); // when the output is removed or re-rendered
//
// Without an open comm (no kernel, a closed figure) the frontend shows the bundle's
// image/png instead.

export { mountCanvas, type CanvasComm, type CanvasHandle, type MountOptions } from "./view";
export {
  CANVAS_MIME,
  CANVAS_PROTOCOL,
  CANVAS_TARGET,
  parseCanvasMessage,
  type CanvasEvent,
  type CanvasState,
  type KernelMessage,
  type ViewMessage,
} from "./protocol";
export { FrameSequencer } from "./frames";
export { Coalescer } from "./input";
