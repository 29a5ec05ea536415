/**
 * Finding the real programs the tests, the benchmark and `npm run e2e` run (nginx first): on
 * PATH, then where Debian installs them (/usr/sbin is not on every user's PATH).
 */
import { accessSync, constants } from "node:fs";
import * as path from "node:path";

/** A program the tests need is missing; the message says how to install it. */
export class BinaryNotFoundError extends Error {
  constructor(name: string, looked: readonly string[], install: string) {
    super(`${name} not found: looked on PATH and at ${looked.join(", ")}; ${install}`);
    this.name = "BinaryNotFoundError";
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `PATH`, else the first executable fallback, else undefined. */
export function whichBinary(
  name: string,
  fallbacks: readonly string[] = [],
  envPath: string = process.env.PATH ?? "",
): string | undefined {
  const onPath = envPath
    .split(path.delimiter)
    .filter((dir) => dir !== "")
    .map((dir) => path.join(dir, name));
  return [...onPath, ...fallbacks].find(executable);
}

const NGINX_INSTALL =
  "install it (Debian/Ubuntu: apt-get install nginx-light; macOS: brew install nginx) or put it on PATH";

/** The nginx to run: on PATH, then /usr/sbin/nginx; throws "nginx not found" with how to install. */
export function findNginx(
  envPath: string = process.env.PATH ?? "",
  fallbacks: readonly string[] = ["/usr/sbin/nginx"],
): string {
  const found = whichBinary("nginx", fallbacks, envPath);
  if (found === undefined) throw new BinaryNotFoundError("nginx", fallbacks, NGINX_INSTALL);
  return found;
}
