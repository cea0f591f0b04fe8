// Runs inside the sandboxed output frame (opaque origin): takes the output from the
// page, runs or draws it, and reports the document's height so the page can size the
// frame. Chart renderers are separate chunks, loaded only when a chart comes.
interface RenderMessage {
  type: "nw-render";
  html?: string;
  javascript?: string;
  mime?: string;
  data?: unknown;
}

function reportHeight(): void {
  const height = Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0);
  parent.postMessage({ type: "nw-frame-height", height }, "*");
}

async function renderChart(element: HTMLElement, mime: string, data: unknown): Promise<void> {
  element.classList.add("nw-chart");
  try {
    if (mime === "application/vnd.plotly.v1+json") {
      const { renderPlotly } = await import("./sandbox/plotly");
      await renderPlotly(element, data);
    } else {
      const { renderVega } = await import("./sandbox/vega");
      await renderVega(element, mime, data);
    }
  } catch (e) {
    const pre = document.createElement("pre");
    pre.className = "nw-render-error";
    pre.textContent = `This chart could not be drawn: ${String(e)}`;
    element.replaceChildren(pre);
  }
  reportHeight();
}

let rendered = false;
window.addEventListener("message", (ev: MessageEvent) => {
  if (ev.source !== parent || rendered) return;
  const msg = ev.data as RenderMessage;
  if (msg?.type !== "nw-render") return;
  rendered = true;
  const element = document.createElement("div");
  element.className = "output";
  document.body.appendChild(element);
  (window as unknown as { element: HTMLElement }).element = element;
  if (typeof msg.mime === "string") {
    void renderChart(element, msg.mime, msg.data);
    return;
  }
  if (typeof msg.html === "string") {
    // Scripts in a contextual fragment run when inserted (unlike innerHTML).
    element.appendChild(document.createRange().createContextualFragment(msg.html));
  }
  if (typeof msg.javascript === "string") {
    const script = document.createElement("script");
    script.textContent = msg.javascript;
    document.body.appendChild(script);
  }
  reportHeight();
});

new ResizeObserver(reportHeight).observe(document.documentElement);
parent.postMessage({ type: "nw-frame-ready" }, "*");
