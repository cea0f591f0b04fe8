// A small element builder: the views build DOM with this, never with HTML strings
// (the only HTML strings are sanitized markdown and sanitized HTML outputs).

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (k === "class") el.className = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Something the views create and must tear down: listeners, observers, editors. */
export interface Disposable {
  destroy(): void;
}

/**
 * Calls `f` once, right after the next frame has been painted; within `fallbackMs`
 * when no frame comes (a hidden tab gets no animation frames).
 */
export function afterPaint(f: () => void, fallbackMs = 50): void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    f();
  };
  requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, fallbackMs);
}

/** A toolbar or banner button: its title is also its accessible name. */
export function toolButton(label: string, title: string, onClick: () => void, cls = ""): HTMLButtonElement {
  return h("button", { type: "button", class: `nw-tool ${cls}`, title, "aria-label": title, onclick: onClick }, label);
}
