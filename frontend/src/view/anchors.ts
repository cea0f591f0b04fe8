// `#heading` links in markdown and outputs, and a `#heading` in the page's address: the
// heading is looked up in the document (model/headings.ts, JupyterLab's anchors), and
// its cell is built and brought to the screen at once, wherever it is. Headings carry
// no ids in the page (ids from notebooks could clobber the page's globals), so the
// browser's own jump would find nothing.
import { findHeading } from "../model/headings";
import type { NotebookNav } from "./nav";

/** Goes to the heading `hash` names ("#Title" or "Title"); false when there is none. */
export function followAnchor(nav: NotebookNav, hash: string): boolean {
  let anchor = hash.replace(/^#/, "");
  try {
    anchor = decodeURIComponent(anchor);
  } catch {
    // a malformed escape: look it up as written
  }
  if (!anchor) return false;
  const found = findHeading(nav.doc, anchor);
  if (!found) return false;
  nav.reveal(found.cell, (view) => view.headingEl(found.index));
  return true;
}

/** Follows `#heading` links clicked in `area`, and changes of the address's hash. */
export function attachAnchors(nav: NotebookNav, area: HTMLElement): void {
  area.addEventListener("click", (ev) => {
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    const link = (ev.target as Element).closest?.<HTMLAnchorElement>("a[href^='#']");
    const href = link?.getAttribute("href");
    if (!href || !followAnchor(nav, href)) return;
    ev.preventDefault();
    history.pushState(history.state, "", href);
  });
  window.addEventListener("hashchange", () => followAnchor(nav, location.hash));
}
