import { TreePage } from "./view/tree-page";

const prefix = "/tree/";
const raw = location.pathname.startsWith(prefix) ? location.pathname.slice(prefix.length) : "";
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray "%": the name as typed
  }
};
const dir = raw.split("/").filter(Boolean).map(decode).join("/");
new TreePage(document.getElementById("app")!, dir);
