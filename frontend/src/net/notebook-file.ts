// The shared document as an .ipynb (nbformat 4.5) for the contents API: what the page
// sends to save a notebook again after its file was deleted on the server (the server,
// which normally writes the file, has closed it). Only nbformat's own keys go out: run
// states, trust marks, display ids and dropped-output counts are left out, as the
// server leaves them out when it saves (docs/notebook-protocol.md section 1).
import type * as Y from "yjs";
import {
  asInt,
  asObject,
  cellId,
  cellOutputs,
  cellsOf,
  cellSource,
  cellType,
  metaOf,
  streamText,
  type OutputMap,
} from "../model/document";
import type { JSONObject, JSONValue } from "../model/protocol";

function outputToFile(output: OutputMap): JSONObject | null {
  const type = output.get("output_type");
  const data = asObject(output.get("data"));
  const metadata = asObject(output.get("metadata"));
  switch (type) {
    case "stream": {
      const dropped = asInt(output.get("dropped_chars")) ?? 0;
      const note = dropped > 0 ? `[notewire: ${dropped} earlier characters were dropped]\n` : "";
      const name = output.get("name") === "stderr" ? "stderr" : "stdout";
      return { output_type: "stream", name, text: note + streamText(output) };
    }
    case "display_data":
      return { output_type: "display_data", data, metadata };
    case "execute_result":
      return { output_type: "execute_result", data, metadata, execution_count: asInt(output.get("execution_count")) };
    case "error": {
      const tb = output.get("traceback");
      const traceback = Array.isArray(tb) ? tb.filter((l): l is string => typeof l === "string") : [];
      const text = (k: string) => {
        const v = output.get(k);
        return typeof v === "string" ? v : "";
      };
      return { output_type: "error", ename: text("ename"), evalue: text("evalue"), traceback };
    }
    default:
      return null; // nothing nbformat could hold
  }
}

/** The notebook in `doc` as nbformat 4.5 JSON (cell ids need at least 4.5). */
export function documentToNotebook(doc: Y.Doc): JSONObject {
  const meta = metaOf(doc);
  const cells: JSONValue[] = cellsOf(doc)
    .toArray()
    .map((cell) => {
      const type = cellType(cell);
      const json: JSONObject = {
        id: cellId(cell),
        cell_type: type,
        source: cellSource(cell).toString(),
        metadata: asObject(cell.get("metadata")),
      };
      if (type === "code") {
        json["execution_count"] = asInt(cell.get("execution_count"));
        json["outputs"] = (cellOutputs(cell)?.toArray() ?? []).flatMap((o) => outputToFile(o) ?? []);
      } else if (cell.get("attachments") !== undefined) {
        json["attachments"] = asObject(cell.get("attachments"));
      }
      return json;
    });
  return {
    cells,
    metadata: asObject(meta.get("metadata")),
    nbformat: 4,
    nbformat_minor: Math.max(5, asInt(meta.get("nbformat_minor")) ?? 5),
  };
}
