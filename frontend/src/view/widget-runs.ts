// Widget outputs share frames: each run of consecutive widget outputs of one cell (a
// loop of `display(slider)`, a `display(a, b)`) is shown by one sandboxed widget frame,
// placed in the run's first output, whose views stack in the outputs' order; the other
// outputs of the run stay empty. A widget frame costs its start (ipywidgets' script,
// parsed and run in every frame: Chromium keeps no code cache for an opaque origin) and
// a copy of the models its views reach; fifty outputs in fifty frames paid that fifty
// times. A frame stays where it was made (an iframe moved in the DOM loads again): an
// output added to a run joins its frame, and a run cut in two keeps the frame in its
// first part.
import type { FrameView } from "../model/widget-bridge";
import { h } from "./dom";
import { fitFrameHeight } from "./frame";
import { widgetHost, type FrameHandle } from "./widget-host";

let nextKey = 1;

/** A widget output's place in the cell: empty, or holding its run's frame. */
export class WidgetSlot {
  readonly el = h("div", { class: "nw-widget-slot" });
  readonly key = `v${nextKey++}`;
  constructor(readonly modelId: string) {}
}

class Run {
  slots: WidgetSlot[] = [];
  private readonly handle: FrameHandle;
  private iframe: HTMLIFrameElement | null = null;

  constructor(slots: WidgetSlot[]) {
    const home = slots[0]!;
    this.slots = slots;
    this.handle = widgetHost()!.attach({
      place: (iframe) => {
        this.iframe = iframe;
        iframe.dataset["modelId"] = home.modelId;
        place(home.el, iframe);
      },
      views: () => this.slots.map((s): FrameView => ({ key: s.key, model_id: s.modelId })),
      height: (px) => {
        if (this.iframe) fitFrameHeight(this.iframe, px);
      },
    });
  }

  setSlots(slots: WidgetSlot[]): void {
    const same = slots.length === this.slots.length && slots.every((s, i) => s === this.slots[i]);
    this.slots = slots;
    if (!same) this.handle.update();
  }

  destroy(): void {
    this.handle.detach();
    this.iframe?.remove();
  }
}

/** Puts `iframe` in `parent`, keeping its document when it is already in the page. */
function place(parent: HTMLElement, iframe: HTMLIFrameElement): void {
  const p = parent as HTMLElement & { moveBefore?: (node: Node, child: Node | null) => void };
  if (iframe.isConnected && parent.isConnected && p.moveBefore) {
    try {
      p.moveBefore(iframe, null);
      return;
    } catch {
      // not movable here: inserted anew below (its document loads again)
    }
  }
  parent.append(iframe);
}

/** The frames of one cell's outputs. */
export class WidgetRuns {
  private runs = new Map<WidgetSlot, Run>();

  /**
   * Groups the cell's outputs, in order (null for an output that is no widget), into
   * runs, each shown by one frame: a run starts at a widget output after a non-widget
   * one, or at one that holds a frame already.
   */
  arrange(outputs: readonly (WidgetSlot | null)[]): void {
    if (!widgetHost()) return;
    const groups: WidgetSlot[][] = [];
    let current: WidgetSlot[] | null = null;
    for (const s of outputs) {
      if (s === null) current = null;
      else if (current === null || this.runs.has(s)) groups.push((current = [s]));
      else current.push(s);
    }
    const next = new Map<WidgetSlot, Run>();
    for (const g of groups) {
      const run = this.runs.get(g[0]!);
      if (run) run.setSlots(g);
      next.set(g[0]!, run ?? new Run(g));
    }
    for (const [home, run] of this.runs) if (!next.has(home)) run.destroy();
    this.runs = next;
  }

  destroy(): void {
    for (const run of this.runs.values()) run.destroy();
    this.runs.clear();
  }
}
