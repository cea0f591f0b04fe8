import { renderVega } from "../sandbox/vega";
import { renderPlots } from "./plots";

renderPlots((mime) => mime.startsWith("application/vnd.vega"), renderVega);
