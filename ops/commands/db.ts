/**
 * `db backup|restore|list --tenant T`: a tenant's logical backup with pg_dump, as the tenant's
 * own role (read from its Secret), so it works the same against the in-cluster server and any
 * external one, and never needs the admin password.
 */
import { defineCommand } from "../command-line/command";
import { stackFlag, tenantFlag, yesFlag } from "../command-line/flags";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import * as path from "node:path";
import { configSchema } from "../../model/config-schema";
import { dbTools, type OpsContext, secretReader } from "../context";
import type { DbTools, ToolResult } from "../adapters/db-tools";
import { stripControlSequences } from "../format/terminal";
import {
  connectionArgs,
  connectionEnv,
  connectionFrom,
  type DbConnection,
} from "../plans/db-connection";
import { backupDir, backupFileName, backupTenant, listBackups } from "../adapters/backup-files";
import { checkDumpSource, describeCodeEntries, dumpHeaderArgs } from "../plans/dump-source";
import type { StackConfig } from "../engine";
import { OpsError } from "../errors";
import { actionWord } from "../command-line/action-word";
import { formatTime, println, renderTable } from "../format/text";
import { readTenantSecret } from "../adapters/kube-secrets";
import { environmentSettings, tenantStack } from "../plans/shards";
import { environmentOf, sectionOf, tenantsOf } from "../stack-config";
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
  /** The database a dump of another database than the tenant's own holds (its header's name). */
  readonly fromDatabase?: string;
  /** Where to reach the server from here (a port-forward, a bastion). */
  readonly host?: string;
  readonly port?: number;
  /**
   * Restore a dump of another database that holds code (functions, triggers, ...), which then
   * runs as the tenant's role: without it such a dump is refused (see checkDumpSource).
   */
  readonly runSourceCode?: boolean;
  /** Restore without asking. */
  readonly yes: boolean;
}

/** The subcommands of `db`, with their help. */
const DB_ACTIONS: Readonly<Record<DbOptions["action"], string>> = {
  backup: "pg_dump the tenant's database (custom format) into the folder",
  restore: "pg_restore a dump into it, replacing its tables (asks first)",
  list: "the tenant's dumps in the folder, newest first",
};

/** `db`: its subcommands, flags, their help, and the options they give. */
export const dbCommand = defineCommand({
  spec: {
    name: "db",
    summary: "a tenant's logical backups: take one, restore one, list them",
    usage:
      "db backup|restore|list --stack S --tenant T [--dir D] [--from FILE [--from-database NAME [--run-source-code]]] [--host H] [--port N] [--yes]",
    actions: DB_ACTIONS,
    flags: {
      stack: stackFlag("stack the tenant is in"),
      tenant: tenantFlag(),
      dir: { type: "string", value: "D", doc: "folder of the dumps (default backups/S/T)" },
      from: {
        type: "string",
        value: "FILE",
        doc: "dump to restore (default the newest in the folder)",
      },
      "from-database": {
        type: "string",
        value: "NAME",
        doc: "restore a dump of another database than the tenant's own (another\ntenant's, another environment's): NAME is the database its header\nnames (pg_restore --list); without it such a dump is refused",
      },
      "run-source-code": {
        type: "boolean",
        doc: "restore such a dump even though it holds code (functions, triggers,\nrules, ...): that code, written by whoever controls NAME, runs as\nthe tenant's role, with its privileges; without it such a dump is\nrefused",
      },
      host: {
        type: "string",
        value: "H",
        doc: "where this machine reaches the server (default: the in-cluster\nserver's admin endpoint, or an external server's own host)",
      },
      port: { type: "string", value: "N", documentedWith: "host" },
      yes: yesFlag("restore without asking"),
    },
    notes: `Connects as the tenant's own role, read from its Secret through the current
kubeconfig context; the password goes to pg_dump in its environment only.
restore first reads the dump's header (pg_restore --list): a dump of another
database than the tenant's own, or one whose header cannot be read, is refused;
so is one of another database that holds code, unless --run-source-code.`,
  },
  parse: (args): DbOptions => ({
    action: dbAction(args.positionals),
    stack: args.required("stack"),
    tenant: args.required("tenant"),
    dir: args.text("dir"),
    from: args.text("from"),
    fromDatabase: args.text("from-database"),
    runSourceCode: args.flag("run-source-code"),
    host: args.text("host"),
    port: args.port("port"),
    yes: args.flag("yes"),
  }),
  run: db,
});

/** The `action` word, checked. */
export function dbAction(words: readonly string[]): DbOptions["action"] {
  return actionWord("db", Object.keys(DB_ACTIONS) as (keyof typeof DB_ACTIONS)[], words);
}

/** The in-cluster database's settings as the schema fills them in (its default mode). */
const IN_CLUSTER_DEFAULTS = inClusterDefaults();

function inClusterDefaults(): { readonly adminHost: string; readonly adminPort: number } {
  const defaults = configSchema.shape.database.parse(undefined);
  if (defaults.mode !== "in-cluster")
    throw new Error("the schema's default database is not in-cluster");
  return defaults;
}

/** The in-cluster server is reached from outside on its admin endpoint (a node port on kind). */
function defaultEndpoint(config: StackConfig): { host?: string; port?: number } {
  const database = sectionOf(config, "database");
  if (database.mode === "external") return {};
  return {
    host:
      typeof database.adminHost === "string" ? database.adminHost : IN_CLUSTER_DEFAULTS.adminHost,
    port:
      typeof database.adminPort === "number" ? database.adminPort : IN_CLUSTER_DEFAULTS.adminPort,
  };
}

/** The tenant's connection, from its Secret, and the environment it is in. */
async function tenantConnection(
  ctx: OpsContext,
  options: DbOptions,
  config: StackConfig,
): Promise<{ readonly connection: DbConnection; readonly environment: string }> {
  let environment = environmentOf(config);
  if (environment === undefined) {
    await ctx.engine.selectStack(options.stack);
    environment = environmentOutput(await ctx.engine.outputs(options.stack));
  }
  if (environment === undefined)
    throw new OpsError(`stack "${options.stack}" sets no agent-cloud:environment`);
  const { namespace, name, data } = await readTenantSecret(
    secretReader(ctx),
    environment,
    options.tenant,
    "the tenant's DATABASE_URL",
  );
  const url = data.DATABASE_URL;
  if (url === undefined) throw new OpsError(`Secret ${namespace}/${name} has no DATABASE_URL`);
  const endpoint = defaultEndpoint(config);
  const connection = connectionFrom(url, {
    host: options.host ?? endpoint.host,
    port: options.port ?? endpoint.port,
  });
  return { connection, environment };
}

/**
 * What the tools print is untrusted: pg_dump's and pg_restore's messages quote the tenant's table
 * names, and a dump's header is whatever the file holds, so a name can carry escape sequences
 * meant for the operator's terminal. Each line of their stderr and stdout is cleaned
 * (stripControlSequences) before anything reads or prints it; the lines stay apart.
 */
function cleaned(tools: DbTools): DbTools {
  const clean = (text: string) => text.split(/\r?\n/).map(stripControlSequences).join("\n");
  return {
    run: async (program, args, env): Promise<ToolResult> => {
      const result = await tools.run(program, args, env);
      return { ...result, stderr: clean(result.stderr), stdout: clean(result.stdout) };
    },
  };
}

const where = (c: DbConnection) => `database ${c.database} as ${c.user} at ${c.host}:${c.port}`;

/** Runs the action; exits 1 when pg_dump or pg_restore fails (its message is shown). */
export async function db(ctx: OpsContext, options: DbOptions): Promise<number> {
  const { stdout, stderr } = ctx;
  // With tenant shards, the tenant may live in one of the stack's shard stacks, whose
  // environment and database settings are its platform's.
  const holder = await tenantStack(ctx.engine, options.stack, options.tenant);
  const givenStack = options.stack;
  options = { ...options, stack: holder.stack };
  const config = await environmentSettings(ctx.engine, holder.config);
  const tenants = tenantsOf(config).map((t) => t.id);
  if (!tenants.includes(options.tenant)) {
    throw new OpsError(
      `stack "${options.stack}" has no tenant "${options.tenant}"; its tenants: ${tenants.join(", ") || "none"}`,
    );
  }
  const dir = backupDir(options.stack, options.tenant, options.dir);

  if (options.action === "list") {
    const files = await listBackups(dir, options.tenant);
    if (files.length === 0) {
      println(stdout, `no backups of tenant "${options.tenant}" in ${dir}`);
      return 0;
    }
    const rows = files.map((file) => [
      path.basename(file.file),
      formatTime(file.takenAt),
      formatBytes(file.bytes),
    ]);
    for (const line of renderTable(["FILE", "TAKEN", "SIZE"], rows)) println(stdout, line);
    return 0;
  }

  const { connection, environment } = await tenantConnection(ctx, options, config);
  const tools = cleaned(dbTools(ctx));

  if (options.action === "backup") {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, backupFileName(options.tenant, ctx.now()));
    const partial = `${file}.partial`;
    println(stdout, `db backup: tenant "${options.tenant}", ${where(connection)}`);
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

  const from = options.from ?? (await listBackups(dir, options.tenant))[0]?.file;
  if (from === undefined) {
    throw new OpsError(`no backups of tenant "${options.tenant}" in ${dir}; pass --from FILE`);
  }
  // Whose dump it is: its header names the database it was taken from, before anything runs.
  const source = checkDumpSource(
    from,
    await tools.run("pg_restore", dumpHeaderArgs(from), {}),
    {
      stack: givenStack,
      tenant: options.tenant,
      environment,
      database: connection.database,
      role: connection.user,
    },
    options.fromDatabase,
    options.runSourceCode,
  );
  println(stdout, `db restore: tenant "${options.tenant}" from ${from} into ${where(connection)}`);
  if (source.foreign) {
    println(
      stdout,
      `  its data comes from database ${source.database} (--from-database), not from tenant "${options.tenant}"'s own ${connection.database}`,
    );
  }
  if (source.code.length > 0) {
    println(
      stdout,
      `  its code runs as tenant "${options.tenant}"'s role ${connection.user}, with its privileges (--run-source-code): ${describeCodeEntries(source.code)}`,
    );
  }
  const named = backupTenant(from);
  if (!source.foreign && named !== undefined && named !== options.tenant) {
    println(
      stdout,
      `  note: its file name says tenant "${named}"; its header, which decides, says it holds ${source.database}, tenant "${options.tenant}"'s own database`,
    );
  }
  const runs = source.code.length > 0 ? `, whose code will run as role ${connection.user}` : "";
  const of = source.foreign ? `, a dump of database ${source.database}${runs}` : "";
  const question = `replace the tables of tenant "${options.tenant}" with the contents of ${path.basename(from)}${of}?`;
  if (!options.yes && !(await ctx.confirm(question))) {
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
  println(stdout, `restored tenant "${options.tenant}" from ${path.basename(from)}`);
  return 0;
}
