// One `selectionchange` listener for all the editors of the page. Every CodeMirror
// editor adds its own to the document, and each keystroke (each cursor move) then ran
// them all, to find in each that the selection is not its own: with many editors, the
// keystroke's cost grew with the notebook. The listeners an editor adds while it is
// built (`whileBuilding`) are kept here instead, and the one real listener calls only
// those of the editor that has the focus (for an editable editor, the only one whose
// listener does anything: CodeMirror's returns at once unless its content has the
// focus). Listeners added otherwise are called as before.

type Listener = EventListenerOrEventListenerObject;

/** Listeners of editors, by the element the editor was built in. */
const owned = new Map<Listener, HTMLElement>();
const others = new Set<Listener>();
let building: HTMLElement | null = null;
let installed = false;

function call(l: Listener, ev: Event): void {
  if (typeof l === "function") l.call(document, ev);
  else l.handleEvent(ev);
}

function install(): void {
  installed = true;
  const add = document.addEventListener.bind(document);
  const remove = document.removeEventListener.bind(document);
  add("selectionchange", (ev: Event) => {
    const focused = document.activeElement;
    for (const [l, parent] of owned) if (focused && parent.contains(focused)) call(l, ev);
    for (const l of others) call(l, ev);
  });
  document.addEventListener = ((type: string, l: Listener | null, opts?: boolean | AddEventListenerOptions) => {
    if (!l) return;
    if (type !== "selectionchange") return add(type, l, opts);
    if (building) owned.set(l, building);
    else others.add(l);
  }) as typeof document.addEventListener;
  document.removeEventListener = ((type: string, l: Listener | null, opts?: boolean | EventListenerOptions) => {
    if (!l) return;
    if (type !== "selectionchange") return remove(type, l, opts);
    owned.delete(l);
    others.delete(l);
  }) as typeof document.removeEventListener;
}

/** Runs `build` (which builds an editor inside `parent`), keeping its listeners here. */
export function whileBuilding<T>(parent: HTMLElement, build: () => T): T {
  if (!installed) install();
  building = parent;
  try {
    return build();
  } finally {
    building = null;
  }
}
