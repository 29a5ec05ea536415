/**
 * `npm run bench:edge`: only the edge part of the bench (section 2 and 3 of the report's
 * measurements), printed as JSON figures. `BENCH_SMOKE=1` makes it a quick self-check.
 */
import { loadavg } from "node:os";
import { benchProxy } from "./proxy";
import { edgeTable } from "./report";

const started = Date.now();
/** The machine's 1-minute load average: the figures are only comparable on a quiet machine. */
const load = () => loadavg()[0]?.toFixed(2) ?? "?";
const loadAtStart = load();
const log = (line: string) =>
  console.error(`[edge ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);

benchProxy(log)
  .then((proxyResult) =>
    process.stdout.write(
      `${edgeTable(proxyResult).join("\n")}\n\nLoad average (1 min) at the start: ${loadAtStart}; at the end: ${load()}.\n`,
    ),
  )
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
