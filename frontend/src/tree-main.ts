import { TreePage } from "./view/tree-page";

const prefix = "/tree/";
const raw = location.pathname.startsWith(prefix) ? location.pathname.slice(prefix.length) : "";
const dir = raw.split("/").filter(Boolean).map(decodeURIComponent).join("/");
new TreePage(document.getElementById("app")!, dir);
