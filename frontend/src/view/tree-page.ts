// The file browser: folders, notebooks and files under the server root; new notebook,
// new folder, rename, copy, delete, upload, download; which notebooks have a running kernel.
import { contents, encodePath, openNotebooks, type ContentModel, type OpenNotebook } from "./api";
import { confirm, prompt, toast } from "./dialogs";
import { h } from "./dom";

const ICONS: Record<ContentModel["type"], string> = { directory: "dir", notebook: "nb", file: "file" };

function href(item: ContentModel): string {
  if (item.type === "directory") return `/tree/${encodePath(item.path)}`;
  if (item.type === "notebook") return `/notebooks/${encodePath(item.path)}`;
  return `/files/${encodePath(item.path)}`;
}

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString();
}

function size(n: number | null | undefined): string {
  if (n === null || n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export class TreePage {
  private readonly list = h("tbody");
  private readonly crumbs = h("nav", { class: "nw-crumbs", "aria-label": "folder" });
  private readonly selected = new Set<string>();
  private items: ContentModel[] = [];
  private running = new Map<string, OpenNotebook>();
  private readonly actions = h("div", { class: "nw-tree-actions" });

  constructor(
    private readonly root: HTMLElement,
    private readonly dir: string,
  ) {
    const upload = h("input", { type: "file", multiple: true, hidden: true });
    upload.addEventListener("change", () => void this.upload(upload.files));
    const button = (label: string, title: string, f: () => void) =>
      h("button", { type: "button", class: "nw-tool", title, onclick: f }, label);
    const toolbar = h(
      "div",
      { class: "nw-toolbar" },
      button("New notebook", "create an untitled notebook here", () => void this.create("notebook")),
      button("New folder", "create an untitled folder here", () => void this.create("directory")),
      button("Upload", "upload files into this folder", () => upload.click()),
      button("Refresh", "reload the listing", () => void this.load()),
      this.actions,
      upload,
    );
    const table = h(
      "table",
      { class: "nw-files" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, ""), h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "Modified"), h("th", {}, "Size")),
      ),
      this.list,
    );
    root.append(
      h("header", { class: "nw-header" }, h("a", { class: "nw-home", href: "/" }, "notewire"), this.crumbs),
      toolbar,
      h("main", { class: "nw-main nw-tree" }, table),
    );
    this.drawCrumbs();
    document.title = `${dir || "/"} - notewire`;
    void this.load();
    setInterval(() => void this.loadRunning(), 5000);
  }

  private drawCrumbs(): void {
    const parts = this.dir.split("/").filter(Boolean);
    const links: Node[] = [h("a", { href: "/tree/" }, "/")];
    parts.forEach((p, i) => {
      links.push(h("a", { href: `/tree/${encodePath(parts.slice(0, i + 1).join("/"))}` }, p));
      if (i < parts.length - 1) links.push(document.createTextNode(" / "));
    });
    this.crumbs.replaceChildren(...links);
  }

  async load(): Promise<void> {
    try {
      const model = await contents.list(this.dir);
      this.items = (Array.isArray(model.content) ? (model.content as ContentModel[]) : []).sort(
        (a, b) => Number(b.type === "directory") - Number(a.type === "directory") || a.name.localeCompare(b.name),
      );
    } catch (e) {
      toast(`cannot list ${this.dir || "/"}: ${String(e)}`);
      this.items = [];
    }
    await this.loadRunning();
  }

  private async loadRunning(): Promise<void> {
    try {
      this.running = new Map((await openNotebooks()).map((n) => [n.path, n]));
    } catch {
      this.running = new Map();
    }
    this.draw();
  }

  private draw(): void {
    for (const p of [...this.selected]) if (!this.items.some((i) => i.path === p)) this.selected.delete(p);
    const rows = this.items.map((item) => {
      const check = h("input", { type: "checkbox", "aria-label": `select ${item.name}` });
      check.checked = this.selected.has(item.path);
      check.addEventListener("change", () => {
        if (check.checked) this.selected.add(item.path);
        else this.selected.delete(item.path);
        this.drawActions();
      });
      const open = this.running.get(item.path);
      const status =
        open && open.kernel.state !== "none"
          ? h("span", { class: "nw-running", "data-state": open.kernel.state }, `● ${open.kernel.display_name || open.kernel.name} ${open.kernel.state}`)
          : "";
      return h(
        "tr",
        { "data-path": item.path },
        h("td", {}, check),
        h("td", {}, h("a", { href: href(item), class: `nw-item nw-${item.type}` }, h("span", { class: "nw-badge" }, ICONS[item.type]), item.name)),
        h("td", {}, status),
        h("td", {}, when(item.last_modified)),
        h("td", {}, item.type === "directory" ? "" : size(item.size)),
      );
    });
    this.list.replaceChildren(...rows);
    if (rows.length === 0) this.list.append(h("tr", {}, h("td", { colspan: "5", class: "nw-muted" }, "This folder is empty.")));
    this.drawActions();
  }

  private drawActions(): void {
    const paths = [...this.selected];
    const button = (label: string, f: () => void) => h("button", { type: "button", class: "nw-tool", onclick: f }, label);
    const one = paths.length === 1 ? this.items.find((i) => i.path === paths[0]) : undefined;
    this.actions.replaceChildren(
      ...(paths.length === 0
        ? []
        : [
            ...(one ? [button("Rename", () => void this.rename(one))] : []),
            ...(one && one.type !== "directory" ? [button("Copy", () => void this.copy(one))] : []),
            ...(one && one.type !== "directory"
              ? [h("a", { class: "nw-tool", href: `/files/${encodePath(one.path)}`, download: one.name }, "Download")]
              : []),
            button(`Delete (${paths.length})`, () => void this.remove(paths)),
          ]),
    );
  }

  private async create(type: "notebook" | "directory"): Promise<void> {
    try {
      const made = await contents.newUntitled(this.dir, type, type === "notebook" ? ".ipynb" : undefined);
      if (type === "notebook") location.href = href(made);
      else await this.load();
    } catch (e) {
      toast(`cannot create: ${String(e)}`);
    }
  }

  private async rename(item: ContentModel): Promise<void> {
    const name = await prompt(`Rename ${item.name}`, item.name);
    if (!name || name === item.name) return;
    try {
      await contents.rename(item.path, this.dir ? `${this.dir}/${name}` : name);
      this.selected.clear();
      await this.load();
    } catch (e) {
      toast(`rename failed: ${String(e)}`);
    }
  }

  private async copy(item: ContentModel): Promise<void> {
    try {
      await contents.copy(item.path, this.dir);
      await this.load();
    } catch (e) {
      toast(`copy failed: ${String(e)}`);
    }
  }

  private async remove(paths: string[]): Promise<void> {
    const dirs = paths.filter((p) => this.items.find((i) => i.path === p)?.type === "directory");
    const ok = await confirm(
      `Delete ${paths.length === 1 ? paths[0] : `${paths.length} items`}?`,
      dirs.length ? "Folders are deleted with everything in them." : "This cannot be undone.",
      "Delete",
      true,
    );
    if (!ok) return;
    for (const p of paths) {
      try {
        await contents.remove(p, dirs.includes(p));
      } catch (e) {
        toast(`cannot delete ${p}: ${String(e)}`);
      }
    }
    this.selected.clear();
    await this.load();
  }

  private async upload(files: FileList | null): Promise<void> {
    for (const file of Array.from(files ?? [])) {
      const path = this.dir ? `${this.dir}/${file.name}` : file.name;
      try {
        // Notebooks too go up as bytes: the file lands exactly as it was.
        await contents.upload(path, toBase64(await file.arrayBuffer()), "base64", "file");
      } catch (e) {
        toast(`upload of ${file.name} failed: ${String(e)}`);
      }
    }
    await this.load();
  }
}
