/**
 * The operations commands (certs, ...) in one table: each brings its help, its parsing and its
 * run function, so the command line (args.ts, cli.ts) routes to them through one entry.
 */
import type { Command, Spec } from "./args";
import { certs } from "./commands/certs";
import { db, dbAction } from "./commands/db";
import { keys, keysAction } from "./commands/keys";
import { offboard } from "./commands/offboard";
import { usage } from "./commands/usage";
import { parseDuration } from "./command-line/duration";
import type { OpsContext } from "./context";

/** Typed readers over the parsed flags of one command line. */
export interface FlagReader {
  flag(name: string): boolean;
  text(name: string): string | undefined;
  list(name: string): string[];
  /** Throws a usage error naming the flag when it is missing. */
  required(name: string): string;
  /** Throws a usage error unless it is a positive whole number. */
  positiveInt(name: string): number | undefined;
  /** Words besides flags, for commands whose spec takes them. */
  readonly positionals: readonly string[];
}

interface Operation<O> {
  readonly spec: Spec;
  parse(flags: FlagReader): O;
  run(ctx: OpsContext, options: O): Promise<number>;
}

const STACK = { stack: { type: "string", short: "s" } } as const;

function operation<O>(op: Operation<O>): Operation<unknown> {
  return op;
}

const TABLE = {
  certs: operation({
    spec: {
      summary: "the certificate served for each name: issuer, names, expiry, mode",
      usage: "certs --stack S [--address A] [--port N] [--timeout MS]",
      details: `  --stack, -s S   stack to check
  --address A     connect here instead of the stack's proxyAddress (e.g. 127.0.0.1
                  with kubectl port-forward)
  --port N        TLS port (default 443)
  --timeout MS    time each handshake may take (default 5000)
  Connects with SNI for the platform domain and every custom domain and reads the
  certificate actually served. Exits 1 when a name is not covered, a certificate
  expires within 14 days, or it is not what tls.mode configures.`,
      options: {
        ...STACK,
        address: { type: "string" },
        port: { type: "string" },
        timeout: { type: "string" },
      },
    },
    parse: (f) => ({
      stack: f.required("stack"),
      address: f.text("address"),
      port: f.positiveInt("port"),
      timeoutMs: f.positiveInt("timeout"),
    }),
    run: certs,
  }),
  db: operation({
    spec: {
      summary: "a tenant's logical backups: take one, restore one, list them",
      usage:
        "db backup|restore|list --stack S --tenant T [--dir D] [--from FILE] [--host H] [--port N] [--yes]",
      details: `  backup          pg_dump the tenant's database (custom format) into the folder
  restore         pg_restore a dump into it, replacing its tables (asks first)
  list            the tenant's dumps in the folder, newest first
  --stack, -s S   stack the tenant is in
  --tenant, -t T  tenant id
  --dir D         folder of the dumps (default backups/S/T)
  --from FILE     dump to restore (default the newest in the folder)
  --host H, --port N
                  where this machine reaches the server (default: the in-cluster
                  server's admin endpoint, or an external server's own host)
  --yes, -y       restore without asking
  Connects as the tenant's own role, read from its Secret through the current
  kubeconfig context; the password goes to pg_dump in its environment only.`,
      options: {
        ...STACK,
        tenant: { type: "string", short: "t" },
        dir: { type: "string" },
        from: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        yes: { type: "boolean", short: "y" },
      },
      positionals: true,
    },
    parse: (f) => ({
      action: dbAction(f.positionals),
      stack: f.required("stack"),
      tenant: f.required("tenant"),
      dir: f.text("dir"),
      from: f.text("from"),
      host: f.text("host"),
      port: f.positiveInt("port"),
      yes: f.flag("yes"),
    }),
    run: db,
  }),
  keys: operation({
    spec: {
      summary: "a tenant's API keys: show them (masked), rotate, retire the old one",
      usage: "keys show|rotate|retire --stack S --tenant T [--reveal] [--yes]",
      details: `  show            the current (and, during a rotation, previous) key, masked,
                  with a fingerprint; read from the tenant's Secret
  rotate          bump tenants[].apiKey.generation and accept the previous key
                  too, in the stack file (deploy to apply)
  retire          stop accepting the previous key (deploy to apply)
  --stack, -s S   stack the tenant is in
  --tenant, -t T  tenant id
  --reveal        print the keys themselves (to this terminal only)
  --yes, -y       write the stack file without asking
  Keys are never written to a file, the stack config or its history.`,
      options: {
        ...STACK,
        tenant: { type: "string", short: "t" },
        reveal: { type: "boolean" },
        yes: { type: "boolean", short: "y" },
      },
      positionals: true,
    },
    parse: (f) => ({
      action: keysAction(f.positionals),
      stack: f.required("stack"),
      tenant: f.required("tenant"),
      reveal: f.flag("reveal"),
      yes: f.flag("yes"),
    }),
    run: keys,
  }),
  usage: operation({
    spec: {
      summary: "per-tenant requests, 5xx rate, p50/p99 latency, bytes, CPU and memory",
      usage: "usage --stack S [--since D] [--json]",
      details: `  --stack, -s S   stack to measure
  --since D       window (90s, 15m, 2h, 7d; default 24h)
  --json          one JSON document instead of the table
  Traffic comes from the edge proxy's access log (its pods' logs, so only what
  the running proxy pods still hold); CPU and memory from metrics.k8s.io when
  the cluster serves it (metrics-server), summed over the tenant's pods now.`,
      options: { ...STACK, since: { type: "string" }, json: { type: "boolean" } },
    },
    parse: (f) => {
      const since = f.text("since");
      return {
        stack: f.required("stack"),
        since: since === undefined ? undefined : parseDuration(since, "usage: --since"),
        json: f.flag("json"),
      };
    },
    run: usage,
  }),
  offboard: operation({
    spec: {
      summary: "final backup, then remove a tenant from the stack file (its database is kept)",
      usage:
        "offboard --stack S --tenant T [--dir D] [--host H] [--port N] [--skip-backup] [--yes]",
      details: `  --stack, -s S   stack the tenant is in
  --tenant, -t T  tenant id
  --dir D, --host H, --port N
                  as for db backup (the final dump)
  --skip-backup   no final dump (the database is retained either way)
  --yes, -y       write the stack file without asking
  Takes a final pg_dump of the tenant, removes it from Pulumi.S.yaml and says what
  the next deploy (deploy --remove-tenant T) removes and what it keeps.`,
      options: {
        ...STACK,
        tenant: { type: "string", short: "t" },
        dir: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "skip-backup": { type: "boolean" },
        yes: { type: "boolean", short: "y" },
      },
    },
    parse: (f) => ({
      stack: f.required("stack"),
      tenant: f.required("tenant"),
      dir: f.text("dir"),
      host: f.text("host"),
      port: f.positiveInt("port"),
      skipBackup: f.flag("skip-backup"),
      yes: f.flag("yes"),
    }),
    run: offboard,
  }),
};

/** Names of the operations commands. */
export type OperationName = keyof typeof TABLE;

/** The operations commands, for args.ts and cli.ts. */
export const OPERATIONS = {
  specs: Object.fromEntries(Object.entries(TABLE).map(([n, op]) => [n, op.spec])) as Record<
    OperationName,
    Spec
  >,
  has(name: string): name is OperationName {
    return Object.hasOwn(TABLE, name);
  },
  parse(name: OperationName, flags: FlagReader): Command {
    return { name: "operation", command: name, options: TABLE[name].parse(flags) };
  },
  run(ctx: OpsContext, name: OperationName, options: unknown): Promise<number> {
    return TABLE[name].run(ctx, options);
  },
};
