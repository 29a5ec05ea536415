/**
 * `npm run bench`: measures the figures docs/targets.md sets targets for, writes
 * bench/report/REPORT.md and bench/report/chart.svg, and prints the report.
 *
 * Progress goes to stderr, the report to stdout. Everything runs on loopback, every load is
 * bounded in count and time, and every process it starts is stopped by its own pid.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { renderChart } from "./chart";
import { benchEval } from "./eval";
import { benchProxy } from "./proxy";
import { chartRows, renderReport } from "./report";
import { verdicts } from "./verdicts";

const REPORT_DIR = join(__dirname, "report");

async function main(): Promise<void> {
  const started = Date.now();
  const log = (line: string) =>
    console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  const loadBefore = loadavg();

  log("1/4. program evaluation under mocks, 4/4. resources changed by one tenant");
  const evaluation = await benchEval(log);
  log("2/4. proxy throughput and latency, 3/4. reloads under load");
  const proxy = await benchProxy(log);

  const verdict = verdicts(evaluation, proxy);
  const info = {
    startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, "Z"),
    durationS: (Date.now() - started) / 1000,
    node: process.versions.node,
    cpus: cpus().length,
    loadBefore,
    loadAfter: loadavg(),
  };
  const markdown = renderReport(info, evaluation, proxy, verdict);
  const chart = renderChart(
    "agent-cloud benchmarks: measured against targets",
    `${info.startedAt}, ${info.cpus} shared cores; green PASS, red MISS`,
    chartRows(evaluation, verdict),
  );
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, "REPORT.md"), markdown);
  writeFileSync(join(REPORT_DIR, "chart.svg"), chart);
  writeFileSync(
    join(REPORT_DIR, "results.json"),
    JSON.stringify({ info, evaluation, proxy }, null, 2),
  );
  log(`wrote ${join(REPORT_DIR, "REPORT.md")} and chart.svg`);
  process.stdout.write(markdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
