/** Durations on the command line: `90s`, `15m`, `2h`, `7d` (a bare number is seconds). */
import { UsageError } from "../errors";

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in `text`, or throws a usage error naming the flag and the accepted forms. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match === null ? 0 : Number(match[1]) * (UNIT[match[2] || "s"] ?? 1);
  if (seconds < 1) {
    throw new UsageError(
      `${flag} "${text}" must be a duration such as 90s, 15m, 2h or 7d (a bare number is seconds)`,
    );
  }
  return seconds;
}
