// Modal dialogs (a <dialog> element: focus trapping and Esc come with it) and toasts.
import { SHORTCUTS } from "../model/keyboard";
import { h } from "./dom";

export interface Choice<T> {
  readonly label: string;
  readonly value: T;
  readonly primary?: boolean;
  readonly danger?: boolean;
}

/** Shows a dialog; resolves with the chosen value, or null on Esc/close. */
export function choose<T>(title: string, body: Node | string, choices: readonly Choice<T>[]): Promise<T | null> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "nw-dialog" });
    const buttons = choices.map((c) =>
      h(
        "button",
        { type: "button", class: `nw-button${c.primary ? " nw-primary" : ""}${c.danger ? " nw-danger" : ""}` },
        c.label,
      ),
    );
    let result: T | null = null;
    buttons.forEach((b, i) =>
      b.addEventListener("click", () => {
        result = choices[i]!.value;
        dialog.close();
      }),
    );
    dialog.append(
      h("h2", {}, title),
      typeof body === "string" ? h("p", {}, body) : body,
      h("div", { class: "nw-dialog-buttons" }, ...buttons),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    dialog.addEventListener("keydown", (ev) => ev.stopPropagation());
    document.body.appendChild(dialog);
    dialog.showModal();
    (buttons.find((_, i) => choices[i]!.primary) ?? buttons[0])?.focus();
  });
}

export async function confirm(title: string, body: string, ok: string, danger = false): Promise<boolean> {
  return (await choose(title, body, [
    { label: "Cancel", value: false },
    { label: ok, value: true, primary: true, danger },
  ])) === true;
}

/** Asks for a line of text; null on cancel. */
export function prompt(title: string, value: string): Promise<string | null> {
  const input = h("input", { class: "nw-text-input", type: "text", spellcheck: "false" });
  input.value = value;
  const body = h("div", {}, input);
  const p = choose(title, body, [
    { label: "Cancel", value: null as string | null },
    { label: "OK", value: "ok", primary: true },
  ]);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      (input.closest("dialog")?.querySelector(".nw-primary") as HTMLButtonElement | null)?.click();
    }
  });
  requestAnimationFrame(() => {
    input.focus();
    const dot = value.lastIndexOf(".");
    input.setSelectionRange(0, dot > 0 ? dot : value.length);
  });
  return p.then((r) => (r === null ? null : input.value));
}

/** A modal that asks for a name and keeps itself open, saying what is wrong, until
 * `submit` (which returns an error message, or null when done) succeeds or the user
 * cancels. Resolves true once submitted. */
export function askName(title: string, value: string, action: string, submit: (name: string) => Promise<string | null>): Promise<boolean> {
  return new Promise((resolve) => {
    const input = h("input", { class: "nw-text-input", type: "text", spellcheck: "false", "aria-label": "name" });
    input.value = value;
    const error = h("p", { class: "nw-dialog-error", role: "alert" });
    const cancel = h("button", { type: "button", class: "nw-button" }, "Cancel");
    const ok = h("button", { type: "submit", class: "nw-button nw-primary" }, action);
    const form = h("form", { method: "dialog" }, input, error, h("div", { class: "nw-dialog-buttons" }, cancel, ok));
    const dialog = h("dialog", { class: "nw-dialog nw-name-dialog", "aria-label": title }, h("h2", {}, title), form);
    let done = false;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (ok.disabled) return;
      ok.disabled = true;
      error.textContent = "";
      void submit(input.value).then(
        (problem) => {
          ok.disabled = false;
          if (problem === null) {
            done = true;
            dialog.close();
          } else {
            error.textContent = problem;
            input.focus();
          }
        },
        (e: unknown) => {
          ok.disabled = false;
          error.textContent = e instanceof Error ? e.message : String(e);
        },
      );
    });
    input.addEventListener("input", () => (error.textContent = ""));
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("keydown", (ev) => ev.stopPropagation());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(done);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    input.focus();
    const dot = value.lastIndexOf(".");
    input.setSelectionRange(0, dot > 0 ? dot : value.length);
  });
}

export function showShortcuts(): Promise<unknown> {
  const table = h("table", { class: "nw-shortcuts" });
  for (const [mode, keys, what] of SHORTCUTS) {
    table.append(h("tr", {}, h("td", { class: "nw-mode" }, mode), h("td", {}, h("kbd", {}, keys)), h("td", {}, what)));
  }
  return choose("Keyboard shortcuts", table, [{ label: "Close", value: true, primary: true }]);
}

let toasts: HTMLElement | null = null;

export function toast(message: string, kind: "error" | "info" = "error"): void {
  if (!toasts) {
    toasts = h("div", { class: "nw-toasts", role: "status", "aria-live": "polite" });
    document.body.appendChild(toasts);
  }
  const t = h("div", { class: `nw-toast nw-${kind}` }, message);
  toasts.appendChild(t);
  setTimeout(() => t.remove(), kind === "error" ? 8000 : 3000);
}
