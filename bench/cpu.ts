/** CPU time of processes, from /proc (Linux), to show where the cores went during a run. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of one process so far, ms; 0 if it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Samples named groups of pids now; `since()` gives each group's CPU ms used from then on. */
export function cpuSample(groups: Record<string, () => readonly number[]>): {
  since(): Record<string, number>;
} {
  const pidsAtStart = Object.fromEntries(Object.entries(groups).map(([k, f]) => [k, f()]));
  const start = Object.fromEntries(
    Object.entries(pidsAtStart).map(([k, pids]) => [k, pids.map(cpuMs)]),
  );
  return {
    since: () =>
      Object.fromEntries(
        Object.entries(pidsAtStart).map(([k, pids]) => [
          k,
          pids.reduce((sum, pid, i) => sum + cpuMs(pid) - (start[k]?.[i] ?? 0), 0),
        ]),
      ),
  };
}
