import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

// Fake credentials in shapes secretlint's recommended preset knows. Assembled at run time so the
// repository itself never looks like it holds one (and our own scan of it stays clean).
export const FAKE_GITHUB_TOKEN = ["ghp", "_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");
export const FAKE_PRIVATE_KEY = [
  `-----BEGIN ${"RSA PRIVATE"} KEY-----`,
  "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi5TgvlbbFTpq+AebH6vxbFqBqc",
  "fakefakefakefakefakefakefakefakefakefakefakefakefakefakefakefake",
  `-----END ${"RSA PRIVATE"} KEY-----`,
].join("\n");

const dirs: string[] = [];

/** A throwaway build context holding `files` (relative path → content). */
export function tempContext(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "agent-cloud-context-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Removes every context {@link tempContext} made; call from afterAll. */
export function removeTempContexts(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
