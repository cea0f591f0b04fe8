// The browser view of one live canvas: frames drawn into a <canvas> at the render
// resolution, input sent back, acks after each frame shown, visibility reported.
// docs/canvas-protocol.md is the contract. Styles are set through CSSOM only (the page's
// CSP allows no inline <style>); class names (nw-canvas-*) let the page add its own.

import { FrameSequencer } from "./frames";
import {
  buttonOf,
  buttonsOf,
  Coalescer,
  keyOf,
  modifiersOf,
  now,
  wheelDelta,
  type NextFrame,
} from "./input";
import { PanPredictor, regionAt } from "./predict";
import {
  applyState,
  INITIAL_STATE,
  MalformedCanvasMessage,
  parseCanvasMessage,
  type CanvasEvent,
  type CanvasState,
  type KernelMessage,
  type PanRegion,
  type Rect,
  type ViewMessage,
} from "./protocol";

/** The comm as the frontend hands it over: messages of this comm only, both ways. */
export interface CanvasComm {
  send(data: Record<string, unknown>, buffers?: readonly ArrayBuffer[]): void;
  /** Called with each comm_msg's `data` and buffers. May return an unsubscribe function. */
  onMessage(cb: (data: unknown, buffers: readonly Uint8Array[]) => void): void | (() => void);
  /** Called once when the comm closes (the canvas was closed, or the kernel went away). */
  onClose(cb: () => void): void | (() => void);
}

export interface MountOptions {
  /** The output's stored image (`image/png` bytes), shown until the first frame. */
  readonly png?: Uint8Array;
  /** The logical size from the output's mime data, to lay out before any message. */
  readonly width?: number;
  readonly height?: number;
}

export interface CanvasHandle {
  readonly viewId: string;
  /** Detach from the canvas (it stays open for other views) and remove the DOM. */
  destroy(): void;
}

const RESIZE_EVERY_MS = 200;

function union(a: Rect | null, b: Rect): Rect {
  if (a === null) return b;
  const x0 = Math.min(a[0], b[0]);
  const y0 = Math.min(a[1], b[1]);
  const x1 = Math.max(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.max(a[1] + a[3], b[1] + b[3]);
  return [x0, y0, x1 - x0, y1 - y0];
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function setStyle(node: HTMLElement, key: "cursor" | "display" | "width" | "aspectRatio", value: string): void {
  if (node.style[key] !== value) node.style[key] = value;
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function blobOf(bytes: Uint8Array, type: string): Blob {
  // A copy only when the bytes sit in a shared buffer, which a Blob cannot take.
  const own = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  return new Blob([own], { type });
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  style: Partial<CSSStyleDeclaration> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  Object.assign(node.style, style);
  return node;
}

const timers = (fn: () => void, ms: number): (() => void) => {
  const id = window.setTimeout(fn, ms);
  return () => window.clearTimeout(id);
};

const nextFrame: NextFrame = (fn) => {
  const id = requestAnimationFrame(fn);
  return () => cancelAnimationFrame(id);
};

const PRESSED_STYLE: Partial<CSSStyleDeclaration> = {
  background: "rgba(127, 127, 127, 0.35)",
  borderStyle: "inset",
};
const UNPRESSED_STYLE: Partial<CSSStyleDeclaration> = { background: "", borderStyle: "" };

class CanvasView {
  readonly id = randomId();
  private state: CanvasState;
  private readonly root: HTMLDivElement;
  private readonly toolbar: HTMLDivElement;
  private readonly title: HTMLSpanElement;
  private readonly buttons = new Map<string, HTMLButtonElement>();
  private toolbarKey = "";
  private readonly closeButton: HTMLButtonElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  // The true picture: frames from the kernel are drawn here, then copied to the
  // visible canvas, where a pan prediction may translate part of it.
  private readonly truth: HTMLCanvasElement;
  private readonly truthCtx: CanvasRenderingContext2D;
  private readonly predictor: PanPredictor;
  private predicted = false; // the visible canvas shows a prediction
  private panRegion: PanRegion | null = null;
  private readonly band: HTMLDivElement;
  private readonly grip: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly errorBox: HTMLDivElement;
  private readonly errorText: HTMLPreElement;
  private readonly frames = new FrameSequencer<ImageBitmap>();
  private readonly input: Coalescer;
  private readonly cleanups: Array<() => void> = [];
  private logical: [number, number];
  private frameRatio = 1; // physical px per logical px of the picture shown
  private drawnFrames = 0;
  private raf = 0;
  private intersecting = false;
  private visible = false;
  private announced = false;
  private ratio = window.devicePixelRatio || 1;
  private pressed = 0; // the button that started the current drag
  private lastResize = "";
  private resizeTimer: (() => void) | null = null;
  private closed = false;
  private destroyed = false;

  constructor(
    private readonly el: HTMLElement,
    private readonly comm: CanvasComm,
    options: MountOptions,
  ) {
    this.state = {
      ...INITIAL_STATE,
      width: options.width ?? INITIAL_STATE.width,
      height: options.height ?? INITIAL_STATE.height,
    };
    this.logical = [this.state.width, this.state.height];
    this.input = new Coalescer((event) => this.send({ type: "event", view: this.id, event }), nextFrame);
    this.predictor = new PanPredictor(this.id);

    this.root = element("div", "nw-canvas", {
      display: "inline-flex",
      flexDirection: "column",
      maxWidth: "100%",
      outline: "none",
      position: "relative",
    });
    this.root.tabIndex = 0;
    this.toolbar = element("div", "nw-canvas-toolbar", {
      display: "flex",
      alignItems: "center",
      gap: "2px",
      flexWrap: "wrap",
      font: "12px sans-serif",
    });
    this.title = element("span", "nw-canvas-title", { marginRight: "auto", paddingRight: "8px" });
    this.closeButton = element("button", "nw-canvas-close");
    this.closeButton.type = "button";
    this.closeButton.textContent = "×";
    this.closeButton.title = "Close this figure (for every view)";
    this.closeButton.setAttribute("aria-label", "Close figure");
    this.toolbar.append(this.title, this.closeButton);
    const stage = element("div", "nw-canvas-stage", { position: "relative", lineHeight: "0", maxWidth: "100%" });
    this.canvas = element("canvas", "nw-canvas-picture", {
      display: "block",
      maxWidth: "100%",
      height: "auto",
      touchAction: "none",
    });
    const ctx = this.canvas.getContext("2d");
    if (ctx === null) throw new Error("no 2D canvas context");
    this.ctx = ctx;
    this.truth = element("canvas", "nw-canvas-truth");
    const truthCtx = this.truth.getContext("2d");
    if (truthCtx === null) throw new Error("no 2D canvas context");
    this.truthCtx = truthCtx;
    this.band = element("div", "nw-canvas-rubberband", {
      position: "absolute",
      display: "none",
      border: "1px dashed currentColor",
      background: "rgba(127, 127, 127, 0.15)",
      pointerEvents: "none",
    });
    // The grip sits under the picture's corner, in the status line: it covers no pixel
    // of the figure.
    this.grip = element("div", "nw-canvas-grip", {
      flex: "none",
      alignSelf: "flex-start",
      width: "12px",
      height: "12px",
      cursor: "nwse-resize",
      touchAction: "none",
      background: "linear-gradient(135deg, transparent 50%, rgba(127, 127, 127, 0.6) 50%)",
    });
    stage.append(this.canvas, this.band);
    this.status = element("div", "nw-canvas-status", {
      font: "12px monospace",
      minHeight: "1.4em",
      lineHeight: "1.4em",
      whiteSpace: "pre",
      overflow: "hidden",
      flex: "1",
    });
    const footer = element("div", "nw-canvas-footer", { display: "flex", alignItems: "flex-start" });
    footer.append(this.status, this.grip);
    this.errorBox = element("div", "nw-canvas-error", { display: "none", color: "#b00020" });
    this.errorText = element("pre", "nw-canvas-error-text", {
      margin: "0",
      maxHeight: "12em",
      overflow: "auto",
      font: "12px monospace",
    });
    const dismiss = element("button", "nw-canvas-error-dismiss");
    dismiss.type = "button";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", () => (this.errorBox.style.display = "none"));
    this.errorBox.append(this.errorText, dismiss);
    this.root.append(this.toolbar, stage, footer, this.errorBox);
    el.append(this.root);

    this.layout();
    this.renderState();
    this.listen();
    if (options.png !== undefined) this.placeholder(options.png);
  }

  // --- messages ----------------------------------------------------------------------

  private send(msg: ViewMessage): void {
    if (this.closed || this.destroyed) return;
    try {
      this.comm.send(msg);
    } catch (err) {
      console.warn("notewire canvas: could not send", msg.type, err);
    }
  }

  private sendStatus(): void {
    this.send({ type: "view", view: this.id, visible: this.visible, ratio: this.ratio });
  }

  private onMessage(data: unknown, buffers: readonly Uint8Array[]): void {
    if (this.destroyed) return;
    let msg: KernelMessage;
    try {
      msg = parseCanvasMessage(data, buffers);
    } catch (err) {
      if (err instanceof MalformedCanvasMessage) {
        console.warn("notewire canvas: ignored a message:", err.message);
        return;
      }
      throw err;
    }
    switch (msg.type) {
      case "frame":
        this.receiveFrame(msg);
        break;
      case "state":
        this.state = applyState(this.state, msg.full, msg.changes);
        if (this.drawnFrames === 0) this.logical = [this.state.width, this.state.height];
        this.layout();
        this.renderState();
        break;
      case "download":
        if (msg.view === this.id) this.download(msg.filename, msg.mimetype, msg.data);
        break;
      case "error":
        this.errorText.textContent = msg.text;
        this.errorBox.style.display = "block";
        break;
      default: {
        const never: never = msg;
        throw new Error(`unhandled canvas message ${JSON.stringify(never)}`);
      }
    }
  }

  // --- frames ------------------------------------------------------------------------

  private receiveFrame(msg: Extract<KernelMessage, { type: "frame" }>): void {
    if (!this.visible) return; // a hidden view draws nothing; it gets a key frame when shown
    this.frames.push(msg);
    createImageBitmap(blobOf(msg.image, `image/${msg.format}`)).then(
      (bitmap) => {
        if (this.destroyed || !this.frames.ready(msg.frame, bitmap)) bitmap.close();
        else this.drawNow();
      },
      () => {
        this.frames.fail(msg.frame);
        this.scheduleDraw();
      },
    );
  }

  private scheduleDraw(): void {
    if (this.raf === 0 && !this.destroyed) this.raf = requestAnimationFrame(() => this.draw());
  }

  /** Draw a decoded frame at once rather than at the next animation frame: the canvas
   * is composited at the next display frame either way, and waiting for the callback
   * held every true frame (and its ack) about half a display frame longer. A hidden
   * view gets no frames (receiveFrame), so this never draws for nobody. */
  private drawNow(): void {
    if (this.raf !== 0) {
      cancelAnimationFrame(this.raf); // what it would present is presented now
      this.raf = 0;
    }
    this.draw();
  }

  private draw(): void {
    this.raf = 0;
    if (this.destroyed) return;
    const step = this.frames.step();
    for (const bitmap of step.dropped) bitmap.close();
    const truth = this.truthCtx;
    let changed: Rect | null = null;
    for (const { info, payload } of step.draw) {
      const [x, y, w, h] = info.rect;
      if (info.key) {
        const [pw, ph] = info.size;
        for (const c of [this.truth, this.canvas]) {
          if (c.width !== pw || c.height !== ph) {
            c.width = pw; // also clears it
            c.height = ph;
          }
        }
        truth.clearRect(0, 0, pw, ph);
        this.logical = [pw / info.ratio, ph / info.ratio];
        this.frameRatio = info.ratio;
        this.layout();
      } else {
        truth.clearRect(x, y, w, h); // a transparent pixel in the update stays transparent
      }
      truth.drawImage(payload, x, y);
      payload.close();
      changed = info.key ? [0, 0, this.truth.width, this.truth.height] : union(changed, info.rect);
      this.predictor.truth(info.input);
      this.drawnFrames += 1;
    }
    this.present(changed);
    if (step.ack !== null) this.send({ type: "ack", view: this.id, frame: step.ack });
    if (step.askForKey) this.sendStatus();
    if (this.frames.pending > 0) this.scheduleDraw();
  }

  /** Put the true picture on screen (the part in `changed`, or all of it after a
   * prediction), with the pan prediction over it, if any. */
  private present(changed: Rect | null): void {
    const ctx = this.ctx;
    const prediction = this.predictor.now();
    const whole: Rect = [0, 0, this.truth.width, this.truth.height];
    // While predicting, the outside of the region changes only with a true frame; the
    // region itself is redrawn whole (filled, then its pixels moved).
    let copy: Rect | null;
    if (prediction !== null) copy = changed !== null || !this.predicted ? whole : null;
    else copy = this.predicted ? whole : changed;
    if (copy !== null && copy[2] > 0 && copy[3] > 0) {
      const [x, y, w, h] = copy;
      ctx.clearRect(x, y, w, h);
      ctx.drawImage(this.truth, x, y, w, h, x, y, w, h);
    }
    if (this.predicted !== (prediction !== null)) {
      this.predicted = prediction !== null;
      // Marks a picture that is a prediction, not a frame from the kernel (benchmarks
      // and tests tell them apart by it).
      this.canvas.dataset["predicted"] = this.predicted ? "1" : "0";
    }
    if (prediction === null) return;
    const r = this.frameRatio;
    const [rx, ry, rw, rh] = prediction.rect;
    ctx.save();
    ctx.beginPath();
    ctx.rect(rx * r, ry * r, rw * r, rh * r);
    ctx.clip();
    ctx.fillStyle = this.panRegion?.background ?? "white";
    ctx.fillRect(rx * r, ry * r, rw * r, rh * r);
    // The region's own pixels, moved; what comes into view is not known yet.
    const [x, y, w, h] = [rx * r, ry * r, rw * r, rh * r];
    const { sx, sy, cx, cy } = prediction;
    let tx = cx * r * (1 - sx) + prediction.dx * r;
    let ty = cy * r * (1 - sy) + prediction.dy * r;
    if (sx === 1 && sy === 1) {
      // A pan moves whole device pixels: Skia then copies them instead of resampling
      // the region (measured in headless Chromium, 640×480: 0.4–0.6 ms against
      // 2.1–2.7 ms, at every display frame of a drag); the true frame is exact anyway.
      tx = Math.round(tx);
      ty = Math.round(ty);
    }
    ctx.setTransform(sx, 0, 0, sy, tx, ty);
    ctx.drawImage(this.truth, x, y, w, h, x, y, w, h);
    ctx.restore();
  }

  private schedulePresent(): void {
    if (this.raf === 0 && !this.destroyed) this.raf = requestAnimationFrame(() => this.draw());
  }

  private placeholder(png: Uint8Array): void {
    createImageBitmap(blobOf(png, "image/png")).then(
      (bitmap) => {
        if (this.drawnFrames === 0 && !this.destroyed) {
          for (const c of [this.truth, this.canvas]) {
            c.width = bitmap.width;
            c.height = bitmap.height;
          }
          this.truthCtx.drawImage(bitmap, 0, 0);
          this.ctx.drawImage(bitmap, 0, 0);
        }
        bitmap.close();
      },
      () => undefined, // no placeholder: the first frame comes soon
    );
  }

  // --- state -------------------------------------------------------------------------

  private layout(): void {
    const [w, h] = this.logical;
    setStyle(this.canvas, "width", `${w}px`);
    setStyle(this.canvas, "aspectRatio", `${w} / ${h}`);
    this.placeBand();
  }

  /** CSS px per logical px (below 1 when the page squeezes the canvas). */
  private scale(): number {
    const shown = this.canvas.getBoundingClientRect().width;
    return shown > 0 ? shown / this.logical[0] : 1;
  }

  private placeBand(): void {
    const band = this.state.rubberband;
    if (band === null) {
      setStyle(this.band, "display", "none");
      return;
    }
    const s = this.scale();
    const [x0, y0, x1, y1] = band;
    Object.assign(this.band.style, {
      display: "block",
      left: `${x0 * s}px`,
      top: `${y0 * s}px`,
      width: `${Math.max(0, x1 - x0) * s}px`,
      height: `${Math.max(0, y1 - y0) * s}px`,
    });
  }

  private renderState(): void {
    // Writes only what changed: a state message comes with every pointer move of a
    // drag (the coordinates), and each DOM write costs the page a style pass.
    const state = this.state;
    setText(this.title, state.title);
    setStyle(this.canvas, "cursor", state.cursor);
    setText(this.status, state.message);
    setStyle(this.grip, "display", state.resizable && !this.closed ? "block" : "none");
    setStyle(this.closeButton, "display", state.closable && !this.closed ? "" : "none");
    const key = JSON.stringify(state.toolbar);
    if (key !== this.toolbarKey) {
      this.toolbarKey = key;
      for (const button of this.buttons.values()) button.remove();
      this.buttons.clear();
      for (const item of state.toolbar) {
        const button = element("button", `nw-canvas-button nw-canvas-button-${item.name}`);
        button.type = "button";
        button.textContent = item.label;
        button.title = item.tooltip;
        button.addEventListener("click", () => this.send({ type: "action", view: this.id, name: item.name }));
        this.toolbar.insertBefore(button, this.closeButton);
        this.buttons.set(item.name, button);
      }
    }
    for (const item of state.toolbar) {
      const button = this.buttons.get(item.name);
      if (button === undefined) continue;
      const disabled = this.closed || state.disabled.includes(item.name);
      if (button.disabled !== disabled) button.disabled = disabled;
      const pressed = String(state.active === item.name);
      if (item.toggle && button.getAttribute("aria-pressed") !== pressed) {
        button.setAttribute("aria-pressed", pressed);
        Object.assign(button.style, pressed === "true" ? PRESSED_STYLE : UNPRESSED_STYLE);
      }
    }
    this.placeBand();
  }

  // --- input ---------------------------------------------------------------------------

  private position(ev: MouseEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    const s = rect.width > 0 ? this.logical[0] / rect.width : 1;
    return { x: (ev.clientX - rect.left) * s, y: (ev.clientY - rect.top) * s };
  }

  private pointer(
    type: "pointer_down" | "pointer_up" | "pointer_move" | "pointer_enter" | "pointer_leave" | "double_click",
    ev: MouseEvent,
    button: number,
  ): CanvasEvent {
    return {
      type,
      ...this.position(ev),
      button,
      buttons: buttonsOf(ev.buttons),
      modifiers: modifiersOf(ev),
      timestamp: now(),
    };
  }

  /** A drag with the pan tool in a pannable region: predict it (left button: a pan,
   * right button: matplotlib's zoom). */
  private beginPrediction(down: CanvasEvent): void {
    this.predictor.cancel();
    if (down.type !== "pointer_down" || this.state.active !== "pan") return;
    const gesture = down.button === 1 ? "pan" : down.button === 2 ? "zoom" : null;
    if (gesture === null || down.modifiers.length > 0) return; // modifiers constrain it
    const region = regionAt(this.state.regions, down.x, down.y);
    if (region === null || this.drawnFrames === 0) return;
    this.panRegion = region;
    this.predictor.begin(region.rect, down.x, down.y, down.timestamp, gesture, region.locked_aspect === true);
  }

  private on<K extends keyof HTMLElementEventMap>(
    target: HTMLElement,
    type: K,
    handler: (ev: HTMLElementEventMap[K]) => void,
    options?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, handler, options);
    this.cleanups.push(() => target.removeEventListener(type, handler, options));
  }

  private listen(): void {
    const unsubscribeMessages = this.comm.onMessage((data, buffers) => this.onMessage(data, buffers));
    if (typeof unsubscribeMessages === "function") this.cleanups.push(unsubscribeMessages);
    const unsubscribeClose = this.comm.onClose(() => this.onClosed());
    if (typeof unsubscribeClose === "function") this.cleanups.push(unsubscribeClose);

    const canvas = this.canvas;
    const push = (event: CanvasEvent): void => {
      if (!this.closed) this.input.push(event);
    };
    this.on(canvas, "pointerdown", (ev) => {
      this.root.focus({ preventScroll: true });
      canvas.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      this.pressed = buttonOf(ev.button);
      const down = this.pointer("pointer_down", ev, this.pressed);
      this.beginPrediction(down);
      push(down);
    });
    this.on(canvas, "pointermove", (ev) => {
      const move = this.pointer("pointer_move", ev, this.pressed);
      push(move);
      if (this.predictor.active && move.type === "pointer_move") {
        this.predictor.move(move.x, move.y, move.timestamp);
        this.schedulePresent();
      }
    });
    const release = (ev: PointerEvent): void => {
      if (this.pressed === 0) return;
      const up = this.pointer("pointer_up", ev, this.pressed);
      push(up);
      this.predictor.end(up.timestamp);
      this.pressed = 0;
    };
    this.on(canvas, "pointerup", release);
    this.on(canvas, "pointercancel", release);
    this.on(canvas, "pointerenter", (ev) => push(this.pointer("pointer_enter", ev, 0)));
    this.on(canvas, "pointerleave", (ev) => {
      if (this.pressed === 0) push(this.pointer("pointer_leave", ev, 0));
    });
    this.on(canvas, "dblclick", (ev) => {
      ev.preventDefault();
      push(this.pointer("double_click", ev, buttonOf(ev.button)));
    });
    this.on(
      canvas,
      "wheel",
      (ev) => {
        if (document.activeElement !== this.root && !this.state.capture_wheel) return; // the page scrolls
        ev.preventDefault();
        const dpr = window.devicePixelRatio || 1;
        push({
          type: "wheel",
          ...this.position(ev),
          dx: wheelDelta(ev.deltaX, ev.deltaMode, dpr),
          dy: wheelDelta(ev.deltaY, ev.deltaMode, dpr),
          buttons: buttonsOf(ev.buttons),
          modifiers: modifiersOf(ev),
          timestamp: now(),
        });
      },
      { passive: false },
    );
    this.on(canvas, "contextmenu", (ev) => {
      if (!ev.shiftKey) ev.preventDefault();
    });
    const key = (type: "key_down" | "key_up", ev: KeyboardEvent): void => {
      if (ev.target !== this.root || ev.key === "Tab") return; // toolbar buttons, focus moves
      ev.preventDefault();
      ev.stopPropagation(); // the notebook's shortcuts stay out of it
      if (!ev.repeat) push({ type, key: keyOf(ev.key), modifiers: modifiersOf(ev), timestamp: now() });
      if (type === "key_down" && ev.key === "Escape") this.root.blur();
    };
    this.on(this.root, "keydown", (ev) => key("key_down", ev));
    this.on(this.root, "keyup", (ev) => key("key_up", ev));
    this.closeButton.addEventListener("click", () => this.send({ type: "close", view: this.id }));
    this.listenResizeGrip();

    // Visibility: in the viewport, on a visible page, with a non-zero size.
    const io = new IntersectionObserver((entries) => {
      for (const entry of entries) this.intersecting = entry.isIntersecting && entry.boundingClientRect.width > 0;
      this.updateVisible();
    });
    io.observe(canvas);
    this.cleanups.push(() => io.disconnect());
    const onVisibility = (): void => this.updateVisible();
    document.addEventListener("visibilitychange", onVisibility);
    this.cleanups.push(() => document.removeEventListener("visibilitychange", onVisibility));
    const onPageHide = (): void => this.send({ type: "detach", view: this.id });
    const onPageShow = (ev: PageTransitionEvent): void => {
      if (ev.persisted) this.sendStatus(); // back from the back-forward cache
    };
    window.addEventListener("pagehide", onPageHide);
    window.addEventListener("pageshow", onPageShow);
    this.cleanups.push(() => {
      window.removeEventListener("pagehide", onPageHide);
      window.removeEventListener("pageshow", onPageShow);
    });
    this.watchRatio();

    // The output area got narrower than the canvas: ask for a size that fits.
    const ro = new ResizeObserver(() => this.fitWidth());
    ro.observe(this.el);
    this.cleanups.push(() => ro.disconnect());
  }

  private watchRatio(): void {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    const onChange = (): void => {
      query.removeEventListener("change", onChange);
      if (this.destroyed) return;
      this.ratio = window.devicePixelRatio || 1;
      this.sendStatus();
      this.watchRatio();
    };
    query.addEventListener("change", onChange);
    this.cleanups.push(() => query.removeEventListener("change", onChange));
  }

  private updateVisible(): void {
    const visible = this.intersecting && document.visibilityState === "visible";
    if (visible === this.visible && this.announced) return;
    this.announced = true; // the observer's first report attaches the view
    this.visible = visible;
    if (!visible) {
      for (const bitmap of this.frames.reset()) bitmap.close();
      this.predictor.cancel();
    }
    this.sendStatus();
  }

  private requestSize(width: number, height: number): void {
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    const key = `${w}x${h}`;
    if (key === this.lastResize) return;
    this.lastResize = key;
    this.input.push({ type: "resize", width: w, height: h, timestamp: now() });
  }

  private fitWidth(): void {
    if (!this.state.resizable || this.closed || this.resizeTimer !== null) return;
    this.resizeTimer = timers(() => {
      this.resizeTimer = null;
      const available = this.el.clientWidth;
      const [w, h] = this.logical;
      if (available > 0 && available < w - 1) this.requestSize(available, (h * available) / w);
    }, RESIZE_EVERY_MS);
  }

  private listenResizeGrip(): void {
    let start: { x: number; y: number; w: number; h: number } | null = null;
    this.on(this.grip, "pointerdown", (ev) => {
      ev.preventDefault();
      this.grip.setPointerCapture(ev.pointerId);
      start = { x: ev.clientX, y: ev.clientY, w: this.logical[0], h: this.logical[1] };
    });
    this.on(this.grip, "pointermove", (ev) => {
      if (start === null) return;
      const w = Math.max(50, start.w + ev.clientX - start.x);
      const h = Math.max(50, start.h + ev.clientY - start.y);
      this.canvas.style.width = `${w}px`; // a preview; the frame at that size follows
      this.canvas.style.aspectRatio = `${w} / ${h}`;
    });
    const done = (ev: PointerEvent): void => {
      if (start === null) return;
      const w = Math.max(50, start.w + ev.clientX - start.x);
      const h = Math.max(50, start.h + ev.clientY - start.y);
      start = null;
      this.requestSize(w, h);
    };
    this.on(this.grip, "pointerup", done);
    this.on(this.grip, "pointercancel", done);
  }

  private download(filename: string, mimetype: string, data: Uint8Array): void {
    const url = URL.createObjectURL(blobOf(data, mimetype));
    const link = element("a", "nw-canvas-download", { display: "none" });
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  // --- lifetime -------------------------------------------------------------------------

  private onClosed(): void {
    // The canvas is closed for everybody: keep the last picture, stop interacting.
    this.input.dispose();
    this.closed = true;
    this.state = { ...this.state, rubberband: null, message: "" };
    this.renderState();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.send({ type: "detach", view: this.id });
    this.destroyed = true;
    this.input.dispose();
    if (this.resizeTimer !== null) this.resizeTimer();
    if (this.raf !== 0) cancelAnimationFrame(this.raf);
    for (const bitmap of this.frames.reset()) bitmap.close();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.root.remove();
  }
}

/** Show the canvas of `comm` in `el`. The comm is the one the kernel opened with target
 * `notewire.canvas`; call `destroy()` when the output goes away (the canvas stays open
 * for other views, and for this page after a reload). */
export function mountCanvas(el: HTMLElement, comm: CanvasComm, options: MountOptions = {}): CanvasHandle {
  const view = new CanvasView(el, comm, options);
  return { viewId: view.id, destroy: () => view.destroy() };
}
