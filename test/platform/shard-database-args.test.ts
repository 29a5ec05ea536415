/**
 * A shard's TenantDatabases get the environment's `database.maxConnections`, so the connection
 * budget (model/rules/connection-budget.ts) is checked for sharded tenants as for unsharded ones.
 */
import { describe, expect, it } from "vitest";
import { sharedDatabaseProblems } from "../../components/data/shared-database-args";
import {
  type ResolvedTenantShardArgs,
  shardDatabaseArgs,
} from "../../components/shard/tenant-shard";

const database = {
  mode: "external",
  protect: true,
  host: "pg.example.com",
  port: 5432,
  sslmode: "require",
  adminUser: "postgres",
  adminDatabase: "postgres",
  networkCidrs: [],
} as const;

/** Only the fields shardDatabaseArgs reads. */
function shard(maxConnections: number | undefined): ResolvedTenantShardArgs {
  const db = { ...database, maxConnections };
  return {
    platformStack: "organization/agent-cloud/production",
    database: db,
    config: {
      environment: "production",
      database: db,
      tenants: [],
      secrets: { databaseAdminPassword: undefined },
    },
  } as unknown as ResolvedTenantShardArgs;
}

describe("shardDatabaseArgs", () => {
  it.each([
    [undefined, undefined, []],
    [200, 200, []],
    [
      4,
      4,
      [
        `database.maxConnections 4: tenants' databaseConnections sum to 0 (+5 reserved for the admin), above max_connections; raise database.maxConnections (and the server's max_connections) or move tenants to smaller plans`,
      ],
    ],
  ])("maxConnections %s is passed on and checked", (given, passed, budgetProblems) => {
    const args = shardDatabaseArgs(shard(given));
    expect(args.maxConnections).toBe(passed);
    const problems = sharedDatabaseProblems({ ...args, mode: "external" });
    expect(problems.filter((problem) => problem.startsWith("database.maxConnections"))).toEqual(
      budgetProblems,
    );
  });
});
