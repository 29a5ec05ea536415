/** TCP ports on the command line (`--port N`): a whole number from 1 to 65535. */
import { UsageError } from "../errors";

const LOWEST = 1;
const HIGHEST = 65_535;

/** The port in `text`, or throws a usage error naming the flag, what it got and the range. */
export function parsePort(text: string, flag: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= LOWEST && port <= HIGHEST)) {
    throw new UsageError(
      `${flag} "${text}" must be a port, a whole number from ${LOWEST} to ${HIGHEST}`,
    );
  }
  return port;
}
