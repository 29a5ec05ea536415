/**
 * The report's chart: one horizontal bar per target, each on its own scale, with the target
 * drawn as a dashed line. Hand-written SVG, no dependency.
 */

export interface ChartRow {
  readonly label: string;
  readonly value: number;
  readonly target: number;
  /** Whether the target is a ceiling (≤) or a floor (≥). */
  readonly better: "lower" | "higher";
  /** Formats a value for the row (`1.23×`, `0.41 ms`). */
  readonly format: (value: number) => string;
  readonly pass: boolean;
}

const WIDTH = 820;
const LABEL_WIDTH = 330;
const BAR_WIDTH = 360;
const ROW_HEIGHT = 46;
const TOP = 56;
const PASS_COLOR = "#2e7d32";
const MISS_COLOR = "#c62828";

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const round = (n: number) => Math.round(n * 10) / 10;

export function renderChart(title: string, subtitle: string, rows: readonly ChartRow[]): string {
  const height = TOP + rows.length * ROW_HEIGHT + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="17" font-weight="bold">${escape(title)}</text>`,
    `<text x="16" y="44" fill="#555555">${escape(subtitle)}</text>`,
  ];
  rows.forEach((row, index) => {
    const rowY = TOP + index * ROW_HEIGHT;
    const scale = Math.max(row.value, row.target, 1e-9) * 1.25;
    const x0 = LABEL_WIDTH;
    const barLength = round((Math.max(row.value, 0) / scale) * BAR_WIDTH);
    const targetX = round(x0 + (row.target / scale) * BAR_WIDTH);
    const color = row.pass ? PASS_COLOR : MISS_COLOR;
    const sign = row.target === 0 ? "=" : row.better === "lower" ? "≤" : "≥";
    parts.push(
      `<text x="16" y="${rowY + 20}">${escape(row.label)}</text>`,
      `<rect x="${x0}" y="${rowY + 6}" width="${BAR_WIDTH}" height="20" fill="#f2f2f2"/>`,
      `<rect x="${x0}" y="${rowY + 6}" width="${Math.max(barLength, 1)}" height="20" fill="${color}"/>`,
      `<line x1="${targetX}" y1="${rowY + 2}" x2="${targetX}" y2="${rowY + 30}" stroke="#222222" stroke-width="2" stroke-dasharray="4 3"/>`,
      `<text x="${targetX}" y="${rowY + 42}" font-size="11" fill="#222222" text-anchor="middle">target ${sign} ${escape(row.format(row.target))}</text>`,
      `<text x="${x0 + BAR_WIDTH + 10}" y="${rowY + 21}" font-weight="bold" fill="${color}">${escape(row.format(row.value))} ${row.pass ? "PASS" : "MISS"}</text>`,
    );
  });
  parts.push(
    `<text x="16" y="${height - 10}" font-size="11" fill="#555555">Each bar has its own scale; the dashed line is the target from docs/targets.md.</text>`,
    "</svg>",
    "",
  );
  return parts.join("\n");
}
