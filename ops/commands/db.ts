/**
 * `db backup|restore|list --tenant T`: a tenant's logical backup with pg_dump, as the tenant's
 * own role (read from its Secret), so it works the same against the in-cluster server and any
 * external one, and never needs the admin password.
 */
import { mkdir, rename, rm, stat } from "node:fs/promises";
import * as path from "node:path";
import { tenantNamespace } from "../../model/names";
import type { OpsContext } from "../context";
import {
  connectionArgs,
  connectionEnv,
  connectionFrom,
  type DbConnection,
} from "../plans/db-connection";
import { backupDir, backupFileName, listBackups } from "../adapters/backup-files";
import type { StackConfig } from "../engine";
import { OpsError } from "../errors";
import { actionWord } from "../command-line/action-word";
import { formatTime, println, renderTable } from "../format/text";
import { tenantSecretName } from "../adapters/kube-secrets";
import { dbTools, secretReader } from "../operations-context";
import { environmentOf, NS, tenantsOf } from "../stack-config";
import { environmentOutput } from "../stack-outputs";
import { formatBytes } from "../format/units";

/** `db` flags. */
export interface DbOptions {
  readonly action: "backup" | "restore" | "list";
  readonly stack: string;
  readonly tenant: string;
  /** Folder of the tenant's dumps. @default backups/{stack}/{tenant} */
  readonly dir?: string;
  /** Dump to restore. @default the newest in the folder */
  readonly from?: string;
  /** Where to reach the server from here (a port-forward, a bastion). */
  readonly host?: string;
  readonly port?: number;
  /** Restore without asking. */
  readonly yes: boolean;
}

/** The `action` word, checked. */
export function dbAction(words: readonly string[]): DbOptions["action"] {
  return actionWord("db", ["backup", "restore", "list"], words);
}

/** The in-cluster server is reached from outside on its admin endpoint (a node port on kind). */
function defaultEndpoint(config: StackConfig): { host?: string; port?: number } {
  const db = config[`${NS}:database`] as
    { mode?: unknown; adminHost?: unknown; adminPort?: unknown } | undefined;
  if (db?.mode === "external") return {};
  return {
    host: typeof db?.adminHost === "string" ? db.adminHost : "localhost",
    port: typeof db?.adminPort === "number" ? db.adminPort : 30432,
  };
}

async function tenantConnection(
  ctx: OpsContext,
  o: DbOptions,
  config: StackConfig,
): Promise<DbConnection> {
  let environment = environmentOf(config);
  if (environment === undefined) {
    await ctx.engine.selectStack(o.stack);
    environment = environmentOutput(await ctx.engine.outputs(o.stack));
  }
  if (environment === undefined)
    throw new OpsError(`stack "${o.stack}" sets no agent-cloud:environment`);
  const namespace = tenantNamespace(environment, o.tenant);
  const name = tenantSecretName(o.tenant);
  let data: Record<string, string>;
  try {
    data = await secretReader(ctx).read(namespace, name);
  } catch (error) {
    throw new OpsError(
      `cannot read Secret ${name} in namespace ${namespace} (the tenant's DATABASE_URL) with the current kubeconfig context: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const url = data.DATABASE_URL;
  if (url === undefined) throw new OpsError(`Secret ${namespace}/${name} has no DATABASE_URL`);
  const endpoint = defaultEndpoint(config);
  return connectionFrom(url, { host: o.host ?? endpoint.host, port: o.port ?? endpoint.port });
}

const where = (c: DbConnection) => `database ${c.database} as ${c.user} at ${c.host}:${c.port}`;

/** Runs the action; exits 1 when pg_dump or pg_restore fails (its message is shown). */
export async function db(ctx: OpsContext, o: DbOptions): Promise<number> {
  const { stdout, stderr } = ctx;
  const config = await ctx.engine.readConfig(o.stack);
  const tenants = tenantsOf(config).map((t) => t.id);
  if (!tenants.includes(o.tenant)) {
    throw new OpsError(
      `stack "${o.stack}" has no tenant "${o.tenant}"; its tenants: ${tenants.join(", ") || "none"}`,
    );
  }
  const dir = backupDir(o.stack, o.tenant, o.dir);

  if (o.action === "list") {
    const files = await listBackups(dir, o.tenant);
    if (files.length === 0) {
      println(stdout, `no backups of tenant "${o.tenant}" in ${dir}`);
      return 0;
    }
    const rows = files.map((f) => [
      path.basename(f.file),
      formatTime(f.takenAt),
      formatBytes(f.bytes),
    ]);
    for (const line of renderTable(["FILE", "TAKEN", "SIZE"], rows)) println(stdout, line);
    return 0;
  }

  const connection = await tenantConnection(ctx, o, config);
  const tools = dbTools(ctx);

  if (o.action === "backup") {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, backupFileName(o.tenant, ctx.now()));
    const partial = `${file}.partial`;
    println(stdout, `db backup: tenant "${o.tenant}", ${where(connection)}`);
    const result = await tools.run(
      "pg_dump",
      [
        ...connectionArgs(connection),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        `--file=${partial}`,
      ],
      connectionEnv(connection),
    );
    if (result.code !== 0) {
      await rm(partial, { force: true });
      println(stderr, `error: pg_dump failed (exit ${result.code}): ${result.stderr}`);
      return 1;
    }
    await rename(partial, file);
    println(stdout, `wrote ${file} (${formatBytes((await stat(file)).size)})`);
    return 0;
  }

  const from = o.from ?? (await listBackups(dir, o.tenant))[0]?.file;
  if (from === undefined) {
    throw new OpsError(`no backups of tenant "${o.tenant}" in ${dir}; pass --from FILE`);
  }
  println(stdout, `db restore: tenant "${o.tenant}" from ${from} into ${where(connection)}`);
  const question = `replace the tables of tenant "${o.tenant}" with the contents of ${path.basename(from)}?`;
  if (!o.yes && !(await ctx.confirm(question))) {
    println(stdout, "restore cancelled; nothing changed");
    return 1;
  }
  const result = await tools.run(
    "pg_restore",
    [
      ...connectionArgs(connection),
      "--clean",
      "--if-exists",
      "--no-owner",
      "--no-privileges",
      "--single-transaction",
      "--exit-on-error",
      from,
    ],
    connectionEnv(connection),
  );
  if (result.code !== 0) {
    println(
      stderr,
      `error: pg_restore failed (exit ${result.code}), nothing was changed: ${result.stderr}`,
    );
    return 1;
  }
  println(stdout, `restored tenant "${o.tenant}" from ${path.basename(from)}`);
  return 0;
}
