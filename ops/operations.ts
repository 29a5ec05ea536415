/**
 * The operations commands (certs, ...) in one table: each brings its help, its parsing and its
 * run function, so the command line (args.ts, cli.ts) routes to them through one entry.
 */
import type { Command, Spec } from "./args";
import { certs } from "./commands/certs";
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
