// The banner over the cells while the page is not connected: disconnected (with the
// countdown to the next try and a "Retry now" button), reconnecting, or the kernel shut
// down from elsewhere (with "Start a kernel": nothing restarts it unasked).
import { looksConnected, type SessionState } from "../model/session";
import { h, toolButton } from "./dom";

/** What the banner needs of the connection (net/client.ts NotebookClient). */
export interface Reconnecting {
  /** The kernel was shut down from outside; the page waits to be asked. */
  readonly stopped: boolean;
  /** The notebook's file was deleted; the page says so elsewhere. */
  readonly deleted: boolean;
  reconnectNow(): void;
}

export class ConnectionBanner {
  readonly el = h("div", { class: "nw-banner", role: "alert", hidden: true });
  private timer = 0;

  constructor(private readonly client: Reconnecting) {}

  show(s: SessionState): void {
    window.clearInterval(this.timer);
    if (looksConnected(s) || (s.connection === "connecting" && s.docId === null) || this.client.deleted) {
      this.el.hidden = true;
      return;
    }
    // The countdown ticks in the text; the button stays the same element (a button
    // redrawn under the pointer would lose the click).
    const text = h("span", {});
    if (this.client.stopped) {
      text.textContent =
        "This notebook's kernel was shut down (from the file browser or elsewhere). " +
        "Your notebook is kept; start a kernel to run code again. ";
      const start = toolButton("Start a kernel", "Start a kernel", () => this.client.reconnectNow());
      this.el.replaceChildren(text, start);
      this.el.hidden = false;
      return;
    }
    const retry = toolButton("Retry now", "reconnect now", () => this.client.reconnectNow());
    retry.hidden = s.connection !== "disconnected";
    this.el.replaceChildren(text, retry);
    const draw = () => {
      const left = s.retryAt === null ? 0 : Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
      text.textContent =
        s.connection === "disconnected"
          ? `Disconnected from the server${s.closeReason ? ` (${s.closeReason})` : ""}; reconnecting${left ? ` in ${left} s` : "…"}. Your edits are kept and sent when the connection is back. `
          : "Reconnecting… ";
    };
    draw();
    this.el.hidden = false;
    if (s.connection === "disconnected") this.timer = window.setInterval(draw, 1000);
  }
}
