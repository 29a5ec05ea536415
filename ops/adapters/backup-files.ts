/** Where `ops db` keeps a tenant's dumps, how they are named, and listing them. */
import { readdir, stat } from "node:fs/promises";
import * as path from "node:path";

/** One dump on disk. */
export interface BackupFile {
  readonly file: string;
  readonly takenAt: Date;
  readonly bytes: number;
}

/** `backups/{stack}/{tenant}` under the working directory, unless `--dir` says otherwise. */
export function backupDir(stack: string, tenant: string, dir?: string): string {
  return dir ?? path.join("backups", stack, tenant);
}

/** `acme-20261122T100000Z.dump`: sorts by time, and says whose it is. */
export function backupFileName(tenant: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
  return `${tenant}-${stamp}.dump`;
}

const NAME = /^(.+)-(\d{8}T\d{6}Z)\.dump$/;

/** The tenant a dump's file name says it is of (`globex-….dump`: globex), if it is so named. */
export function backupTenant(file: string): string | undefined {
  return NAME.exec(path.basename(file))?.[1];
}

function parseStamp(stamp: string): Date {
  const part = (from: number, to: number) => stamp.slice(from, to);
  return new Date(
    `${part(0, 4)}-${part(4, 6)}-${part(6, 8)}T${part(9, 11)}:${part(11, 13)}:${part(13, 15)}Z`,
  );
}

/** The tenant's dumps in `dir`, newest first (none when the folder does not exist). */
export async function listBackups(dir: string, tenant: string): Promise<BackupFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files = await Promise.all(
    names.flatMap((name) => {
      const match = NAME.exec(name);
      if (match === null || match[1] !== tenant) return [];
      const file = path.join(dir, name);
      return [
        stat(file).then((s) => ({ file, takenAt: parseStamp(match[2] as string), bytes: s.size })),
      ];
    }),
  );
  return files.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}
