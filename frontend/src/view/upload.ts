// Uploading files into a folder: from a file picker or dropped on an element. Each file
// goes up in pieces of UPLOAD_CHUNK_BYTES (Jupyter's chunked upload), so a large file
// needs neither one huge request nor its whole base64 in memory.
import { contents, KIND, UPLOAD_CHUNK_BYTES } from "./api";
import { confirm, toast } from "./dialogs";

/** Calls `onFiles` with the files dropped on `el`, which is marked `nw-drop` while files
 * are dragged over it. Drags of anything else (text, links) are left alone. */
export function acceptDrops(el: HTMLElement, onFiles: (files: File[]) => void): void {
  const files = (ev: DragEvent) => ev.dataTransfer?.types.includes("Files") ?? false;
  el.addEventListener("dragover", (ev) => {
    if (!files(ev)) return;
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = "copy";
    el.classList.add("nw-drop");
  });
  el.addEventListener("dragleave", (ev) => {
    if (!el.contains(ev.relatedTarget as Node | null)) el.classList.remove("nw-drop");
  });
  el.addEventListener("drop", (ev) => {
    el.classList.remove("nw-drop");
    if (!files(ev)) return;
    ev.preventDefault();
    onFiles(Array.from(ev.dataTransfer?.files ?? []));
  });
}

/**
 * Uploads `files` into the folder `dir`, one after another, and resolves with the paths
 * written. A file whose name is taken is uploaded only if the user agrees to replace it;
 * a folder of that name is never replaced. Failures are toasts; the rest go on.
 * `progress` hears "Uploading “name”… 40%" as the pieces go.
 */
export async function uploadFiles(dir: string, files: readonly File[], progress: (text: string) => void): Promise<string[]> {
  const done: string[] = [];
  const say = (name: string, sent: number, total: number) =>
    progress(`Uploading “${name}”… ${total ? Math.floor((100 * sent) / total) : 100}%`);
  for (const file of files) {
    const path = dir ? `${dir}/${file.name}` : file.name;
    try {
      // Ask the server, not a listing: a listing may not have loaded yet, or be a poll
      // behind a file someone else just made, and replacing it unasked loses it.
      const existing = await contents.stat(path);
      if (existing?.type === "directory") {
        toast(`Cannot upload “${file.name}”: a folder of that name is here.`);
        continue;
      }
      if (existing) {
        const ok = await confirm(
          `Replace “${file.name}”?`,
          `A ${KIND[existing.type]} named “${file.name}” is already in this folder. Uploading replaces it.`,
          "Replace",
          true,
        );
        if (!ok) continue;
      }
      say(file.name, 0, file.size);
      if (file.size <= UPLOAD_CHUNK_BYTES) {
        // Notebooks too go up as bytes: the file lands exactly as it was.
        await contents.upload(path, toBase64(await file.arrayBuffer()), "base64", "file");
      } else {
        for (let start = 0, n = 1; start < file.size; start += UPLOAD_CHUNK_BYTES, n++) {
          const end = Math.min(file.size, start + UPLOAD_CHUNK_BYTES);
          const piece = toBase64(await file.slice(start, end).arrayBuffer());
          await contents.upload(path, piece, "base64", "file", end >= file.size ? -1 : n);
          say(file.name, end, file.size);
        }
      }
      done.push(path);
    } catch (e) {
      toast(`Cannot upload “${file.name}”: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return done;
}

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
