/**
 * Every tenant role can open all of its connections at once and the admin still gets in: the
 * tenants' summed connection limits plus {@link RESERVED_CONNECTIONS} must fit the server's
 * `max_connections`. The config validation and SharedDatabase apply it before anything is
 * registered; `npm run check-database` compares a running server against the same reserve.
 */
import { IN_CLUSTER_MAX_CONNECTIONS } from "../database-defaults";
import type { ConfigProblem } from "./config-problem";

/** Connections the server keeps for its superuser and the platform's own admin sessions. */
export const RESERVED_CONNECTIONS = 5;

/** Connection budget of one server: what the tenants' roles may open against what it allows. */
export interface ConnectionBudget {
  readonly total: number;
  readonly available: number;
  readonly fits: boolean;
}

/** Sum of the tenants' connection limits plus the reserve, against `maxConnections`. */
export function connectionBudget(
  limits: readonly number[],
  maxConnections: number,
): ConnectionBudget {
  const total = limits.reduce((sum, limit) => sum + limit, 0) + RESERVED_CONNECTIONS;
  return { total, available: maxConnections, fits: total <= maxConnections };
}

/**
 * The `max_connections` the tenants must fit: the configured one, else the in-cluster server's
 * default ({@link IN_CLUSTER_MAX_CONNECTIONS}); undefined for an external server that does not
 * say (then it is checked on the server).
 */
export function serverMaxConnections(
  mode: "in-cluster" | "external",
  maxConnections: number | undefined,
): number | undefined {
  return maxConnections ?? (mode === "in-cluster" ? IN_CLUSTER_MAX_CONNECTIONS : undefined);
}

export interface ConnectionBudgetInput {
  readonly mode: "in-cluster" | "external";
  /** `database.maxConnections`, if set. */
  readonly maxConnections?: number;
  /** Each tenant role's connection limit (its plan's `databaseConnections`). */
  readonly connectionLimits: readonly number[];
}

/** A problem when the tenants' connection limits do not fit the server; empty otherwise. */
export function connectionBudgetProblems(input: ConnectionBudgetInput): ConfigProblem[] {
  const max = serverMaxConnections(input.mode, input.maxConnections);
  if (max === undefined) return [];
  const budget = connectionBudget(input.connectionLimits, max);
  if (budget.fits) return [];
  const external = input.mode === "external" ? " (and the server's max_connections)" : "";
  return [
    {
      path: "database.maxConnections",
      received: max,
      message: `tenants' databaseConnections sum to ${budget.total - RESERVED_CONNECTIONS} (+${RESERVED_CONNECTIONS} reserved for the admin), above max_connections; raise database.maxConnections${external} or move tenants to smaller plans`,
    },
  ];
}
