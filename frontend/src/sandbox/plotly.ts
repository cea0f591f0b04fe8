// Plotly figures (application/vnd.plotly.v1+json), drawn inside the output frame: a chunk
// of its own, loaded the first time a frame shows one. The figure fills the frame's width
// (unless it sets one) and follows it; hover, zoom and pan work as in JupyterLab.
import Plotly from "plotly.js-dist-min";

interface Figure {
  data?: Plotly.Data[];
  layout?: Partial<Plotly.Layout>;
  config?: Partial<Plotly.Config>;
  frames?: Plotly.Frame[];
}

export async function renderPlotly(element: HTMLElement, value: unknown): Promise<void> {
  const figure = (value && typeof value === "object" ? value : {}) as Figure;
  const layout: Partial<Plotly.Layout> = { autosize: true, ...figure.layout };
  const config: Partial<Plotly.Config> = { responsive: true, displaylogo: false, ...figure.config };
  await Plotly.newPlot(element, { data: figure.data ?? [], layout, config, frames: figure.frames ?? [] });
}
