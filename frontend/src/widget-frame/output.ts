// ipywidgets' Output widget, loaded by a widget frame only when it meets an Output
// model (widget-frame/manager.ts): a chunk of its own, because what it needs to show
// outputs, JupyterLab's rendermime and output area (with their sanitizer), is about
// half of what the frame would otherwise parse and run at every start.
import { OutputModel, OutputView } from "@jupyter-widgets/html-manager/lib/output";
import { WIDGET_MIMETYPE, WidgetRenderer } from "@jupyter-widgets/html-manager/lib/output_renderers";
import type { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";

/** What html-manager's OutputView reads from its manager: the registry it renders with. */
export interface RenderMimeHolder {
  renderMime?: RenderMimeRegistry;
}

/** The @jupyter-widgets/output module, once `manager` has a registry that also renders
 * widget views (an Output may show widgets). */
export function outputModule(manager: RenderMimeHolder): Record<string, unknown> {
  if (!manager.renderMime) {
    const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
    registry.addFactory(
      {
        safe: false,
        mimeTypes: [WIDGET_MIMETYPE],
        // WidgetRenderer uses only the manager's has_model, get_model and create_view.
        createRenderer: (options) => new WidgetRenderer(options, manager as unknown as HTMLManager),
      },
      0,
    );
    manager.renderMime = registry;
  }
  return { OutputModel, OutputView };
}
