/**
 * A Secret or ConfigMap volume as the kubelet lays it out and updates it: the files live in a
 * hidden timestamped folder, `..data` links to it, and each visible name links through `..data`.
 * An update writes a new hidden folder and flips `..data` to it with one rename, so a reader
 * sees the old set or the new one (each file of it, read separately, may still be of either).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/**
 * Writes `files` (name → content) into the volume folder `dir`, creating it on first use, by an
 * atomic `..data` swap as the kubelet does; the previous hidden folder is removed.
 */
export function writeKubeletVolume(dir: string, files: Readonly<Record<string, string>>): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const data = join(dir, "..data");
  const previous = existsSync(data) ? readlinkSync(data) : undefined;
  const version = mkdtempSync(join(dir, "..version_"));
  chmodSync(version, 0o755);
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(version, name), content, { mode: 0o444 });
  const link = join(dir, "..data_tmp");
  symlinkSync(version.slice(dir.length + 1), link);
  renameSync(link, data);
  for (const name of Object.keys(files)) {
    const visible = join(dir, name);
    if (!existsSync(visible)) symlinkSync(join("..data", name), visible);
  }
  if (previous !== undefined) rmSync(join(dir, previous), { recursive: true, force: true });
}
