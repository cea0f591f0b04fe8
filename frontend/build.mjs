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

// html-manager also carries ipywidgets 7's base and controls (and their CSS, which
// styles the same class names as 8's) for kernels with ipywidgets 7; the frame serves
// ipywidgets 8's protocol only, so they are left out: a 7 model fails to load alone.
const noIpywidgets7 = {
  name: "no-ipywidgets-7",
  setup(build) {
    build.onResolve({ filter: /^@jupyter-widgets\/(base7|controls7)(\/|$)/ }, (a) => ({ path: a.path, namespace: "no-ipywidgets-7" }));
    build.onLoad({ filter: /.*/, namespace: "no-ipywidgets-7" }, (a) => ({
      contents: a.path.endsWith(".css")
        ? ""
        : `throw new Error(${JSON.stringify(`${a.path}: ipywidgets 7 widgets are not supported`)});`,
      loader: a.path.endsWith(".css") ? "css" : "js",
    }));
  },
};

// The widget frame's bundle (ipywidgets, Lumino, anywidget: about 2 MB) is a build of
// its own: one classic script, loaded only by /static/widgets.html, so none of it is in
// the notebook page's chunks, and the opaque-origin frame needs no CORS to load it.
async function buildWidgetFrame({ dev }) {
  const result = await esbuild.build({
    entryPoints: {
      "widget-frame": join(here, "src", "widget-frame-main.ts"),
      widgets: join(here, "src", "style", "widgets.css"),
    },
    outdir,
    bundle: true,
    format: "iife",
    target: ["chrome111", "firefox115", "safari16"],
    minify: !dev,
    sourcemap: dev ? "linked" : false,
    entryNames: "[name]-[hash]",
    assetNames: "fonts/[name]-[hash]",
    loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
    plugins: [anywidgetFactory, noIpywidgets7],
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
      export: join(here, "src", "style", "export.css"),
    },
    outdir,
    bundle: true,
    format: "iife",
    target: ["chrome111", "firefox115", "safari16"],
    minify: !dev,
    entryNames: "[name]-[hash]",
    loader: { ".woff2": "dataurl", ".woff": "empty", ".ttf": "empty" },
    plugins: [woff2Only],
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
    define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
  });
  const frameMeta = await buildWidgetFrame({ dev });
  const exportMeta = await buildExport({ dev });
  const entries = {};
  for (const meta of [result.metafile, frameMeta, exportMeta]) {
    for (const [file, info] of Object.entries(meta.outputs)) {
      if (!info.entryPoint) continue;
      const name = relative(outdir, file);
      entries[name.replace(/-[A-Z0-9]+\.(js|css)$/, ".$1")] = name;
      // CSS that a script imports comes out beside it.
      if (info.cssBundle) entries[name.replace(/-[A-Z0-9]+\.js$/, ".css")] = relative(outdir, info.cssBundle);
    }
  }
  const shells = join(here, "html");
  for (const name of readdirSync(shells)) {
    let html = readFileSync(join(shells, name), "utf8");
    html = html.replace(/\{\{(\S+?)\}\}/g, (_, asset) => {
      if (!(asset in entries)) throw new Error(`${name}: no built asset named ${asset}`);
      return `/static/${entries[asset]}`;
    });
    writeFileSync(join(outdir, name), html);
  }
  writeFileSync(
    join(outdir, "build-info.json"),
    JSON.stringify({ entries, source: sourceHash() }, null, 2) + "\n",
  );
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
