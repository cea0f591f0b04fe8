// Builds the browser bundle into src/notewire/static/ (the server serves it at /static/).
//
//   node build.mjs           production bundle, minified, content-hashed names, HTML shells
//   node build.mjs --dev     the same, unminified with source maps
//   node build.mjs --tests   compiles test/**/*.test.ts into build-tests/ for `node --test`
//
// Everything a page needs (scripts, CSS, KaTeX fonts) lands in the output folder, so a
// page loads with no request leaving the machine.
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "src", "notewire", "static");
const args = new Set(process.argv.slice(2));


async function buildTests() {
  const testdir = join(here, "test");
  const out = join(here, "build-tests");
  rmSync(out, { recursive: true, force: true });
  const entryPoints = walk(testdir).filter((f) => f.endsWith(".test.ts"));
  await esbuild.build({
    entryPoints,
    outdir: out,
    outbase: testdir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
    define: { WIDGET_FRAME_SRC: '"static/widgets.html"' },
  });
}

// KaTeX's CSS lists woff2, woff and ttf for every font; every browser we support reads
// woff2, so the other two are left out of the bundle (1.2 MB -> about 0.3 MB of fonts).
const woff2Only = {
  name: "katex-woff2-only",
  setup(build) {
    build.onLoad({ filter: /katex(\.min)?\.css$/ }, (a) => ({
      contents: readFileSync(a.path, "utf8").replace(
        /,url\([^)]*\.woff\) format\("woff"\),url\([^)]*\.ttf\) format\("truetype"\)/g,
        "",
      ),
      loader: "css",
    }));
  },
};

// anywidget's npm build is an ES module that ends by calling an AMD `define` with its
// factory; the widget frame wants the factory itself, to call with @jupyter-widgets/base.
const anywidgetFactory = {
  name: "anywidget-factory",
  setup(build) {
    build.onLoad({ filter: /[\\/]anywidget[\\/]dist[\\/]index\.js$/ }, (a) => {
      const text = readFileSync(a.path, "utf8");
      const amd = 'define(["@jupyter-widgets/base"], widget_default);';
      if (!text.includes(amd)) throw new Error(`${a.path}: no AMD define to rewrite (anywidget changed?)`);
      return { contents: text.replace(amd, "export default widget_default;"), loader: "js" };
    });
  },
};

// The widget frame's manager cleans HTML descriptions with sanitize-html, which brings
// an HTML parser and PostCSS (a fifth of the frame's script); for the manager alone it
// is src/widget-frame/sanitize.ts (DOMPurify). JupyterLab's sanitizer, in the Output
// widget's chunk, keeps the real one.
const managerSanitizer = {
  name: "manager-sanitizer",
  setup(build) {
    build.onResolve({ filter: /^sanitize-html$/ }, (a) =>
      /[\\/]@jupyter-widgets[\\/]base-manager[\\/]/.test(a.importer)
        ? { path: join(here, "src", "widget-frame", "sanitize.ts") }
        : undefined,
    );
  },
};

// html-manager's Output widget imports its CSS; the frame links that CSS from the start
// (style/widget-controls.css), so the Output chunk carries none of its own.
const outputCssLinked = {
  name: "output-css-linked",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/css\/output\.css$/ }, (a) =>
      /[\\/]html-manager[\\/]lib[\\/]output\.js$/.test(a.importer) ? { path: a.path, namespace: "linked-css" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "linked-css" }, () => ({ contents: "", loader: "js" }));
  },
};

// The widget frame's bundle (ipywidgets, Lumino, anywidget) is a build of its own, loaded
// only by /static/widgets.html, so none of it is in the notebook page's chunks. It is ES
// modules, so that what only the Output widget needs (JupyterLab's rendermime and output
// area: about half) is a chunk loaded when a frame meets an Output model
// (src/widget-frame/output.ts): every frame parses and runs the rest at its start. The
// opaque-origin frame loads the modules with CORS (pages.py: Access-Control-Allow-Origin).
async function buildWidgetFrame({ dev }) {
  const result = await esbuild.build({
    entryPoints: {
      "widget-frame": join(here, "src", "widget-frame-main.ts"),
      widgets: join(here, "src", "style", "widgets.css"),
      "widget-controls": join(here, "src", "style", "widget-controls.css"),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    target: ["chrome111", "firefox115", "safari16"],
    minify: !dev,
    sourcemap: dev ? "linked" : false,
    entryNames: "[name]-[hash]",
    chunkNames: "widget-frame-chunk-[hash]",
    assetNames: "fonts/[name]-[hash]",
    loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
    plugins: [anywidgetFactory, managerSanitizer, outputCssLinked],
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
  });
  return result.metafile;
}

// What `notewire export` inlines into an HTML file (src/notewire/export/assets.py): classic
// scripts and one stylesheet with KaTeX's fonts as data: URLs, so an exported file
// makes no request. Plotly and Vega are builds of their own, inlined only when a
// notebook has such an output.
async function buildExport({ dev }) {
  const result = await esbuild.build({
    entryPoints: {
      "export-math": join(here, "src", "export", "math-main.ts"),
      "export-plotly": join(here, "src", "export", "plotly-main.ts"),
      "export-vega": join(here, "src", "export", "vega-main.ts"),
      "export-widgets": join(here, "src", "export", "widgets-main.ts"),
      "export-widgets-style": join(here, "src", "style", "export-widgets.css"),
      export: join(here, "src", "style", "export.css"),
    },
    outdir,
    bundle: true,
    format: "iife",
    target: ["chrome111", "firefox115", "safari16"],
    minify: !dev,
    entryNames: "[name]-[hash]",
    loader: { ".woff2": "dataurl", ".woff": "empty", ".ttf": "empty", ".eot": "empty", ".svg": "dataurl" },
    plugins: [woff2Only, managerSanitizer],
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
  });
  return result.metafile;
}

async function buildBundle({ dev }) {
  mkdirSync(outdir, { recursive: true });
  for (const name of readdirSync(outdir)) {
    if (name !== ".gitignore") rmSync(join(outdir, name), { recursive: true, force: true });
  }
  // The widget frame first: the page loads its shell under the shell's hash
  // (/static/widgets.html?v=<hash>), which the server lets the browser keep for good.
  const frameMeta = await buildWidgetFrame({ dev });
  const frameShell = renderShell("widgets.html", assetsOf([frameMeta]));
  const frameShellHash = createHash("sha256").update(frameShell).digest("hex").slice(0, 16);
  const result = await esbuild.build({
    entryPoints: {
      notebook: join(here, "src", "notebook-main.ts"),
      tree: join(here, "src", "tree-main.ts"),
      sandbox: join(here, "src", "sandbox-main.ts"),
      notewire: join(here, "src", "style", "notewire.css"),
      frame: join(here, "src", "style", "frame.css"),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    target: ["chrome111", "firefox115", "safari16"],
    minify: !dev,
    sourcemap: dev ? "linked" : false,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "fonts/[name]-[hash]",
    loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
    plugins: [woff2Only],
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
    define: {
      "process.env.NODE_ENV": dev ? '"development"' : '"production"',
      // Below the base URL: the page puts it under the server's (src/net/urls.ts).
      WIDGET_FRAME_SRC: JSON.stringify(`static/widgets.html?v=${frameShellHash}`),
    },
  });
  const exportMeta = await buildExport({ dev });
  const { entries, preloads } = assetsOf([result.metafile, frameMeta, exportMeta]);
  const shells = join(here, "html");
  for (const name of readdirSync(shells)) writeFileSync(join(outdir, name), renderShell(name, { entries, preloads }));
  writeFileSync(
    join(outdir, "build-info.json"),
    JSON.stringify({ entries, source: sourceHash() }, null, 2) + "\n",
  );
}

/** The built entries by their names without hash (`widget-frame.js`), and the chunks
 * each entry script imports statically, so that a shell can ask for them at once
 * (modulepreload) rather than after the entry is parsed. */
function assetsOf(metas) {
  const entries = {};
  const preloads = {};
  for (const meta of metas) {
    for (const [file, info] of Object.entries(meta.outputs)) {
      if (!info.entryPoint) continue;
      const name = relative(outdir, file);
      const entry = name.replace(/-[A-Z0-9]+\.(js|css)$/, ".$1");
      entries[entry] = name;
      preloads[entry] = staticImports(meta, file).map((f) => relative(outdir, f));
      // CSS that a script imports comes out beside it.
      if (info.cssBundle) entries[name.replace(/-[A-Z0-9]+\.js$/, ".css")] = relative(outdir, info.cssBundle);
    }
  }
  return { entries, preloads };
}

/** An HTML shell from html/ with its {{asset}} and {{preload:asset}} filled in. Links are
 * written from the site's root (`/static/...`); the server serves each shell with them
 * under its base URL (src/notewire/server/web/pages.py, render_shell). */
function renderShell(name, { entries, preloads }) {
  const html = readFileSync(join(here, "html", name), "utf8");
  return html.replace(/\{\{(preload:)?(\S+?)\}\}/g, (_, preload, asset) => {
    if (!(asset in entries)) throw new Error(`${name}: no built asset named ${asset}`);
    if (preload) return preloads[asset].map((f) => `<link rel="modulepreload" href="/static/${f}">`).join("\n");
    return `/static/${entries[asset]}`;
  });
}

/** The chunks `file` imports statically, directly or through another chunk. */
function staticImports(meta, file, seen = new Set()) {
  for (const imp of meta.outputs[file]?.imports ?? []) {
    if (imp.kind !== "import-statement" || seen.has(imp.path)) continue;
    seen.add(imp.path);
    staticImports(meta, imp.path, seen);
  }
  return [...seen];
}

// A hash of everything the bundle is built from, so the Python build can tell a stale
// bundle from a current one without running node.
function sourceHash() {
  const h = createHash("sha256");
  const files = [
    ...walk(join(here, "src")),
    ...walk(join(here, "html")),
    join(here, "build.mjs"),
    join(here, "package-lock.json"),
  ].sort();
  for (const f of files) {
    h.update(relative(here, f));
    h.update(readFileSync(f));
  }
  return h.digest("hex");
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

if (args.has("--tests")) {
  await buildTests();
} else {
  await buildBundle({ dev: args.has("--dev") });
}
