// The REST calls the pages make. Unsafe methods carry the `_xsrf` cookie's value in
// X-XSRFToken (the server's double-submit check).
import type { JSONObject, JSONValue } from "../model/protocol";
import { loginUrl, url as urlUnderBase } from "../net/urls";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function xsrfToken(cookie: string = document.cookie): string | null {
  for (const part of cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === "_xsrf") return decodeURIComponent(v.join("="));
  }
  return null;
}

/** Where the full stream output of a cell that outgrew its cap is served (text/plain);
 * `view`: shown in the browser rather than downloaded. */
export function fullOutputUrl(notebook: string, cellId: string, view = false): string {
  const url = `/api/notebooks/${encodePath(notebook)}/outputs/${encodeURIComponent(cellId)}/full`;
  return view ? `${url}?view=1` : url;
}

/** A path under the server root as URL segments ("a b/c.ipynb" -> "a%20b/c.ipynb"). */
export function encodePath(path: string): string {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map(encodeURIComponent)
    .join("/");
}

export async function api<T = JSONValue>(method: string, url: string, body?: JSONValue | Blob): Promise<T> {
  const headers: Record<string, string> = {};
  if (!["GET", "HEAD"].includes(method)) {
    const token = xsrfToken();
    if (token) headers["X-XSRFToken"] = token;
  }
  let payload: BodyInit | undefined;
  if (body instanceof Blob) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(urlUnderBase(url), { method, headers, body: payload, credentials: "same-origin" });
  if (res.status === 401) location.href = loginUrl(location.pathname + location.search);
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const err = (await res.json()) as JSONObject;
      if (typeof err["message"] === "string") message = err["message"];
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  if (res.status === 204) return null as T;
  return (await res.json()) as T;
}

export interface ContentModel {
  name: string;
  path: string;
  type: "notebook" | "file" | "directory";
  last_modified: string;
  created?: string;
  size?: number | null;
  writable?: boolean;
  content?: ContentModel[] | unknown;
}

/** What the user calls each type of content. */
export const KIND: Readonly<Record<ContentModel["type"], string>> = { directory: "folder", notebook: "notebook", file: "file" };

export const contents = {
  list: (path: string) => api<ContentModel>("GET", `/api/contents/${encodePath(path)}?content=1`),
  /** What is at `path` now (without its content), or null when nothing is. */
  stat: async (path: string): Promise<ContentModel | null> => {
    try {
      return await api<ContentModel>("GET", `/api/contents/${encodePath(path)}?content=0`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  },
  newUntitled: (dir: string, type: "notebook" | "directory" | "file", ext?: string) =>
    api<ContentModel>("POST", `/api/contents/${encodePath(dir)}`, ext ? { type, ext } : { type }),
  copy: (from: string, toDir: string) =>
    api<ContentModel>("POST", `/api/contents/${encodePath(toDir)}`, { copy_from: from }),
  rename: (path: string, newPath: string) =>
    api<ContentModel>("PATCH", `/api/contents/${encodePath(path)}`, { path: newPath }),
  remove: (path: string, recursive = false) =>
    api<null>("DELETE", `/api/contents/${encodePath(path)}${recursive ? "?recursive=1" : ""}`),
  upload: (path: string, content: string, format: "text" | "base64", type: "file" | "notebook", chunk?: number) =>
    api<ContentModel>(
      "PUT",
      `/api/contents/${encodePath(path)}`,
      chunk === undefined ? { type, format, content } : { type, format, content, chunk },
    ),
};

/** Uploads go up in pieces of this many bytes (Jupyter's `chunk`: 1, 2, ..., -1 last),
 * so a large file needs neither one huge request nor its whole base64 in memory. */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

export interface OpenNotebook {
  path: string;
  kernel: { state: string; name: string; display_name: string };
  connections: number;
  dirty: boolean;
  running: string | null;
  queued: number;
}

export interface KernelSpecs {
  default: string | null;
  kernelspecs: Record<string, { name: string; spec: { display_name: string; language: string } }>;
}

export interface KernelModel {
  id: string;
  name: string;
  execution_state: string;
  notebook: string;
}

export const kernels = {
  list: () => api<KernelModel[]>("GET", "/api/kernels"),
  /** Shuts the kernel down and closes its notebook (the server saves it first). */
  shutdown: (id: string) => api<null>("DELETE", `/api/kernels/${encodeURIComponent(id)}`),
};

export const openNotebooks = () => api<OpenNotebook[]>("GET", "/api/notebooks");
export const kernelSpecs = () => api<KernelSpecs>("GET", "/api/kernelspecs");
