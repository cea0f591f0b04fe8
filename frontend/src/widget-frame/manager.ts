// ipywidgets' HTMLManager (the ipywidgets examples/web3 pattern) over the widget bridge.
// Its module loader serves ipywidgets' own packages (base, controls, output: built into
// html-manager) and anywidget, and any other module from the server's installed
// nbextensions (widget-frame/amd.ts); nothing is fetched from a CDN.
import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { put_buffers, type IClassicComm, type WidgetModel, type WidgetView } from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager";
import anywidgetFactory from "anywidget";
import type { JSONObject } from "../model/protocol";
import type { ModelSnapshot } from "../model/widgets";
import { loadWidgetModule } from "./amd";
import { toDataView, type Bridge, type KernelMessageLike } from "./bridge";

const WIDGET_TARGET = "jupyter.widget";

let anywidget: ReturnType<typeof anywidgetFactory> | null = null;

export class FrameManager extends HTMLManager {
  constructor(private readonly bridge: Bridge) {
    super({
      loader: (name) => loadWidgetModule(name, { "@jupyter-widgets/base": base, "@jupyter-widgets/controls": controls }),
    });
  }

  override _create_comm(target: string, modelId: string): Promise<IClassicComm> {
    return Promise.resolve(this.bridge.comm(modelId, target));
  }

  override _get_comm_info(): Promise<{}> {
    // Every live comm came in the page's snapshot; nothing to ask the kernel.
    return Promise.resolve({});
  }

  protected override loadClass(className: string, moduleName: string, moduleVersion: string): Promise<typeof WidgetModel | typeof WidgetView> {
    if (moduleName === "anywidget") {
      anywidget ??= anywidgetFactory(base);
      const cls = (anywidget as Record<string, unknown>)[className];
      return cls ? Promise.resolve(cls as typeof WidgetModel) : Promise.reject(new Error(`anywidget has no ${className}`));
    }
    return super.loadClass(className, moduleName, moduleVersion);
  }

  /**
   * Creates every model of the snapshot, live ones on a bridge comm. All are registered
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
