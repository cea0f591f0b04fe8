// Plotly and Vega outputs in an exported HTML file: each output is a
// <div class="nw-export-plot" data-mime-type=...> holding its spec in a JSON <script>.
// One build per library, inlined by the exporter only when such an output is present.
export function renderPlots(
  mimes: (mime: string) => boolean,
  render: (element: HTMLElement, mime: string, value: unknown) => Promise<void>,
): void {
  const run = async () => {
    const jobs: Promise<void>[] = [];
    for (const div of Array.from(document.querySelectorAll<HTMLElement>(".nw-export-plot"))) {
      const mime = div.dataset.mimeType ?? "";
      const spec = div.querySelector("script");
      if (!mimes(mime) || !spec) continue;
      const target = document.createElement("div");
      div.appendChild(target);
      jobs.push(
        render(target, mime, JSON.parse(spec.textContent ?? "null")).catch((e: unknown) => {
          target.textContent = `${mime} failed to render: ${String(e)}`;
        }),
      );
    }
    await Promise.all(jobs);
    document.documentElement.dataset.nwPlots = "done";
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => void run());
  else void run();
}
