// Exports as downloads (the server's /api/export, src/notewire/server/web/export_api.py):
// the notebook page's "Export ▾" menu for the notebook as the server holds it (outputs
// not yet saved included), and the file browser's export of the selected notebooks as
// one zip. The file is fetched first, so that a failure (no Chromium for PDF) is said
// in the page instead of replacing it with an error body.
import { ApiError, encodePath } from "./api";
import { toast } from "./dialogs";
import { h, toolButton } from "./dom";
import { url } from "../net/urls";

export const EXPORT_FORMATS = [
  { fmt: "html", label: "HTML", title: "one self-contained HTML file that works offline" },
  { fmt: "pdf", label: "PDF", title: "the HTML printed to PDF by the server's Chromium" },
  { fmt: "script", label: "Script", title: "the code cells as a script" },
  { fmt: "markdown", label: "Markdown", title: "markdown, with the images beside it (zipped)" },
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number]["fmt"];

/** The URL of an export: one notebook's file, or several notebooks' zip. */
export function exportURL(fmt: ExportFormat, paths: readonly string[]): string {
  if (paths.length === 1) return url(`api/export/${fmt}/${encodePath(paths[0]!)}`);
  const query = paths.map((p) => `path=${encodeURIComponent(p)}`).join("&");
  return url(`api/export/${fmt}?${query}`);
}

function filename(res: Response, fallback: string): string {
  const header = res.headers.get("Content-Disposition") ?? "";
  const utf8 = /filename\*=utf-8''([^;]+)/i.exec(header);
  if (utf8) return decodeURIComponent(utf8[1]!);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1]! : fallback;
}

/** Fetches an export and saves it as a download; says why in a toast when it fails. */
export async function downloadExport(fmt: ExportFormat, paths: readonly string[]): Promise<void> {
  const what = paths.length === 1 ? `“${paths[0]!.split("/").pop()}”` : `${paths.length} notebooks`;
  const busy = h("div", { class: "nw-export-busy", role: "status" }, `Exporting ${what} as ${fmt}…`);
  document.body.appendChild(busy);
  try {
    const res = await fetch(exportURL(fmt, paths), { credentials: "same-origin" });
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = (await res.json()) as { message?: unknown };
        if (typeof body.message === "string") message = body.message;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, message);
    }
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: filename(res, `export-${fmt}`), hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    // The click has started the download; the URL can go once it has been read.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (e) {
    toast(`Cannot export ${what} as ${fmt}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    busy.remove();
  }
}

/** An "Export ▾" menu: the notebook page's for its notebook, the file browser's for the
 * selected notebooks (several: one zip). `paths` is asked at each choice. */
export function exportMenu(paths: () => string[], title: string): HTMLDetailsElement {
  const menu = h(
    "details",
    { class: "nw-menu nw-export-menu" },
    h("summary", { class: "nw-tool", title }, "Export ▾"),
    h(
      "div",
      { class: "nw-menu-items" },
      ...EXPORT_FORMATS.map(({ fmt, label, title }) =>
        toolButton(label, title, () => void downloadExport(fmt, paths()), `nw-export-${fmt}`),
      ),
    ),
  );
  menu.addEventListener("click", (ev) => {
    if ((ev.target as HTMLElement).closest(".nw-menu-items")) menu.open = false;
  });
  return menu;
}
