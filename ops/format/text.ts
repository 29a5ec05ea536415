/** Plain-text rendering shared by the commands: tables, change counts, times, short shas. */
import type { ChangeCounts } from "../engine";

/** Where a command writes; the CLI passes stdout/stderr, tests pass a buffer. */
export interface Writer {
  write(text: string): void;
}

/** Writes `text` followed by a newline. */
export function println(writer: Writer, text = ""): void {
  writer.write(`${text}\n`);
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

const OPS: readonly (readonly [string, string, string])[] = [
  ["create", "+", "to create"],
  ["update", "~", "to update"],
  ["replace", "+-", "to replace"],
  ["delete", "-", "to delete"],
  // A retained tenant database taken over (deploy --adopt-database).
  ["import", "=", "to import"],
];

/** History's compact form: `+2 ~1 -1`, or `none` when nothing changed. */
export function compactChanges(counts: ChangeCounts): string {
  const parts = OPS.filter(([op]) => (counts[op] ?? 0) > 0).map(
    ([op, sign]) => `${sign}${counts[op] ?? 0}`,
  );
  return parts.length === 0 ? "none" : parts.join(" ");
}

/** Whether a preview's counts change anything (only `same` and reads do not). */
export function hasChanges(counts: ChangeCounts): boolean {
  return Object.entries(counts).some(([op, count]) => count > 0 && op !== "same" && op !== "read");
}

/** A preview's summary: `2 to create, 1 to update (5 unchanged)` or `no changes (5 unchanged)`. */
export function describeChanges(counts: ChangeCounts): string {
  const parts = OPS.filter(([op]) => (counts[op] ?? 0) > 0).map(
    ([op, , words]) => `${counts[op] ?? 0} ${words}`,
  );
  const same = counts.same ?? 0;
  const head = parts.length === 0 ? "no changes" : parts.join(", ");
  return same > 0 ? `${head} (${same} unchanged)` : head;
}

/** `2026-11-22 01:02:03Z` */
export function formatTime(time: Date | undefined): string {
  return time === undefined || Number.isNaN(time.getTime())
    ? "-"
    : `${time.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** The first 12 characters of a sha, as git and history show it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/** `sha256:` and the first 12 hex characters of a digest. */
export function shortDigest(digest: string): string {
  return digest.slice(0, "sha256:".length + 12);
}
