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

/** Which CPU time: in the process itself, in the kernel on its behalf, or both. */
export type CpuPart = "total" | "user" | "system";

/** User and/or system CPU time of one process so far, ms; 0 if it is gone. */
export function cpuMs(pid: number, part: CpuPart = "total"): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    const ticks = part === "user" ? user : part === "system" ? system : user + system;
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Samples named groups of pids now; `since()` gives each group's CPU ms used from then on. */
export function cpuSample(
  groups: Record<string, () => readonly number[]>,
  part: CpuPart = "total",
): {
  since(): Record<string, number>;
} {
  const pidsAtStart = Object.fromEntries(Object.entries(groups).map(([k, f]) => [k, f()]));
  const start = Object.fromEntries(
    Object.entries(pidsAtStart).map(([k, pids]) => [k, pids.map((pid) => cpuMs(pid, part))]),
  );
  return {
    since: () =>
      Object.fromEntries(
        Object.entries(pidsAtStart).map(([group, pids]) => [
          group,
          pids.reduce((sum, pid, i) => sum + cpuMs(pid, part) - (start[group]?.[i] ?? 0), 0),
        ]),
      ),
  };
}
