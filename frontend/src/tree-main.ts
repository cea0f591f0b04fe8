import { TreePage } from "./view/tree-page";
import { pagePath } from "./net/urls";

const below = pagePath(location.pathname) ?? "";
const raw = below.startsWith("tree/") ? below.slice("tree/".length) : "";
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray "%": the name as typed
  }
};
const dir = raw.split("/").filter(Boolean).map(decode).join("/");
new TreePage(document.getElementById("app")!, dir);
