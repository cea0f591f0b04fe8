// A small AMD loader for third-party widget modules (ipympl, bqplot...): their
// classic-notebook builds are AMD modules (`define(["@jupyter-widgets/base"], factory)`)
// that the server serves from what is installed (server/web/widget_modules.py), never
// a CDN. Dependencies resolve only to the modules the frame carries.

type Factory = (...deps: unknown[]) => unknown;

const PACKAGE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,213}$/;

const loaded = new Map<string, Promise<unknown>>();
/** The module a running script belongs to: its define() call resolves it. */
const loading = new WeakMap<HTMLScriptElement, { resolve(m: unknown): void; reject(e: unknown): void }>();

function defineFor(known: Readonly<Record<string, unknown>>) {
  const define = (...args: unknown[]): void => {
    // define(factory) | define(deps, factory) | define(name, deps, factory)
    const factory = args[args.length - 1];
    const deps = (args.length >= 2 && Array.isArray(args[args.length - 2]) ? args[args.length - 2] : []) as string[];
    const script = document.currentScript;
    const pending = script instanceof HTMLScriptElement ? loading.get(script) : undefined;
    if (!pending) return; // not a module this loader asked for
    try {
      const resolved = deps.map((d) => {
        if (!(d in known)) throw new Error(`widget module needs ${d}, which this page does not provide`);
        return known[d];
      });
      pending.resolve(typeof factory === "function" ? (factory as Factory)(...resolved) : factory);
    } catch (e) {
      pending.reject(e);
    }
  };
  define.amd = {};
  return define;
}

/** Loads the installed widget module `name`, its AMD dependencies taken from `known`. */
export function loadWidgetModule(name: string, known: Readonly<Record<string, unknown>>): Promise<unknown> {
  if (!PACKAGE.test(name)) return Promise.reject(new Error(`no widget module ${name} can be loaded here`));
  let module = loaded.get(name);
  if (module) return module;
  const w = window as unknown as { define?: unknown };
  // Installed when first needed: until then a UMD script in an output sees no AMD.
  w.define ??= defineFor(known);
  module = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    // Relative to this frame's own URL ({base}static/widgets.html): under the base URL.
    script.src = new URL(`nbextensions/${name}/index.js`, document.baseURI).href;
    loading.set(script, { resolve, reject });
    script.addEventListener("error", () => reject(new Error(`widget module ${name} is not installed on the server`)));
    script.addEventListener("load", () => reject(new Error(`${name}/index.js defined no AMD module`))); // no-op once resolved
    document.head.append(script);
  });
  loaded.set(name, module);
  return module;
}
