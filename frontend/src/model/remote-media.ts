// What the HTML sanitizer does with elements that load media or frames (img, audio,
// video, source, track, iframe), decided from their tag and attributes alone so it can
// be tested without a DOM (view/sanitize.ts applies it).
//
// As in JupyterLab, images, audio, video and frames load from `https:` URLs, unless
// the server blocks remote content (`--block-remote-content`): then an element that
// would load anything from another origin is dropped (the page's CSP refuses it too).
// Frames are the one place a notebook's HTML may embed another site's scripts, so an
// iframe is kept only with an `https:` src, and always sandboxed: `allow-scripts`
// (embeds such as videos and maps need them) without `allow-same-origin`, so the
// framed page has an opaque origin: no cookies or storage of its own site, nothing of
// ours (it is another origin anyway), no navigating the notebook away (no
// `allow-top-navigation`); links it opens in a new tab (`allow-popups`) leave the
// sandbox there. No request sends a referrer (the notebook's URL names the file) and
// frames load `credentialless` where the browser can; `crossorigin` is removed, since
// "use-credentials" would send the other site's cookies on a CORS request, and
// "anonymous" would fail every image whose host sends no CORS headers.

export type RemoteContent = "allow" | "block";

export const MEDIA_TAGS: ReadonlySet<string> = new Set(["img", "audio", "video", "source", "track", "iframe"]);

export const IFRAME_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox";

export interface MediaVerdict {
  /** False: drop the element (and what is in it). */
  readonly keep: boolean;
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

const DROP: MediaVerdict = { keep: false, set: {}, remove: [] };

/** Where a URL in a page at `base` loads from: the page's own origin, inline data,
 * another origin over https, or something refused (http:, javascript:, unparsable). */
export function urlKind(url: string, base: string): "local" | "inline" | "remote" | "refused" {
  let parsed: URL;
  try {
    parsed = new URL(url.trim(), base);
  } catch {
    return "refused";
  }
  if (parsed.protocol === "data:" || parsed.protocol === "blob:") return "inline";
  if (parsed.origin === new URL(base).origin) return "local";
  return parsed.protocol === "https:" ? "remote" : "refused";
}

/** The URLs an element would load: src, poster, and each srcset candidate. */
export function mediaUrls(attrs: Readonly<Record<string, string>>): string[] {
  const urls: string[] = [];
  for (const name of ["src", "poster"]) {
    const value = attrs[name];
    if (value !== undefined && value.trim() !== "") urls.push(value);
  }
  for (const candidate of (attrs["srcset"] ?? "").split(",")) {
    const url = candidate.trim().split(/\s+/)[0];
    if (url) urls.push(url);
  }
  return urls;
}

export function mediaVerdict(
  tag: string,
  attrs: Readonly<Record<string, string>>,
  base: string,
  policy: RemoteContent,
): MediaVerdict {
  const kinds = mediaUrls(attrs).map((u) => urlKind(u, base));
  const remote = kinds.includes("remote");
  if (kinds.includes("refused") || (remote && policy === "block")) return DROP;
  if (tag === "iframe") {
    const src = attrs["src"]?.trim() ?? "";
    if (!src || new URL(src, base).protocol !== "https:") return DROP;
    return {
      keep: true,
      set: { sandbox: IFRAME_SANDBOX, referrerpolicy: "no-referrer", credentialless: "" },
      remove: ["srcdoc", "allow", "crossorigin", "poster", "srcset"],
    };
  }
  return { keep: true, set: remote ? { referrerpolicy: "no-referrer" } : {}, remove: ["crossorigin"] };
}
