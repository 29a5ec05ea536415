/**
 * The in-cluster server's admin NodePort (the path `pulumi up` reaches it by) is admitted by the
 * database's NetworkPolicy only from listed sources, so a node port without sources is refused
 * rather than left open or silently closed. The config validation and SharedDatabase both apply it.
 */
import type { ConfigProblem } from "./config-problem";

export interface DatabaseAdminSourcesInput {
  /** The admin Service's node port; undefined means there is no admin path. */
  readonly nodePort?: number;
  readonly adminSourceCidrs: readonly string[];
}

/** A problem when a node port is set without the sources it admits; empty otherwise. */
export function databaseAdminSourcesProblems(input: DatabaseAdminSourcesInput): ConfigProblem[] {
  if (input.nodePort === undefined || input.adminSourceCidrs.length > 0) return [];
  return [
    {
      path: "database.adminSourceCidrs",
      received: [],
      message: `is required with database.nodePort ${input.nodePort}: the database's NetworkPolicy admits the admin path only from these sources (kind: the Docker network, 172.16.0.0/12)`,
    },
  ];
}
