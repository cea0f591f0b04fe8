import { renderPlotly } from "../sandbox/plotly";
import { renderPlots } from "./plots";

renderPlots((mime) => mime === "application/vnd.plotly.v1+json", (el, _mime, value) => renderPlotly(el, value));
