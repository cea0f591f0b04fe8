// anywidget's npm build ends in an AMD `define(["@jupyter-widgets/base"], factory)`;
// build.mjs turns that into a default export of the factory (plugin anywidgetFactory).
declare module "anywidget" {
  import type * as base from "@jupyter-widgets/base";
  const factory: (b: typeof base) => { AnyModel: typeof base.DOMWidgetModel; AnyView: typeof base.DOMWidgetView };
  export default factory;
}
