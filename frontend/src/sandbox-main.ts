// Runs inside the sandboxed output frame (opaque origin): takes the output from the
// page, runs it, and reports the document's height so the page can size the frame.
interface RenderMessage {
  type: "nw-render";
  html?: string;
  javascript?: string;
}

function reportHeight(): void {
  const height = Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0);
  parent.postMessage({ type: "nw-frame-height", height }, "*");
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
