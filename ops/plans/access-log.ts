/**
 * The edge's access log: one JSON object per line (`time`, `tenant`, `host`, `method`, `path`,
 * `status`, `request_time` seconds, `upstream_response_time`, `upstream_status`, `upstream_addr`,
 * `bytes_sent`, `request_length`, `request_id`, `client`; the three upstream fields are not read
 * here). Earlier proxies wrote `duration`, `bytes` and `remote` for three of
 * these; both spellings are read.
 *
 * The pod-log reader strips control sequences from the raw line, but JSON escapes (`\u001B`, which
 * nginx's `escape=json` writes for a client's control bytes) decode back into them: every text
 * field is stripped again once decoded, so nothing printed from an entry can drive the terminal.
 */
import { stripControlSequences } from "../format/terminal";

/** One request through the edge. */
export interface AccessEntry {
  readonly time: Date;
  /** Tenant id, or "" when the host matched no tenant. */
  readonly tenant: string;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Seconds from the first byte read to the last byte sent. */
  readonly requestTime: number;
  readonly bytesSent: number;
  readonly requestId: string;
  readonly client: string;
}

function numberField(value: unknown): number {
  const number =
    typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(number) ? number : 0;
}

/** A decoded text field, without the control sequences its JSON escapes may have encoded. */
function textField(value: unknown): string {
  const text = typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
  return stripControlSequences(text);
}

/** Parses one line; undefined for anything that is not an access-log entry (nginx's own errors). */
export function parseAccessLine(line: string): AccessEntry | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const time = new Date(textField(raw.time));
  const status = numberField(raw.status);
  if (Number.isNaN(time.getTime()) || status === 0) return undefined;
  return {
    time,
    tenant: textField(raw.tenant),
    host: textField(raw.host),
    method: textField(raw.method),
    path: textField(raw.path),
    status,
    requestTime: numberField(raw.request_time ?? raw.duration),
    bytesSent: numberField(raw.bytes_sent ?? raw.bytes),
    requestId: textField(raw.request_id),
    client: textField(raw.client ?? raw.remote),
  };
}

/** One access-log entry as a log line: `time status method host+path 12 ms 512 B tenant id`. */
export function formatAccess(entry: AccessEntry): string {
  const ms = Math.round(entry.requestTime * 1000);
  return [
    entry.time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    String(entry.status),
    entry.method,
    `${entry.host}${entry.path}`,
    `${ms} ms`,
    `${entry.bytesSent} B`,
    `tenant=${entry.tenant === "" ? "-" : entry.tenant}`,
    `client=${entry.client || "-"}`,
    `id=${entry.requestId || "-"}`,
  ].join(" ");
}
