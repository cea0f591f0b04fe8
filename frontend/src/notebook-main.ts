import { NotebookPage } from "./view/notebook-page";
import { pagePath } from "./net/urls";

const below = pagePath(location.pathname) ?? "";
const raw = below.startsWith("notebooks/") ? below.slice("notebooks/".length) : "";
const path = raw.split("/").map(decodeURIComponent).join("/");
new NotebookPage(document.getElementById("app")!, path);
