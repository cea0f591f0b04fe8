// Typed reads of the shared notebook document (docs/notebook-protocol.md section 1).
// The document is written by other clients and the server, so every read tolerates a
// missing or ill-typed key instead of trusting it.
import * as Y from "yjs";
import type { JSONObject, JSONValue } from "./protocol";

export type CellType = "code" | "markdown" | "raw";
export type RunState = "idle" | "queued" | "running" | "done" | "error";

export type CellMap = Y.Map<unknown>;
export type OutputMap = Y.Map<unknown>;

export function cellsOf(doc: Y.Doc): Y.Array<CellMap> {
  return doc.getArray<CellMap>("cells");
}

export function metaOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap("meta");
}

/** An integer from the document: pycrdt may encode large ints as BigInt. */
export function asInt(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "bigint") return Number(v);
  return null;
}

export function asObject(v: unknown): JSONObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Y.AbstractType)
    ? (v as JSONObject)
    : {};
}

export function cellType(cell: CellMap): CellType {
  const t = cell.get("cell_type");
  return t === "markdown" || t === "raw" ? t : "code";
}

export function cellId(cell: CellMap): string {
  const id = cell.get("id");
  return typeof id === "string" ? id : "";
}

export function cellSource(cell: CellMap): Y.Text {
  const s = cell.get("source");
  if (s instanceof Y.Text) return s;
  // A cell without a Text would break the editor binding; the document says it has one.
  throw new Error(`cell ${JSON.stringify(cellId(cell))} has no source Text`);
}

export function cellOutputs(cell: CellMap): Y.Array<OutputMap> | null {
  const o = cell.get("outputs");
  return o instanceof Y.Array ? (o as Y.Array<OutputMap>) : null;
}

const RUN_STATES: ReadonlySet<string> = new Set(["idle", "queued", "running", "done", "error"]);

export function runState(cell: CellMap): RunState {
  const s = cell.get("run_state");
  return typeof s === "string" && RUN_STATES.has(s) ? (s as RunState) : "idle";
}

/** The cell fields the view shows around the editor and outputs (not the source, not the outputs). */
export interface CellInfo {
  readonly id: string;
  readonly cell_type: CellType;
  readonly execution_count: number | null;
  readonly run_state: RunState;
  /** False when the outputs came from a file the user did not sign (protocol section 4). */
  readonly trusted: boolean;
  readonly outputs_dropped: number;
  readonly metadata: JSONObject;
}

export function readCell(cell: CellMap): CellInfo {
  return {
    id: cellId(cell),
    cell_type: cellType(cell),
    execution_count: asInt(cell.get("execution_count")),
    run_state: runState(cell),
    trusted: cell.get("trusted") !== false,
    outputs_dropped: asInt(cell.get("outputs_dropped")) ?? 0,
    metadata: asObject(cell.get("metadata")),
  };
}

export type Output =
  | {
      readonly output_type: "stream";
      readonly name: "stdout" | "stderr";
      readonly text: string;
      readonly dropped_chars: number;
    }
  | {
      readonly output_type: "display_data" | "execute_result";
      readonly data: JSONObject;
      readonly metadata: JSONObject;
      readonly display_id: string | null;
      readonly execution_count: number | null;
    }
  | {
      readonly output_type: "error";
      readonly ename: string;
      readonly evalue: string;
      readonly traceback: readonly string[];
    }
  | { readonly output_type: "unknown"; readonly raw: string };

export function streamChunks(output: OutputMap): Y.Array<string> | null {
  const t = output.get("text");
  return t instanceof Y.Array ? (t as Y.Array<string>) : null;
}

export function streamText(output: OutputMap): string {
  const t = output.get("text");
  if (t instanceof Y.Array) return (t.toArray() as unknown[]).filter((c) => typeof c === "string").join("");
  return typeof t === "string" ? t : "";
}

export function readOutput(output: OutputMap): Output {
  const type = output.get("output_type");
  switch (type) {
    case "stream":
      return {
        output_type: "stream",
        name: output.get("name") === "stderr" ? "stderr" : "stdout",
        text: streamText(output),
        dropped_chars: asInt(output.get("dropped_chars")) ?? 0,
      };
    case "display_data":
    case "execute_result": {
      const id = output.get("display_id");
      return {
        output_type: type,
        data: asObject(output.get("data")),
        metadata: asObject(output.get("metadata")),
        display_id: typeof id === "string" ? id : null,
        execution_count: asInt(output.get("execution_count")),
      };
    }
    case "error": {
      const tb = output.get("traceback");
      return {
        output_type: "error",
        ename: String(output.get("ename") ?? ""),
        evalue: String(output.get("evalue") ?? ""),
        traceback: Array.isArray(tb) ? tb.map((l: JSONValue) => String(l)) : [],
      };
    }
    default:
      return { output_type: "unknown", raw: JSON.stringify(output.toJSON()) };
  }
}

/** JupyterLab's timing keys in cell metadata.execution (ISO 8601 UTC strings). */
export interface ExecutionTiming {
  readonly busy: Date | null;
  readonly executeInput: Date | null;
  readonly reply: Date | null;
  readonly idle: Date | null;
}

function isoDate(v: JSONValue | undefined): Date | null {
  if (typeof v !== "string") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function executionTiming(metadata: JSONObject): ExecutionTiming {
  const ex = asObject(metadata["execution"]);
  return {
    busy: isoDate(ex["iopub.status.busy"]),
    executeInput: isoDate(ex["iopub.execute_input"]),
    reply: isoDate(ex["shell.execute_reply"]),
    idle: isoDate(ex["iopub.status.idle"]),
  };
}

/**
 * Seconds a cell ran (or has run so far, given `now`), or null if it never started.
 * A cell still running has a start and no end: its time counts up to `now`.
 */
export function elapsedSeconds(t: ExecutionTiming, now: Date): number | null {
  const start = t.executeInput ?? t.busy;
  if (start === null) return null;
  const end = t.reply ?? t.idle;
  if (end !== null && end >= start) return (end.getTime() - start.getTime()) / 1000;
  return Math.max(0, (now.getTime() - start.getTime()) / 1000);
}

export function formatElapsed(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  if (m < 60) return `${m}m ${s}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
