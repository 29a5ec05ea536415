/** nginx is found on PATH, then at /usr/sbin/nginx, with a clear message when it is nowhere. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BinaryNotFoundError, findNginx, whichBinary } from "../../scripts/lib/binaries";

const dir = mkdtempSync(join(tmpdir(), "binaries-"));
const fake = join(dir, "nginx");
writeFileSync(fake, "#!/bin/sh\n");
chmodSync(fake, 0o755);
const notExecutable = mkdtempSync(join(tmpdir(), "binaries-"));
writeFileSync(join(notExecutable, "nginx"), "");
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(notExecutable, { recursive: true, force: true });
});

describe("finding nginx", () => {
  it("takes the first executable on PATH before /usr/sbin/nginx", () => {
    expect(findNginx(`${notExecutable}:${dir}:/usr/sbin`)).toBe(fake);
  });

  it("falls back to a fallback path when PATH has none", () => {
    expect(whichBinary("nginx", [fake], "/nonexistent")).toBe(fake);
    expect(whichBinary("nginx", ["/nonexistent/nginx"], "")).toBeUndefined();
  });

  it('says "nginx not found" and how to install it', () => {
    expect(() => findNginx(notExecutable, ["/nonexistent/nginx"])).toThrow(BinaryNotFoundError);
    expect(() => findNginx(notExecutable, ["/nonexistent/nginx"])).toThrow(
      "nginx not found: looked on PATH and at /nonexistent/nginx; install it (Debian/Ubuntu: apt-get install nginx-light; macOS: brew install nginx) or put it on PATH",
    );
  });
});
