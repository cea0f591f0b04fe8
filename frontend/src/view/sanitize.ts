// HTML from notebooks goes through DOMPurify, always: markdown cells, and HTML outputs
// (untrusted ones are shown only this way; trusted ones that need scripts run in a
// sandboxed iframe instead, see frame.ts). Media and frames follow model/remote-media.ts.
import DOMPurify from "dompurify";
import { MEDIA_TAGS, mediaVerdict, type RemoteContent } from "../model/remote-media";

const CONFIG = {
  // <style> would restyle the whole page and a <form> could post anywhere; ids and
  // names are prefixed so they cannot clobber the page's globals. iframes are let in
  // here and judged (and sandboxed) by mediaVerdict.
  FORBID_TAGS: ["style", "form", "base", "link", "meta"],
  FORBID_ATTR: ["style"],
  ADD_TAGS: ["iframe"],
  ADD_ATTR: ["allowfullscreen", "frameborder"],
  SANITIZE_NAMED_PROPS: true,
  RETURN_DOM_FRAGMENT: true as const,
  // Parsed as a body's content: otherwise a leading <script> goes to a <head> that is
  // dropped unseen, the output counts as unchanged, and its script never runs.
  FORCE_BODY: true,
};

/** The server's setting, from the page (server/web/pages.py); a page without it blocks. */
function remoteContent(): RemoteContent {
  const meta = document.querySelector('meta[name="notewire-remote-content"]');
  return meta?.getAttribute("content") === "allow" ? "allow" : "block";
}

let policy: RemoteContent | null = null;
let dropped = 0;

function hook(): RemoteContent {
  if (policy !== null) return policy;
  policy = remoteContent();
  const current = policy;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node instanceof HTMLAnchorElement && node.hasAttribute("href")) {
      const href = node.getAttribute("href") ?? "";
      if (!href.startsWith("#")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    }
    if (!(node instanceof Element)) return;
    const tag = node.localName;
    if (!MEDIA_TAGS.has(tag) || node.namespaceURI !== "http://www.w3.org/1999/xhtml") return;
    const attrs: Record<string, string> = {};
    for (const a of Array.from(node.attributes)) attrs[a.name] = a.value;
    const verdict = mediaVerdict(tag, attrs, document.baseURI, current);
    if (!verdict.keep) {
      // The iterator DOMPurify walks with is live: removing its current node is safe.
      node.remove();
      dropped++;
      return;
    }
    for (const name of verdict.remove) node.removeAttribute(name);
    for (const [name, value] of Object.entries(verdict.set)) node.setAttribute(name, value);
  });
  return policy;
}

/** Sanitized HTML as a fragment, plus whether the sanitizer had to take anything out. */
export function sanitize(html: string): { fragment: DocumentFragment; changed: boolean } {
  hook();
  dropped = 0;
  const fragment = DOMPurify.sanitize(html, CONFIG);
  if (dropped > 0) {
    // A player whose every source was dropped would show as an empty box.
    for (const player of Array.from(fragment.querySelectorAll("audio:not([src]), video:not([src])"))) {
      if (!player.querySelector("source")) player.remove();
    }
  }
  return { fragment, changed: DOMPurify.removed.length > 0 || dropped > 0 };
}
