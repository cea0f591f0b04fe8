// ipywidgets' widget manager (ManagerBase, as html-manager's HTMLManager and the
// ipywidgets examples/web3 pattern) over the widget bridge. Its module loader serves
// ipywidgets' own packages (base and controls built in; output as a chunk loaded when
// an Output model first needs it, widget-frame/output.ts) and anywidget (a chunk
// too), and any other
// module from the server's installed nbextensions (widget-frame/amd.ts); nothing is
// fetched from a CDN. Only ipywidgets 8's protocol is served: a 7 model fails alone.
import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { put_buffers, type DOMWidgetView, type IClassicComm, type WidgetModel, type WidgetView } from "@jupyter-widgets/base";
import { ManagerBase } from "@jupyter-widgets/base-manager";
// Lumino comes with @jupyter-widgets/base, which builds its views on it.
import { MessageLoop } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import type { RenderMimeRegistry } from "@jupyterlab/rendermime";
import type anywidgetFactory from "anywidget";
import type { JSONObject } from "../model/protocol";
import type { ModelSnapshot } from "../model/widgets";
import { loadWidgetModule } from "./amd";
import { toDataView, type Bridge, type KernelMessageLike } from "./bridge";
import { batchReadoutChecks } from "./readout";

const WIDGET_TARGET = "jupyter.widget";
const CONTROLS = "@jupyter-widgets/controls";
/** Views a spare builds ahead at most (`prepare`): bounds a kernel that makes many
 * widgets and shows none. */
const MAX_EARLY = 500;

let anywidget: Promise<ReturnType<typeof anywidgetFactory>> | null = null;

/** The major version a module version (`2.0.0`, `^2.0.0`, `~1.5`) names, or NaN. */
function major(version: string): number {
  return Number(/^[\^~=v]*(\d+)/.exec(version.trim())?.[1] ?? NaN);
}

export class FrameManager extends ManagerBase {
  /** The registry the Output widget renders with; set when it is first loaded. */
  renderMime?: RenderMimeRegistry;
  private readonly views = new Set<DOMWidgetView>();
  /** Views built ahead (`prepare`), by model id: the next view asked of the model. */
  private readonly early = new Map<string, Promise<WidgetView>>();
  private preparing = true;
  private begun = 0;
  private taken = 0;

  constructor(private readonly bridge: Bridge) {
    super();
    batchReadoutChecks();
    // The page sets the frame's height to fit the views, so a change of height alone is
    // the views' own doing: only a new width is news to them (telling them of a height
    // they set ran Lumino's resize handling through every view after each new output).
    let width = window.innerWidth;
    window.addEventListener("resize", () => {
      if (window.innerWidth === width) return;
      width = window.innerWidth;
      for (const v of this.views) MessageLoop.postMessage(v.luminoWidget, Widget.ResizeMessage.UnknownSize);
    });
  }

  /** Shows `view` in `el` (as HTMLManager.display_view does); the view shown (an error
   * view when `view` failed). */
  async display_view(view: Promise<DOMWidgetView> | DOMWidgetView, el: HTMLElement): Promise<DOMWidgetView> {
    let v: DOMWidgetView;
    try {
      v = await view;
    } catch (error) {
      const msg = `Could not create a view for ${String(view)}`;
      console.error(msg);
      const ModelCls = base.createErrorWidgetModel(error, msg);
      v = new base.ErrorWidgetView({ model: new ModelCls() });
      v.render();
    }
    Widget.attach(v.luminoWidget, el);
    this.views.add(v);
    v.once("remove", () => this.views.delete(v));
    return v;
  }

  /**
   * While the frame is a spare (it shows nothing yet and gets each model as the kernel
   * opens it), builds a view of each new live model of ipywidgets' controls, so that
   * the output that comes after shows views built already: a box of 100 sliders finds
   * its children's views made while the kernel was still making the sliders (the
   * sliders' comm_opens come before the box's). A view is built detached, as every
   * view is before it is shown; showing it attaches it. Models that count their views
   * (`_view_count`) are left out: a view built and never shown would miscount.
   */
  prepare(models: readonly ModelSnapshot[]): void {
    if (!this.preparing) return;
    for (const m of models) {
      if (this.early.size >= MAX_EARLY) return;
      const { _view_module: module, _view_name: name, _view_count: count } = m.state;
      if (!m.live || module !== CONTROLS || typeof name !== "string" || !name || count != null) continue;
      if (this.early.has(m.model_id)) continue;
      const view = this.get_model(m.model_id).then((model) => super.create_view(model));
      view.catch(() => {}); // a failure is the caller's to see, when it asks for the view
      this.early.set(m.model_id, view);
      // How many views were begun ahead, for whoever looks (tests, a curious user).
      document.documentElement.dataset["viewsBegun"] = String(++this.begun);
    }
  }

  /** The frame shows its views (built): it builds none ahead any more, and those it
   * built and no view took are removed. */
  stopPreparing(): void {
    this.preparing = false;
    const left = [...this.early.values()];
    this.early.clear();
    for (const view of left) void view.then((v) => v.remove(), () => {});
  }

  /** A view of `model`: the one built ahead when there is one (given the options the
   * caller gives: a box's child learns its parent), else a new one. */
  override create_view(model: WidgetModel, options: Record<string, unknown> = {}): Promise<WidgetView> {
    const early = this.early.get(model.model_id);
    if (!early) return super.create_view(model, options);
    this.early.delete(model.model_id);
    // How many views came from those built ahead, for whoever looks (tests, a curious user).
    document.documentElement.dataset["viewsAhead"] = String(++this.taken);
    return early.then((view) => {
      view.options = { ...view.options, ...this.setViewOptions(options) };
      return view;
    });
  }

  override _create_comm(target: string, modelId: string): Promise<IClassicComm> {
    return Promise.resolve(this.bridge.comm(modelId, target));
  }

  override _get_comm_info(): Promise<{}> {
    // Every live comm came in the page's snapshot; nothing to ask the kernel.
    return Promise.resolve({});
  }

  protected override async loadClass(className: string, moduleName: string, moduleVersion: string): Promise<typeof WidgetModel | typeof WidgetView> {
    const module = await this.loadModule(moduleName, moduleVersion);
    const cls = module[className];
    if (!cls) throw new Error(`Class ${className} not found in module ${moduleName}@${moduleVersion}`);
    return cls as typeof WidgetModel;
  }

  private async loadModule(name: string, version: string): Promise<Record<string, unknown>> {
    switch (name) {
      case "@jupyter-widgets/base":
      case "@jupyter-widgets/controls":
        // ipywidgets 8 speaks base 2.x and controls 2.x; 7's are 1.x.
        if (major(version) < 2) throw new Error(`${name}@${version}: ipywidgets 7 widgets are not supported`);
        return name === "@jupyter-widgets/base" ? base : controls;
      case "@jupyter-widgets/output":
        return (await import("./output")).outputModule(this);
      case "anywidget":
        // A chunk of its own too: most frames show no anywidget.
        anywidget ??= import("anywidget").then((m) => m.default(base));
        return (await anywidget) as Record<string, unknown>;
      default:
        return (await loadWidgetModule(name, { "@jupyter-widgets/base": base, "@jupyter-widgets/controls": controls })) as Record<string, unknown>;
    }
  }

  /**
   * Creates the snapshot's models, live ones on a bridge comm. All are registered
   * before any is built (new_model registers synchronously), so references between
   * models (IPY_MODEL_...) resolve in any order.
   */
  loadSnapshot(models: readonly ModelSnapshot[]): Promise<unknown> {
    const made = models.map((m) => {
      const state = structuredClone(m.state) as JSONObject;
      put_buffers(state, m.buffer_paths as (string | number)[][], m.buffers.map(toDataView));
      return this.new_model(
        {
          model_id: m.model_id,
          model_name: m.model_name,
          model_module: m.model_module,
          model_module_version: m.model_module_version,
          ...(m.live ? { comm: this.bridge.comm(m.model_id, WIDGET_TARGET) } : {}),
        },
        state,
      ).catch((e: unknown) => console.error(`widget model ${m.model_id} (${m.model_module} ${m.model_name}):`, e));
    });
    return Promise.all(made);
  }

  /** A kernel comm_open of target jupyter.widget: a new live model. */
  opened(msg: KernelMessageLike): void {
    const id = msg.content["comm_id"] as string;
    this.bridge.comms.delete(id); // a model held as static came alive: a fresh comm
    void this.handle_comm_open(this.bridge.comm(id, WIDGET_TARGET), msg as never);
  }

  /** The kernel went away: views show their models as disconnected. */
  async goStatic(): Promise<void> {
    this.bridge.releaseAll();
    for (const id of this.bridge.comms.keys()) {
      if (!this.has_model(id)) continue;
      const model = await this.get_model(id);
      model.comm_live = false;
    }
  }
}
