// Every URL the pages ask the server for is built here, under the server's base URL
// (`--base-url`, or the hub's /user/<name>/ prefix). The server puts the base URL in each
// page's <meta name="notewire-base-url">; nothing else in the frontend spells a path
// from the site's root. Scripts inside frames (sandbox, widgets) load what they need
// relative to their own URL, which is already under the base.

let cached: string | null = null;

/** The base URL the server serves under: "/" or "/user/alice/" (always ends in "/"). */
export function baseUrl(): string {
  if (cached !== null) return cached;
  const meta = typeof document === "undefined" ? null : document.querySelector('meta[name="notewire-base-url"]');
  cached = normalizeBase(meta?.getAttribute("content") ?? "/");
  return cached;
}

/** "/x/" from "x", "/x" or "/x/"; anything odd (`//`, a scheme) falls back to "/". */
export function normalizeBase(value: string): string {
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  return value.endsWith("/") ? value : `${value}/`;
}

/** `path` ("/api/kernels", "static/sandbox.html") under the base URL. */
export function url(path: string, base: string = baseUrl()): string {
  return base + path.replace(/^\/+/, "");
}

/** The page's path below the base URL ("tree/a/b" for "/user/x/tree/a/b"), or null when
 * the page is not under it. */
export function pagePath(pathname: string, base: string = baseUrl()): string | null {
  return pathname.startsWith(base) ? pathname.slice(base.length) : null;
}

/** The ws:// or wss:// URL of `path` under the base URL, on the page's own host. */
export function socketUrl(path: string, where: { protocol: string; host: string }, base: string = baseUrl()): string {
  const scheme = where.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${where.host}${url(path, base)}`;
}

/** Where the login page is, coming back to `next` (a path under the base URL). */
export function loginUrl(next: string, base: string = baseUrl()): string {
  return `${url("login", base)}?next=${encodeURIComponent(next)}`;
}
