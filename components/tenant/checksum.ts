import { createHash } from "node:crypto";

/** JSON with object keys sorted, so the same content always gives the same text and hash. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** SHA-256 hex of the stable JSON of `value`. */
export function checksum(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex");
}
