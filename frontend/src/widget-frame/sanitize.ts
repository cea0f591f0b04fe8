// Stands in for sanitize-html in ipywidgets' manager (build.mjs aliases it for
// @jupyter-widgets/base-manager only): the manager cleans descriptions that allow HTML
// with `sanitize(html, {allowedTags, allowedAttributes})`, and sanitize-html with the
// HTML parser and PostCSS it brings is a fifth of the frame's script. DOMPurify does
// the same job at a tenth of the size. (JupyterLab's own sanitizer, in the Output
// widget's chunk, keeps the real sanitize-html.)
import DOMPurify from "dompurify";

interface Options {
  allowedTags?: string[];
  /** Tag name (or "*") -> attribute names, "aria-*" for every ARIA attribute. */
  allowedAttributes?: Record<string, string[]>;
}

export default function sanitize(html: string, options: Options = {}): string {
  const attrs = Object.values(options.allowedAttributes ?? {}).flat();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS: options.allowedTags ?? [],
    ALLOWED_ATTR: attrs.filter((a) => !a.endsWith("*")),
    ALLOW_ARIA_ATTR: attrs.includes("aria-*"),
    ALLOW_DATA_ATTR: false,
  });
}
