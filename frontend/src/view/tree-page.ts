// The file browser: folders, notebooks and files under the server root; new notebook,
// folder and file, rename, duplicate, delete, upload (button or drop), download; which
// notebooks have a running kernel, and shutting it down.
//
// Selection works as in JupyterLab: click a row to select it, Ctrl-click to add or
// remove one, Shift-click for a range, double-click (or the name's link) to open. The
// keyboard: Up/Down (Shift to extend), Home/End, Space toggles, Enter opens, F2 renames,
// Delete deletes, Ctrl+A selects all, Escape clears, Backspace or Alt+Up goes up a folder.
import {
  ApiError,
  contents,
  encodePath,
  KIND,
  kernels,
  openNotebooks,
  type ContentModel,
  type OpenNotebook,
} from "./api";
import { askName, confirm, toast } from "./dialogs";
import { h } from "./dom";
import { exportMenu } from "./export-menu";
import { acceptDrops, uploadFiles } from "./upload";
import { url } from "../net/urls";

const ICONS: Record<ContentModel["type"], string> = { directory: "dir", notebook: "nb", file: "file" };
const POLL_MS = 3000;

type SortKey = "name" | "last_modified" | "size";

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function href(item: Pick<ContentModel, "type" | "path">): string {
  if (item.type === "directory") return url(`tree/${encodePath(item.path)}`);
  if (item.type === "notebook") return url(`notebooks/${encodePath(item.path)}`);
  return url(`files/${encodePath(item.path)}`);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "3 minutes ago" for the last week, else the date (the full time is the cell's title). */
function when(iso: string): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "";
  const s = (t - Date.now()) / 1000;
  if (Math.abs(s) < 45) return "just now";
  for (const [unit, n] of [["minute", 60], ["hour", 3600], ["day", 86400]] as const) {
    const next = unit === "minute" ? 3600 : unit === "hour" ? 86400 : 7 * 86400;
    if (Math.abs(s) < next) return relative.format(Math.round(s / n), unit);
  }
  return new Date(t).toLocaleDateString();
}

function size(n: number | null | undefined): string {
  if (n === null || n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Why `name` cannot be a new name in a folder, or null. */
export function badName(name: string, taken: (name: string) => boolean): string | null {
  if (name.trim() === "") return "The name cannot be empty.";
  if (name.includes("/") || name.includes("\\")) return "A name cannot contain “/” or “\\”.";
  if (name.startsWith(".")) return "A name cannot start with “.”: such files are hidden.";
  if (taken(name)) return `“${name}” already exists in this folder.`;
  return null;
}

interface Row {
  tr: HTMLTableRowElement;
  link: HTMLAnchorElement;
  check: HTMLInputElement;
}

export class TreePage {
  private readonly list = h("tbody");
  private readonly crumbs = h("nav", { class: "nw-crumbs", "aria-label": "folder path" });
  private readonly status = h("span", { class: "nw-tree-status", role: "status", "aria-live": "polite" });
  private readonly selectAll = h("input", { type: "checkbox", "aria-label": "select all" });
  private readonly heads = new Map<SortKey, HTMLTableCellElement>();
  private readonly actions: Record<string, HTMLButtonElement>;
  private readonly exporter = exportMenu(
    () => this.selection().filter((i) => i.type === "notebook").map((i) => i.path),
    "export the selected notebooks as HTML, PDF, scripts or markdown (several: one zip)",
  );
  private readonly upload: HTMLInputElement;
  private readonly selected = new Set<string>();
  private items: ContentModel[] = [];
  private error: string | null = null;
  private loaded = false;
  private running = new Map<string, OpenNotebook>();
  private sort: { key: SortKey; asc: boolean } = { key: "name", asc: true };
  private rows = new Map<string, Row>();
  private drawn = "";
  private cursor: string | null = null; // the row Tab lands on, and arrows move from
  private anchor: string | null = null; // where a Shift-range starts
  private seq = 0;
  private progress = "";
  private notice: { text: string; selection: string; until: number } | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly dir: string,
  ) {
    this.upload = h("input", { type: "file", multiple: true, hidden: true, class: "nw-upload-input" });
    this.upload.addEventListener("change", () => {
      const files = Array.from(this.upload.files ?? []);
      this.upload.value = ""; // choosing the same file again still fires `change`
      void this.uploadHere(files);
    });
    const button = (label: string, title: string, f: () => void, cls = "") =>
      h("button", { type: "button", class: `nw-tool ${cls}`.trim(), title, onclick: () => f() }, label);
    this.actions = {
      open: button("Open", "open the selected item (Enter)", () => this.openSelected()),
      download: button("Download", "download the selected files", () => void this.download(this.selection())),
      rename: button("Rename", "rename the selected item (F2)", () => void this.renameSelected()),
      duplicate: button("Duplicate", "copy the selected files into this folder", () => void this.duplicate(this.selection())),
      shutdown: button("Shut down", "shut down the kernels of the selected notebooks", () => void this.shutdown(this.selection())),
      remove: button("Delete", "delete the selected items (Delete)", () => void this.remove(this.selection()), "nw-danger"),
    };
    const toolbar = h(
      "div",
      { class: "nw-toolbar nw-tree-toolbar", role: "toolbar", "aria-label": "file actions" },
      button("New notebook", "create an untitled notebook here and open it", () => void this.create("notebook")),
      button("New folder", "create a folder here", () => void this.create("directory")),
      button("New file", "create an empty text file here", () => void this.create("file")),
      button("Upload", "upload files into this folder (or drop them on the list)", () => this.upload.click()),
      button("Refresh", "reload the listing", () => void this.load({ announce: true })),
      h("span", { class: "nw-tree-sep", "aria-hidden": "true" }),
      ...Object.values(this.actions),
      this.exporter,
      h("span", { class: "nw-spacer" }),
      this.status,
      this.upload,
    );
    const head = (key: SortKey | null, label: string, cls: string) => {
      const th = h("th", { class: cls, scope: "col" });
      if (key === null) th.append(label);
      else {
        th.append(h("button", { type: "button", class: "nw-sort", onclick: () => this.sortBy(key) }, label));
        this.heads.set(key, th);
      }
      return th;
    };
    this.selectAll.addEventListener("change", () => {
      if (this.selectAll.checked) this.items.forEach((i) => this.selected.add(i.path));
      else this.selected.clear();
      this.applySelection();
    });
    const table = h(
      "table",
      { class: "nw-files", "aria-label": "files" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { class: "nw-col-check", scope: "col" }, this.selectAll),
          head("name", "Name", "nw-col-name"),
          head(null, "Kernel", "nw-col-status"),
          head("last_modified", "Modified", "nw-col-modified"),
          head("size", "Size", "nw-col-size"),
        ),
      ),
      this.list,
    );
    this.list.addEventListener("keydown", (ev) => this.onKey(ev));
    this.list.addEventListener("click", (ev) => this.onClick(ev));
    this.list.addEventListener("dblclick", (ev) => {
      const item = this.itemAt(ev.target);
      if (item && !(ev.target as Element).closest("a, input")) this.open(item);
    });
    const main = h("main", { class: "nw-main nw-tree" }, table);
    acceptDrops(main, (files) => void this.uploadHere(files));
    root.append(h("header", { class: "nw-header" }, h("a", { class: "nw-home", href: url("tree/") }, "notewire"), this.crumbs), toolbar, main);
    document.addEventListener("keydown", (ev) => {
      // From nowhere in particular, the arrows go to the listing.
      if (ev.target === document.body && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
        ev.preventDefault();
        this.focusRow(this.cursor ?? this.sorted()[0]?.path ?? null);
      }
    });
    this.drawCrumbs();
    document.title = `${dir.split("/").pop() || "Home"} - notewire`;
    this.applySelection();
    void this.load();
    setInterval(() => {
      if (!document.hidden) void this.load({ quiet: true });
    }, POLL_MS);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) void this.load({ quiet: true });
    });
    // Back from a notebook may restore this page from the back-forward cache.
    window.addEventListener("pageshow", (ev) => {
      if (ev.persisted) void this.load({ quiet: true });
    });
  }

  // --- listing ---------------------------------------------------------------------

  private drawCrumbs(): void {
    const parts = this.dir.split("/").filter(Boolean);
    const crumb = (label: string, path: string, last: boolean) =>
      last
        ? h("span", { class: "nw-crumb", "aria-current": "page" }, label)
        : h("a", { class: "nw-crumb", href: url(`tree/${encodePath(path)}`) }, label);
    const links: Node[] = [crumb("Home", "", parts.length === 0)];
    parts.forEach((p, i) => {
      links.push(h("span", { class: "nw-crumb-sep", "aria-hidden": "true" }, "/"));
      links.push(crumb(p, parts.slice(0, i + 1).join("/"), i === parts.length - 1));
    });
    this.crumbs.replaceChildren(...links);
  }

  /** Reads the folder and the open notebooks, then redraws what changed. `quiet`: a
   * poll (a failure leaves the listing as it was); `announce`: say it was refreshed. */
  async load(opts: { quiet?: boolean; announce?: boolean } = {}): Promise<void> {
    const seq = ++this.seq;
    let items = this.items;
    let error = this.error;
    try {
      const model = await contents.list(this.dir);
      if (model.type === "notebook") {
        location.replace(href(model));
        return;
      }
      if (model.type !== "directory") {
        items = [];
        error = `“${this.dir}” is a file, not a folder.`;
      } else {
        items = Array.isArray(model.content) ? (model.content as ContentModel[]) : [];
        error = null;
      }
    } catch (e) {
      if (!opts.quiet || !this.loaded || (e instanceof ApiError && e.status === 404)) {
        items = [];
        error =
          e instanceof ApiError && e.status === 404
            ? `The folder “${this.dir}” does not exist (it may have been renamed or deleted).`
            : `Cannot list ${this.dir ? `“${this.dir}”` : "the home folder"}: ${message(e)}`;
      }
    }
    let running = this.running;
    try {
      running = new Map((await openNotebooks()).map((n) => [n.path, n]));
    } catch {
      if (!opts.quiet) running = new Map();
    }
    if (seq !== this.seq) return; // a later load has begun: its answer is newer
    this.items = items;
    this.error = error;
    this.running = running;
    this.loaded = true;
    this.draw();
    if (opts.announce) this.say("Refreshed.");
  }

  private sorted(): ContentModel[] {
    const { key, asc } = this.sort;
    const sign = asc ? 1 : -1;
    const byName = (a: ContentModel, b: ContentModel) => collator.compare(a.name, b.name) || (a.name < b.name ? -1 : 1);
    return [...this.items].sort((a, b) => {
      const dirs = Number(b.type === "directory") - Number(a.type === "directory");
      if (dirs) return dirs; // folders first, whichever the order
      if (key === "last_modified") {
        const d = Date.parse(a.last_modified) - Date.parse(b.last_modified);
        if (d) return sign * d;
      } else if (key === "size") {
        const d = (a.size ?? 0) - (b.size ?? 0);
        if (d) return sign * d;
      }
      return (key === "name" ? sign : 1) * byName(a, b);
    });
  }

  private sortBy(key: SortKey): void {
    this.sort = this.sort.key === key ? { key, asc: !this.sort.asc } : { key, asc: key === "name" };
    this.draw();
  }

  private state(item: ContentModel): OpenNotebook["kernel"] | null {
    const open = this.running.get(item.path);
    return open && open.kernel.state !== "none" ? open.kernel : null;
  }

  /** Rebuilds the rows when what they show changed (keeping focus where it was). */
  private draw(): void {
    for (const p of [...this.selected]) if (!this.items.some((i) => i.path === p)) this.selected.delete(p);
    const items = this.sorted();
    const signature = JSON.stringify([
      Math.floor(Date.now() / 60000), // "3 minutes ago" moves on
      this.error,
      this.sort,
      items.map((i) => [i.path, i.type, i.last_modified, i.size, this.state(i)]),
    ]);
    for (const [key, th] of this.heads) {
      th.setAttribute("aria-sort", this.sort.key === key ? (this.sort.asc ? "ascending" : "descending") : "none");
    }
    if (signature !== this.drawn) {
      this.drawn = signature;
      const active = document.activeElement;
      const focusPath = active instanceof HTMLElement && this.list.contains(active) ? active.closest("tr")?.dataset["path"] : undefined;
      const focusCheck = active instanceof HTMLInputElement;
      const oldIndex = focusPath === undefined ? -1 : [...this.rows.keys()].indexOf(focusPath);
      this.rows = new Map(items.map((item) => [item.path, this.row(item)]));
      const trs = [...this.rows.values()].map((r) => r.tr);
      if (this.error !== null) {
        const up = this.dir.split("/").slice(0, -1).join("/");
        trs.push(
          h(
            "tr",
            { class: "nw-tree-error" },
            h("td", { colspan: "5", role: "alert" }, this.error, " ", h("a", { href: url(`tree/${encodePath(up)}`) }, "Go up a folder")),
          ),
        );
      } else if (items.length === 0) {
        trs.push(h("tr", { class: "nw-tree-empty" }, h("td", { colspan: "5", class: "nw-muted" }, "This folder is empty. Drop files here to upload them.")));
      }
      this.list.replaceChildren(...trs);
      if (this.cursor !== null && !this.rows.has(this.cursor)) this.cursor = null;
      if (focusPath !== undefined) {
        // The focused row went away (deleted, renamed): focus its neighbour.
        const row = this.rows.get(focusPath) ?? [...this.rows.values()][Math.min(oldIndex, this.rows.size - 1)];
        if (row) (focusCheck ? row.check : row.link).focus();
        if (row && !this.rows.has(focusPath)) this.cursor = row.tr.dataset["path"] ?? null;
      }
    }
    this.applySelection();
  }

  private row(item: ContentModel): Row {
    const check = h("input", { type: "checkbox", class: "nw-check", tabindex: "-1", "aria-label": `select ${item.name}` });
    check.addEventListener("change", () => {
      if (check.checked) this.selected.add(item.path);
      else this.selected.delete(item.path);
      this.cursor = this.anchor = item.path;
      this.applySelection();
    });
    const kernel = this.state(item);
    const status = kernel
      ? h(
          "span",
          { class: "nw-running", "data-state": kernel.state, title: `${kernel.display_name || kernel.name} kernel: ${kernel.state}` },
          kernel.state === "idle" || kernel.state === "busy" ? `Running${kernel.state === "busy" ? " (busy)" : ""}` : kernel.state === "dead" ? "Kernel dead" : `${kernel.state[0]!.toUpperCase()}${kernel.state.slice(1)}`,
          h("span", { class: "nw-running-name" }, kernel.display_name || kernel.name),
        )
      : "";
    const link = h(
      "a",
      { href: href(item), class: `nw-item nw-${item.type}`, tabindex: "-1", title: `${item.name} (${KIND[item.type]})` },
      h("span", { class: "nw-badge", "aria-hidden": "true" }, ICONS[item.type]),
      h("span", { class: "nw-item-name" }, item.name),
    );
    const tr = h(
      "tr",
      { "data-path": item.path, "data-type": item.type, ...(kernel ? { "data-running": kernel.state } : {}) },
      h("td", { class: "nw-col-check" }, check),
      h("td", { class: "nw-col-name" }, link),
      h("td", { class: "nw-col-status" }, status),
      h("td", { class: "nw-col-modified", title: new Date(item.last_modified).toLocaleString() }, when(item.last_modified)),
      h("td", { class: "nw-col-size" }, item.type === "directory" ? "" : size(item.size)),
    );
    return { tr, link, check };
  }

  // --- selection -------------------------------------------------------------------

  private selection(): ContentModel[] {
    return this.sorted().filter((i) => this.selected.has(i.path));
  }

  private applySelection(): void {
    const tabStop = this.cursor ?? this.sorted()[0]?.path ?? null;
    for (const [path, row] of this.rows) {
      const on = this.selected.has(path);
      row.tr.classList.toggle("nw-selected", on);
      row.check.checked = on;
      row.link.tabIndex = path === tabStop ? 0 : -1;
    }
    const sel = this.selection();
    const n = sel.length;
    this.selectAll.checked = n > 0 && n === this.items.length;
    this.selectAll.indeterminate = n > 0 && n < this.items.length;
    this.selectAll.disabled = this.items.length === 0;
    const a = this.actions;
    a["open"]!.disabled = n !== 1;
    a["download"]!.disabled = n === 0 || sel.some((i) => i.type === "directory");
    a["rename"]!.disabled = n !== 1;
    a["duplicate"]!.disabled = n === 0 || sel.some((i) => i.type === "directory");
    a["shutdown"]!.disabled = !sel.some((i) => this.state(i) !== null);
    a["remove"]!.disabled = n === 0;
    const notebooks = sel.some((i) => i.type === "notebook");
    this.exporter.toggleAttribute("data-disabled", !notebooks);
    if (!notebooks) this.exporter.open = false;
    const selection = JSON.stringify([...this.selected].sort());
    if (this.notice && (selection !== this.notice.selection || Date.now() > this.notice.until)) this.notice = null;
    const count = this.items.length;
    const summary = !this.loaded ? "Loading…" : n ? `${n} of ${count} selected` : `${count} item${count === 1 ? "" : "s"}`;
    this.status.textContent = this.progress || this.notice?.text || summary;
  }

  /** Says `text` where the count is, until the selection changes or a while passes. */
  private say(text: string): void {
    const until = Date.now() + 8000;
    this.notice = { text, selection: JSON.stringify([...this.selected].sort()), until };
    this.status.textContent = text;
    setTimeout(() => this.applySelection(), 8100);
  }

  private itemAt(target: EventTarget | null): ContentModel | undefined {
    const path = target instanceof Element ? target.closest("tr")?.dataset["path"] : undefined;
    return path === undefined ? undefined : this.items.find((i) => i.path === path);
  }

  private focusRow(path: string | null): void {
    if (path === null) return;
    this.cursor = path;
    this.applySelection();
    this.rows.get(path)?.link.focus();
  }

  /** Selects `path` alone, or (extend) the range from the anchor to it. */
  private pick(path: string, how: "only" | "toggle" | "range"): void {
    if (how === "range" && this.anchor !== null && this.rows.has(this.anchor)) {
      const order = this.sorted().map((i) => i.path);
      const [a, b] = [order.indexOf(this.anchor), order.indexOf(path)].sort((x, y) => x - y) as [number, number];
      this.selected.clear();
      order.slice(a, b + 1).forEach((p) => this.selected.add(p));
    } else if (how === "toggle") {
      if (this.selected.has(path)) this.selected.delete(path);
      else this.selected.add(path);
      this.anchor = path;
    } else {
      this.selected.clear();
      this.selected.add(path);
      this.anchor = path;
    }
    this.focusRow(path);
  }

  private onClick(ev: MouseEvent): void {
    const item = this.itemAt(ev.target);
    const target = ev.target as Element;
    if (!item || target.closest("input")) return;
    const link = target.closest("a");
    if (link) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey || ev.button !== 0) return; // the browser's own
      if (item.type === "file") {
        ev.preventDefault();
        void this.download([item]);
      }
      return;
    }
    this.pick(item.path, ev.shiftKey ? "range" : ev.ctrlKey || ev.metaKey ? "toggle" : "only");
  }

  private onKey(ev: KeyboardEvent): void {
    const item = this.itemAt(ev.target);
    if (!item) return;
    const order = this.sorted().map((i) => i.path);
    const at = order.indexOf(item.path);
    const mod = ev.ctrlKey || ev.metaKey;
    const move = (to: number) => {
      ev.preventDefault();
      const path = order[Math.max(0, Math.min(order.length - 1, to))];
      if (path !== undefined) this.pick(path, ev.shiftKey ? "range" : mod ? "toggle" : "only");
    };
    const targets = () => (this.selected.size ? this.selection() : [item]);
    switch (ev.key) {
      case "ArrowDown":
        if (ev.altKey) return;
        if (mod) {
          ev.preventDefault();
          this.focusRow(order[at + 1] ?? item.path);
          return;
        }
        return move(at + 1);
      case "ArrowUp":
        if (ev.altKey) {
          ev.preventDefault();
          this.goUp();
          return;
        }
        if (mod) {
          ev.preventDefault();
          this.focusRow(order[at - 1] ?? item.path);
          return;
        }
        return move(at - 1);
      case "Home":
        return move(0);
      case "End":
        return move(order.length - 1);
      case " ":
        if (ev.target instanceof HTMLInputElement) return;
        ev.preventDefault();
        this.pick(item.path, "toggle");
        return;
      case "Enter":
        if (ev.target instanceof HTMLInputElement) {
          ev.preventDefault();
          this.open(item);
        } else if (item.type === "file" && !mod && !ev.shiftKey) {
          ev.preventDefault();
          void this.download([item]);
        }
        return; // a link opens itself
      case "F2":
        ev.preventDefault();
        void this.rename(this.selected.size === 1 ? this.selection()[0]! : item);
        return;
      case "Delete":
        ev.preventDefault();
        void this.remove(targets());
        return;
      case "Backspace":
        ev.preventDefault();
        this.goUp();
        return;
      case "Escape":
        this.selected.clear();
        this.applySelection();
        return;
      case "a":
      case "A":
        if (!mod) return;
        ev.preventDefault();
        this.items.forEach((i) => this.selected.add(i.path));
        this.applySelection();
        return;
    }
  }

  private goUp(): void {
    if (!this.dir) return;
    location.href = url(`tree/${encodePath(this.dir.split("/").slice(0, -1).join("/"))}`);
  }

  // --- actions ---------------------------------------------------------------------

  private open(item: ContentModel): void {
    if (item.type === "file") void this.download([item]);
    else location.href = href(item);
  }

  private openSelected(): void {
    const [one] = this.selection();
    if (one) this.open(one);
  }

  private gone(e: unknown, name: string): string {
    return e instanceof ApiError && e.status === 404 ? `“${name}” is no longer there: it was deleted or moved.` : message(e);
  }

  private async create(type: "notebook" | "directory" | "file"): Promise<void> {
    let made: ContentModel;
    try {
      made = await contents.newUntitled(this.dir, type, type === "notebook" ? ".ipynb" : type === "file" ? ".txt" : undefined);
    } catch (e) {
      toast(`Cannot create a ${KIND[type]}: ${message(e)}`);
      return;
    }
    if (type === "notebook") {
      location.href = href(made);
      return;
    }
    await this.load();
    this.pick(made.path, "only");
    // As in JupyterLab, a new folder or file starts out being named.
    const renamed = await this.rename(made, `Name the new ${KIND[type]}`);
    if (!renamed) this.focusRow(made.path);
  }

  /** Asks for a new name; true once renamed. */
  private async rename(item: ContentModel, title = `Rename ${KIND[item.type]}`): Promise<boolean> {
    let renamedTo: string | null = null;
    const done = await askName(title, item.name, "Rename", async (name) => {
      if (name === item.name) return null;
      const problem = badName(name, (n) => this.items.some((i) => i.name === n));
      if (problem) return problem;
      try {
        const model = await contents.rename(item.path, join(this.dir, name));
        renamedTo = model.path;
        return null;
      } catch (e) {
        return e instanceof ApiError && e.status === 409 ? `“${name}” already exists in this folder.` : this.gone(e, item.name);
      }
    });
    if (renamedTo === null) {
      if (done) this.focusRow(item.path);
      else this.rows.get(item.path)?.link.focus();
      return false;
    }
    this.selected.clear();
    await this.load();
    this.pick(renamedTo, "only");
    return true;
  }

  private async renameSelected(): Promise<void> {
    const [one] = this.selection();
    if (one) await this.rename(one);
  }

  private async duplicate(items: ContentModel[]): Promise<void> {
    const made: string[] = [];
    for (const item of items) {
      try {
        made.push((await contents.copy(item.path, this.dir)).path);
      } catch (e) {
        toast(`Cannot duplicate “${item.name}”: ${this.gone(e, item.name)}`);
      }
    }
    await this.load();
    if (made.length) {
      this.selected.clear();
      made.forEach((p) => this.selected.add(p));
      this.focusRow(made[made.length - 1]!);
    }
  }

  private async remove(items: ContentModel[]): Promise<void> {
    if (items.length === 0) return;
    const dirs = items.filter((i) => i.type === "directory");
    // Deleting an open notebook (or a folder holding one) closes it on the server.
    const open = [...this.running.keys()];
    const running = items.filter((i) => open.some((p) => p === i.path || p.startsWith(`${i.path}/`)));
    const what = items.length === 1 ? `“${items[0]!.name}”` : `${items.length} items`;
    const notes = [
      dirs.length ? "Folders are deleted with everything in them." : "",
      running.length
        ? `Open notebooks in ${running.map((i) => `“${i.name}”`).join(", ")} will be closed and their kernels shut ` +
          "down (a page showing one keeps its copy and can save it again)."
        : "",
      "This cannot be undone.",
    ];
    const ok = await confirm(`Delete ${what}?`, notes.filter(Boolean).join(" "), "Delete", true);
    if (!ok) {
      this.rows.get(this.cursor ?? "")?.link.focus();
      return;
    }
    for (const item of items) {
      try {
        await contents.remove(item.path, item.type === "directory");
        this.selected.delete(item.path);
      } catch (e) {
        toast(`Cannot delete “${item.name}”: ${this.gone(e, item.name)}`);
      }
    }
    await this.load();
    if (!this.list.contains(document.activeElement)) this.focusRow(this.cursor ?? this.sorted()[0]?.path ?? null);
  }

  private async download(items: ContentModel[]): Promise<void> {
    for (const item of items) {
      const file = url(`files/${encodePath(item.path)}`);
      try {
        // Ask first: a missing file would otherwise replace this page with an error.
        const res = await fetch(file, { method: "HEAD", credentials: "same-origin" });
        if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
      } catch (e) {
        toast(`Cannot download “${item.name}”: ${this.gone(e, item.name)}`);
        continue;
      }
      const a = h("a", { href: file, download: item.name, hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
    if (items.length) void this.load({ quiet: true });
  }

  private async shutdown(items: ContentModel[]): Promise<void> {
    try {
      const all = await kernels.list();
      for (const item of items) {
        const kernel = all.find((k) => k.notebook === item.path);
        if (kernel) await kernels.shutdown(kernel.id);
      }
    } catch (e) {
      toast(`Cannot shut down the kernel: ${message(e)}`);
    }
    await this.load();
  }

  // --- upload ----------------------------------------------------------------------

  private async uploadHere(files: File[]): Promise<void> {
    const done = await uploadFiles(this.dir, files, (text) => {
      this.progress = text;
      this.status.textContent = text;
    });
    this.progress = "";
    await this.load();
    if (done.length) {
      this.selected.clear();
      done.forEach((p) => this.selected.add(p));
      this.cursor = done[done.length - 1]!;
      this.applySelection();
      this.say(`Uploaded ${done.length === 1 ? `“${done[0]!.split("/").pop()}”` : `${done.length} files`}.`);
    }
  }
}
