// application/json outputs as a collapsible tree (details/summary), children built only
// when a branch is opened, so a huge document costs nothing until it is explored.
import type { JSONValue } from "../model/protocol";
import { h } from "./dom";

function leaf(v: JSONValue): HTMLElement {
  if (v === null) return h("span", { class: "nw-json-null" }, "null");
  if (typeof v === "string") return h("span", { class: "nw-json-string" }, JSON.stringify(v));
  if (typeof v === "number") return h("span", { class: "nw-json-number" }, String(v));
  if (typeof v === "boolean") return h("span", { class: "nw-json-bool" }, String(v));
  return h("span", {}, "");
}

function node(key: string | null, v: JSONValue, open: boolean): HTMLElement {
  const label = key === null ? null : h("span", { class: "nw-json-key" }, `${key}: `);
  if (v === null || typeof v !== "object") return h("div", { class: "nw-json-row" }, label, leaf(v));
  const entries: Array<[string, JSONValue]> = Array.isArray(v)
    ? v.map((x, i) => [String(i), x])
    : Object.entries(v);
  const summary = h(
    "summary",
    {},
    label,
    h("span", { class: "nw-json-brace" }, Array.isArray(v) ? `Array(${entries.length})` : `{${entries.length}}`),
  );
  const details = h("details", { class: "nw-json-branch" }, summary);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const body = h("div", { class: "nw-json-children" });
    for (const [k, x] of entries) body.appendChild(node(k, x, false));
    details.appendChild(body);
  };
  details.addEventListener("toggle", () => details.open && build());
  if (open) {
    details.open = true;
    build();
  }
  return details;
}

export function jsonTree(value: JSONValue): HTMLElement {
  return h("div", { class: "nw-json" }, node(null, value, true));
}
