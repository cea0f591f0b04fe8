// Frames of the notebook WebSocket (docs/notebook-protocol.md section 2): text frames
// carry one JSON object; binary frames start with a kind byte.
import { MalformedMessage, type ClientMessage } from "../model/protocol";

export const FRAME_SYNC = 0x00;
export const FRAME_AWARENESS = 0x01;
export const FRAME_JSON = 0x02;
/** Several frames the server had waiting, in order: each as `u32 BE length` and its bytes. */
export const FRAME_BATCH = 0x03;

export type Frame =
  | { readonly kind: "json"; readonly json: unknown; readonly buffers: Uint8Array[] }
  /** A y-protocols sync message, starting at its own message type varuint. */
  | { readonly kind: "sync"; readonly payload: Uint8Array }
  /** A y-protocols awareness update, its length prefix included (as y-websocket sends it). */
  | { readonly kind: "awareness"; readonly payload: Uint8Array };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8enc = new TextEncoder();

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MalformedMessage(`a frame is not JSON: ${(e as Error).message}`);
  }
}

/** The frames one WebSocket message holds: a batch's, in order, or the message itself. */
export function decodeFrames(data: string | ArrayBuffer | Uint8Array): Frame[] {
  if (typeof data === "string") return [decodeFrame(data)];
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes[0] !== FRAME_BATCH) return [decodeFrame(bytes)];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let at = 1;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new MalformedMessage("a batch ends inside a frame's length");
    const len = view.getUint32(at);
    at += 4;
    if (len === 0 || at + len > bytes.length) throw new MalformedMessage("a batch's frame overruns it, or is empty");
    if (bytes[at] === FRAME_BATCH) throw new MalformedMessage("a batch inside a batch");
    frames.push(decodeFrame(bytes.subarray(at, at + len)));
    at += len;
  }
  return frames;
}

/** Reads one frame as the browser's WebSocket delivers it (binaryType "arraybuffer"). */
export function decodeFrame(data: string | ArrayBuffer | Uint8Array): Frame {
  if (typeof data === "string") return { kind: "json", json: parseJSON(data), buffers: [] };
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length === 0) throw new MalformedMessage("an empty binary frame");
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case FRAME_SYNC:
      return { kind: "sync", payload: body };
    case FRAME_AWARENESS:
      return { kind: "awareness", payload: body };
    case FRAME_JSON:
      return decodeJsonWithBuffers(body);
    default:
      throw new MalformedMessage(`unknown binary frame kind 0x${bytes[0]!.toString(16).padStart(2, "0")}`);
  }
}

function decodeJsonWithBuffers(body: Uint8Array): Frame {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length < 4) throw new MalformedMessage(`a 0x02 frame of ${body.length} bytes has no buffer count`);
  const n = view.getUint32(0);
  const header = 4 + 4 * n;
  if (header > body.length) throw new MalformedMessage(`a 0x02 frame claims ${n} buffers but has ${body.length} bytes`);
  const lengths: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(4 + 4 * i);
    lengths.push(len);
    total += len;
  }
  const jsonLength = body.length - header - total;
  if (jsonLength < 0) throw new MalformedMessage(`a 0x02 frame's buffers (${total} bytes) overrun it`);
  let text: string;
  try {
    text = utf8.decode(body.subarray(header, header + jsonLength));
  } catch {
    throw new MalformedMessage("a 0x02 frame's JSON is not UTF-8");
  }
  const buffers: Uint8Array[] = [];
  let at = header + jsonLength;
  for (const len of lengths) {
    buffers.push(body.slice(at, at + len));
    at += len;
  }
  return { kind: "json", json: parseJSON(text), buffers };
}

/** A client message as a frame: text, or 0x02 when it has binary buffers. */
export function encodeMessage(msg: ClientMessage): string | Uint8Array {
  const buffers = "buffers" in msg && msg.buffers ? msg.buffers : [];
  const json: Record<string, unknown> = { ...msg };
  delete json["buffers"];
  const text = JSON.stringify(json);
  if (buffers.length === 0) return text;
  const jsonBytes = utf8enc.encode(text);
  const header = 1 + 4 + 4 * buffers.length;
  const size = header + jsonBytes.length + buffers.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = FRAME_JSON;
  view.setUint32(1, buffers.length);
  buffers.forEach((b, i) => view.setUint32(5 + 4 * i, b.length));
  out.set(jsonBytes, header);
  let at = header + jsonBytes.length;
  for (const b of buffers) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Prefixes a y-protocols payload with its frame kind byte. */
export function binaryFrame(kind: typeof FRAME_SYNC | typeof FRAME_AWARENESS, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = kind;
  out.set(payload, 1);
  return out;
}
