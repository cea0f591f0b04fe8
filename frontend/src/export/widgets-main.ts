// Widgets in an exported HTML file (notewire export): ipywidgets' own views, drawn from
// the widget state saved in the notebook, so sliders, dropdowns and boxes look and move
// as they did (with no kernel behind them). Inlined by the exporter only when the file
// has a widget. Only ipywidgets' base and controls are in this bundle; a widget of any
// other module keeps the static HTML the exporter drew (nothing is fetched).
import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import type { IClassicComm, WidgetModel, WidgetView } from "@jupyter-widgets/base";
import { Widget } from "@lumino/widgets";

const STATE_TYPE = "application/vnd.jupyter.widget-state+json";

class ExportManager extends ManagerBase {
  override _create_comm(): Promise<IClassicComm> {
    return Promise.reject(new Error("an exported file has no kernel"));
  }

  override _get_comm_info(): Promise<{}> {
    return Promise.resolve({});
  }

  protected override async loadClass(className: string, moduleName: string): Promise<typeof WidgetModel | typeof WidgetView> {
    const module: Record<string, unknown> | null =
      moduleName === "@jupyter-widgets/base" ? base : moduleName === "@jupyter-widgets/controls" ? controls : null;
    const cls = module?.[className];
    if (!cls) throw new Error(`${moduleName} ${className} is not in the exported file`);
    return cls as typeof WidgetModel;
  }
}

async function show(manager: ExportManager, el: HTMLElement): Promise<void> {
  const model = await manager.get_model(el.dataset.modelId ?? "");
  const view = await manager.create_view(model);
  Widget.attach(view.luminoWidget, el);
  // The static drawing stays for print (style/export.css), hidden on screen.
  el.classList.add("nw-widget-drawn");
}

async function run(): Promise<void> {
  try {
    const script = document.querySelector(`script[type="${STATE_TYPE}"]`);
    const manager = new ExportManager();
    // Models whose module is not here fail alone; their views keep the static drawing.
    await manager.set_state(JSON.parse(script?.textContent ?? "{}")).catch((e: unknown) => console.warn(e));
    const places = Array.from(document.querySelectorAll<HTMLElement>(".nw-widget-live"));
    const shown = await Promise.allSettled(places.map((el) => show(manager, el)));
    for (const s of shown) if (s.status === "rejected") console.warn("notewire export: a widget kept its static drawing:", s.reason);
  } finally {
    document.documentElement.dataset.nwWidgets = "done";
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => void run());
else void run();
