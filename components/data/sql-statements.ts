/**
 * A dynamic resource that runs a fixed list of SQL statements as the database admin, for what
 * the postgresql provider has no resource for (role settings such as `work_mem`) or does not do
 * reliably (revoking PUBLIC's rights on a database the admin does not own: its Grant runs as the
 * admin, which only warns on managed servers, and shows a diff on every preview). The statements
 * come from tenant-sql.ts; the diff is the statement list, so a preview is quiet when nothing
 * changed. Deleting it runs nothing: revoked rights stay revoked.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as PgModule from "pg";
import type { SslMode } from "./database-url";
import type { SqlStatement } from "./tenant-sql";
import { runSqlStatements, type SqlRunResult } from "./sql-runner";

/** Dynamic resources' type tokens are fixed by the SDK: `pulumi-nodejs:dynamic/<module>:<type>`. */
export const SQL_STATEMENTS_TYPE = "pulumi-nodejs:dynamic/agent-cloud:SqlStatements";

/** Where the admin logs in (the postgresql provider's own settings). */
export interface AdminConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: SslMode;
}

interface Inputs {
  readonly connection: AdminConnection;
  readonly statements: readonly SqlStatement[];
}

interface Outputs extends Inputs {
  readonly skipped: SqlRunResult["skipped"];
}

async function apply(inputs: Inputs): Promise<Outputs> {
  // Loaded when the provider runs, not when the program is evaluated (or serialized).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require("pg") as typeof PgModule;
  const c = inputs.connection;
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl: c.sslmode === "disable" ? false : { rejectUnauthorized: c.sslmode === "verify-full" },
    connectionTimeoutMillis: 15_000,
  });
  await client.connect();
  try {
    const result = await runSqlStatements(client, inputs.statements);
    return { ...inputs, skipped: result.skipped };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const provider: pulumi.dynamic.ResourceProvider<Inputs, Outputs> = {
  async create(inputs) {
    return { id: `sql-${inputs.statements.length}`, outs: await apply(inputs) };
  },
  diff(_id, olds, news) {
    const changed = JSON.stringify(olds.statements) !== JSON.stringify(news.statements);
    return Promise.resolve({ changes: changed });
  },
  async update(_id, _olds, news) {
    return { outs: await apply(news) };
  },
  delete() {
    // Nothing to undo: re-granting PUBLIC would reopen the tenant's database.
    return Promise.resolve();
  },
};

export interface SqlStatementsArgs {
  /** The admin's connection; the password is kept secret in the state. */
  readonly connection: pulumi.Input<AdminConnection>;
  /** Statements in order (tenant-sql.ts). */
  readonly statements: readonly SqlStatement[];
}

/** Runs `statements` as the admin when created and whenever the list changes. */
export class SqlStatements extends pulumi.dynamic.Resource {
  /** Optional statements the admin was not allowed to run, with PostgreSQL's reason. */
  declare public readonly skipped: pulumi.Output<SqlRunResult["skipped"]>;

  constructor(name: string, args: SqlStatementsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { connection: args.connection, statements: args.statements, skipped: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "agent-cloud",
      "SqlStatements",
    );
  }
}
