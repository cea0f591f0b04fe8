// HTML from notebooks goes through DOMPurify, always: markdown cells, and HTML outputs
// (untrusted ones are shown only this way; trusted ones that need scripts run in a
// sandboxed iframe instead, see frame.ts).
import DOMPurify from "dompurify";

const CONFIG = {
  // <style> would restyle the whole page and a <form> could post anywhere; ids and
  // names are prefixed so they cannot clobber the page's globals.
  FORBID_TAGS: ["style", "form", "base", "link", "meta"],
  FORBID_ATTR: ["style"],
  SANITIZE_NAMED_PROPS: true,
  RETURN_DOM_FRAGMENT: true as const,
  // Parsed as a body's content: otherwise a leading <script> goes to a <head> that is
  // dropped unseen, the output counts as unchanged, and its script never runs.
  FORCE_BODY: true,
};

let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node instanceof HTMLAnchorElement && node.hasAttribute("href")) {
      const href = node.getAttribute("href") ?? "";
      if (!href.startsWith("#")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    }
  });
}

/** Sanitized HTML as a fragment, plus whether the sanitizer had to take anything out. */
export function sanitize(html: string): { fragment: DocumentFragment; changed: boolean } {
  hook();
  const fragment = DOMPurify.sanitize(html, CONFIG);
  return { fragment, changed: DOMPurify.removed.length > 0 };
}
