// Picking a point under a click, in the page, from the data it already holds: the
// nearest item of a draw with `pick` within PICK_PX of the pointer.
import type { Box } from "./axes";
import type { View2 } from "./camera";
import type { SceneStore } from "./store";

const PICK_PX = 8;

export function pickNearest(store: SceneStore, axes: string, view: View2, area: Box, p: { x: number; y: number }): { draw: string; index: number; x: number; y: number } | null {
  const sx = area.w / (view.x[1] - view.x[0]);
  const sy = area.h / (view.y[1] - view.y[0]);
  const px = view.x[0] + (p.x - area.x) / sx;
  const py = view.y[0] + (area.y + area.h - p.y) / sy;
  let best: { draw: string; index: number; x: number; y: number } | null = null;
  let bestD = PICK_PX * PICK_PX;
  for (const [id, draw] of store.ofKind("draw")) {
    const pick = draw.op["pick"] as { buffer?: unknown; size?: unknown } | undefined;
    if (draw.op["axes"] !== axes || !pick || typeof pick.buffer !== "string") continue;
    const res = store.get(pick.buffer, "buffer");
    if (!res?.data || res.op["dtype"] !== "float32") continue;
    const data = res.data.byteOffset % 4 === 0 ? res.data : res.data.slice();
    const f = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    const size = Number(pick.size ?? 2);
    const origin = (draw.op["origin"] as number[] | undefined) ?? [0, 0];
    const ox = px - (origin[0] ?? 0);
    const oy = py - (origin[1] ?? 0);
    for (let i = 0, n = f.length; i + 1 < n; i += size) {
      const dx = ((f[i] as number) - ox) * sx;
      const dy = ((f[i + 1] as number) - oy) * sy;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = { draw: id, index: i / size, x: (f[i] as number) + (origin[0] ?? 0), y: (f[i + 1] as number) + (origin[1] ?? 0) };
      }
    }
  }
  return best;
}
