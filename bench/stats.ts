/** Small statistics helpers; all figures in the report go through these. */

/** The q-quantile (0..1) of an ascending array, nearest-rank; NaN when empty. */
export function percentile(sorted: readonly number[], quantile: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The middle value (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    : (sorted[Math.floor(mid)] as number);
}

export const mean = (values: readonly number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** `1.23×` */
export const times = (ratio: number, digits = 2) => `${ratio.toFixed(digits)}×`;

/** `1,234` */
export const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** `12.3 ms`, with more digits below 10 ms. */
export const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : int(n)} ms`;

/** KiB to `123 MiB`. */
export const mib = (kib: number) => `${int(kib / 1024)} MiB`;
