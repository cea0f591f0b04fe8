import { NotebookPage } from "./view/notebook-page";

const prefix = "/notebooks/";
const raw = location.pathname.startsWith(prefix) ? location.pathname.slice(prefix.length) : "";
const path = raw.split("/").map(decodeURIComponent).join("/");
new NotebookPage(document.getElementById("app")!, path);
