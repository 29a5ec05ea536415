/**
 * `offboard --tenant T`: takes a final backup of the tenant's database (`db backup`), then removes
 * the tenant from the stack file, with its `tenantSecrets` entry (config validation refuses an
 * entry no tenant has), and says what the next deploy does: its namespace and workload go; its
 * PostgreSQL role and database stay on the server (they are retained on delete), and so do the
 * final dump and any scheduled ones.
 */
import { defineCommand } from "../command-line/command";
import { stackFlag, tenantFlag, yesFlag } from "../command-line/flags";
import type { OpsContext } from "../context";
import type { ConfigChange, StackConfig } from "../engine";
import { OpsError } from "../errors";
import { println } from "../format/text";
import { isSecure, KEY } from "../stack-config";
import { db } from "./db";
import { deployHint, tenantStack } from "../plans/shards";

/** `offboard` flags. */
export interface OffboardOptions {
  readonly stack: string;
  readonly tenant: string;
  /** Folder of the final dump. @default backups/{stack}/{tenant} */
  readonly dir?: string;
  readonly host?: string;
  readonly port?: number;
  /** Remove without a final backup (the database is retained either way). */
  readonly skipBackup: boolean;
  readonly yes: boolean;
}

/** `offboard`: its flags, their help, and the options they give. */
export const offboardCommand = defineCommand({
  spec: {
    name: "offboard",
    summary: "final backup, then remove a tenant from the stack file (its database is kept)",
    usage: "offboard --stack S --tenant T [--dir D] [--host H] [--port N] [--skip-backup] [--yes]",
    flags: {
      stack: stackFlag("stack the tenant is in"),
      tenant: tenantFlag(),
      dir: { type: "string", value: "D", doc: "as for db backup (the final dump)" },
      host: { type: "string", value: "H", documentedWith: "dir" },
      port: { type: "string", value: "N", documentedWith: "dir" },
      "skip-backup": {
        type: "boolean",
        doc: "no final dump (the database is retained either way)",
      },
      yes: yesFlag("write the stack file without asking"),
    },
    notes: `Takes a final pg_dump of the tenant, removes it and its tenantSecrets entry from
Pulumi.S.yaml and says what the next deploy (deploy --remove-tenant T) removes
and what it keeps. A tenantSecrets set as one encrypted value cannot be edited
per tenant: it says how to set it again without T.`,
  },
  parse: (args): OffboardOptions => ({
    stack: args.required("stack"),
    tenant: args.required("tenant"),
    dir: args.text("dir"),
    host: args.text("host"),
    port: args.port("port"),
    skipBackup: args.flag("skip-backup"),
    yes: args.flag("yes"),
  }),
  run: offboard,
});

/** Backs up, then edits the stack file; exits 1 when the backup fails or the user says no. */
export async function offboard(ctx: OpsContext, options: OffboardOptions): Promise<number> {
  const { engine, stdout } = ctx;
  // With tenant shards, the tenant may live in one of the stack's shard stacks.
  const holder = await tenantStack(engine, options.stack, options.tenant);
  options = { ...options, stack: holder.stack };
  const config = holder.config;
  const tenants = Array.isArray(config[KEY.tenants])
    ? (config[KEY.tenants] as { id?: unknown }[])
    : [];
  const index = tenants.findIndex((t) => t?.id === options.tenant);
  if (index < 0) {
    throw new OpsError(
      `stack "${options.stack}" has no tenant "${options.tenant}" in ${engine.configFileName(options.stack)}`,
    );
  }
  if (!options.skipBackup) {
    const code = await db(ctx, {
      action: "backup",
      stack: options.stack,
      tenant: options.tenant,
      dir: options.dir,
      host: options.host,
      port: options.port,
      yes: true,
    });
    if (code !== 0) {
      println(
        stdout,
        `offboard stopped: the final backup failed; nothing changed (--skip-backup to go on without one)`,
      );
      return 1;
    }
  }
  const file = engine.configFileName(options.stack);
  const secrets = tenantSecretsOf(config, options.tenant);
  const removed = secrets === "entry" ? ` and tenantSecrets.${options.tenant}` : "";
  println(
    stdout,
    `offboard tenant "${options.tenant}": remove tenants[${index}]${removed} from ${file}`,
  );
  println(
    stdout,
    "  the next deploy removes: its namespace, Deployment, Service, Secret, config, routes",
  );
  println(
    stdout,
    "  retained: its PostgreSQL role and database on the server, the final backup and scheduled dumps",
  );
  println(
    stdout,
    `  adding "${options.tenant}" back to this stack later can take them over again (ops deploy --adopt-database ${options.tenant})`,
  );
  if (secrets === "sealed") {
    println(
      stdout,
      `  ${file} sets tenantSecrets as one encrypted value, so its "${options.tenant}" entry, if it has one, stays: the deploy refuses it (tenantSecrets.${options.tenant}: no tenant has id "${options.tenant}") until you set tenantSecrets again without it, never passing the secrets as an argument (shell history, ps): pulumi config get tenantSecrets --stack ${options.stack} | jq -c 'del(.["${options.tenant}"])' | pulumi config set --secret tenantSecrets --stack ${options.stack}`,
    );
  }
  if (!options.yes && !(await ctx.confirm(`remove tenant "${options.tenant}" from ${file}?`))) {
    println(stdout, "nothing written");
    return 1;
  }
  const changes: ConfigChange[] = [{ key: KEY.tenants, path: [index], value: undefined }];
  if (secrets === "entry") {
    changes.push({ key: KEY.tenantSecrets, path: [options.tenant], value: undefined });
  }
  await engine.writeConfig(options.stack, changes);
  const hint = deployHint(options.stack, config, ` --remove-tenant ${options.tenant}`);
  println(
    stdout,
    secrets === "sealed"
      ? `written; once tenantSecrets has no "${options.tenant}" entry, apply it with: ${hint}`
      : `written; apply it with: ${hint}`,
  );
  return 0;
}

/**
 * What the stack file's `tenantSecrets` holds for `tenant`: an `entry` under its id (removed by
 * path, every other tenant's ciphertext left as it is), `none`, or `sealed` when the whole value
 * is one ciphertext (`pulumi config set --secret tenantSecrets '{...}'`), which nothing here can
 * read or edit per tenant.
 */
function tenantSecretsOf(config: StackConfig, tenant: string): "entry" | "none" | "sealed" {
  const value = config[KEY.tenantSecrets];
  if (isSecure(value)) return "sealed";
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "none";
  return Object.hasOwn(value, tenant) ? "entry" : "none";
}
