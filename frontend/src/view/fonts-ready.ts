// CodeMirror reads `document.fonts.ready` in every new editor, to measure again once web
// fonts have loaded. In Chromium that getter first brings the whole page's style and
// layout up to date (FontFaceSetDocument::ready), so each editor built forced a layout
// of everything changed in the frame so far: scrolling through a long notebook spent a
// fifth of its time there. Once no font is loading, the answer is a promise already
// settled, and `status` (which costs nothing) says so: the page's `fonts.ready` gives
// that promise then, and asks the browser only while fonts load.

let installed = false;

export function quietFontsReady(): void {
  if (installed || typeof document === "undefined" || !document.fonts) return;
  installed = true;
  const fonts = document.fonts;
  const native = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(fonts), "ready")?.get;
  if (!native) return;
  const settled = Promise.resolve(fonts);
  Object.defineProperty(fonts, "ready", {
    configurable: true,
    get: () => (fonts.status === "loaded" ? settled : (native.call(fonts) as Promise<FontFaceSet>)),
  });
}
