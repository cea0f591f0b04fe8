// Vega and Vega-Lite specs (Altair's output), drawn inside the output frame: a chunk of
// its own, loaded the first time a frame shows one. No action menu: its links lead off
// the machine, and a sandboxed frame cannot download.
import embed, { type VisualizationSpec } from "vega-embed";

export async function renderVega(element: HTMLElement, mime: string, value: unknown): Promise<void> {
  const mode = mime.includes("vegalite") ? "vega-lite" : "vega";
  await embed(element, value as VisualizationSpec, { mode, actions: false });
}
