import { describe, expect, it } from "vitest";
import { OpsError } from "../../ops/errors";
import type { StackOutputs, UpdateRecord } from "../../ops/engine";
import {
  assertSameEnvironment,
  checkDatabaseServer,
  databaseServerOf,
} from "../../ops/plans/stack-identity";
import { recordedConfig, update } from "../../testkit/ops/memory-engine";

const ENVIRONMENT = "agent-cloud:environment";
const DATABASE = "agent-cloud:database";

describe("assertSameEnvironment", () => {
  const outputs = (environment?: string): StackOutputs =>
    environment === undefined ? {} : { environment: { value: environment, secret: false } };

  it("refuses a stack file that renames the environment a stack runs, saying what it would do", () => {
    expect(() =>
      assertSameEnvironment("dev", { [ENVIRONMENT]: "stage" }, outputs("dev"), "Pulumi.dev.yaml"),
    ).toThrow(
      new OpsError(
        'Pulumi.dev.yaml sets environment "stage", and stack "dev" runs environment "dev": every tenant\'s namespace, PostgreSQL role and database are named after it, so this update would delete each tenant\'s namespace and start it on a new, empty database (the old ones stay on the server). An environment keeps its name: set environment back to "dev", or create a new stack for "stage"',
      ),
    );
  });

  it.each([
    { name: "the same environment", configured: "dev", running: "dev" },
    { name: "a stack never deployed (no output)", configured: "dev", running: undefined },
    {
      name: "a stack file with no environment (refused by validation)",
      configured: undefined,
      running: "dev",
    },
  ])("lets $name through", ({ configured, running }) => {
    const config = configured === undefined ? {} : { [ENVIRONMENT]: configured };
    expect(() =>
      assertSameEnvironment("dev", config, outputs(running), "Pulumi.dev.yaml"),
    ).not.toThrow();
  });
});

describe("databaseServerOf", () => {
  it.each([
    { name: "no database section", database: undefined, server: "in-cluster" },
    { name: "in-cluster", database: { mode: "in-cluster" }, server: "in-cluster" },
    {
      name: "an external host, the default port",
      database: { mode: "external", host: "DB.Internal" },
      server: "external db.internal:5432",
    },
    {
      name: "an external host and port",
      database: { mode: "external", host: "db.internal", port: 6432 },
      server: "external db.internal:6432",
    },
    { name: "the whole section as one secret", database: { secure: "v1:abc=" }, server: undefined },
    {
      name: "a host that is a secret",
      database: { mode: "external", host: { secure: "v1:abc=" } },
      server: undefined,
    },
    { name: "a mode it does not know", database: { mode: "managed" }, server: undefined },
  ])("$name: $server", ({ database, server }) => {
    expect(databaseServerOf(database === undefined ? {} : { [DATABASE]: database })).toBe(server);
  });
});

describe("checkDatabaseServer", () => {
  const ran = (
    version: number,
    database: object | undefined,
    message = "deploy",
    result: UpdateRecord["result"] = "succeeded",
  ) =>
    update({
      version,
      result,
      message,
      config: recordedConfig({
        [ENVIRONMENT]: "dev",
        ...(database === undefined ? {} : { [DATABASE]: database }),
      }),
    });
  const external = (host: string, port?: number) => ({
    mode: "external",
    host,
    ...(port === undefined ? {} : { port }),
  });
  const check = (
    history: UpdateRecord[],
    database: object | undefined,
    flags: { shard?: boolean; moved?: boolean; dryRun?: boolean; running?: string[] } = {},
  ) =>
    checkDatabaseServer({
      stack: "dev",
      history,
      config: database === undefined ? {} : { [DATABASE]: database },
      running: flags.running ?? ["acme", "globex"],
      shard: flags.shard ?? false,
      moved: flags.moved ?? false,
      dryRun: flags.dryRun ?? false,
    });
  const refusal = (from: string, to: string, version = 4) =>
    `the database server changes (v${version} ran ${from}, this deploy runs ${to}), and tenant data does not move with it: back up each of acme, globex (npm run ops -- db backup --stack dev --tenant <id>), deploy with --database-moved, then restore each (db restore); or set the stack file's database back to ${from}`;

  it.each([
    {
      name: "another host",
      history: [ran(4, external("db-old.internal"))],
      database: external("db.internal"),
      from: "external db-old.internal:5432",
      to: "external db.internal:5432",
    },
    {
      name: "in-cluster (no database key, the default) to external",
      history: [ran(4, undefined)],
      database: external("db.internal", 6432),
      from: "in-cluster",
      to: "external db.internal:6432",
    },
    {
      name: "external to the default in-cluster (the key removed)",
      history: [ran(4, external("db.internal"))],
      database: undefined,
      from: "external db.internal:5432",
      to: "in-cluster",
    },
    {
      name: "what the newest successful update's release recorded, not a failed one's",
      history: [
        ran(5, external("db.internal"), "deploy database=external%20db.internal:5432", "failed"),
        ran(4, undefined, "deploy database=external%20db-old.internal:5432"),
      ],
      database: external("db.internal"),
      from: "external db-old.internal:5432",
      to: "external db.internal:5432",
    },
  ])("refuses a move to $name, before anything runs", ({ history, database, from, to }) => {
    expect(() => check(history, database)).toThrow(new OpsError(refusal(from, to)));
  });

  it("a shard compares with what its own last update recorded in its release, its file has no database", () => {
    const shardRan = ran(4, undefined, "deploy database=external%20db-old.internal:5432");
    expect(() => check([shardRan], external("db.internal"), { shard: true })).toThrow(
      new OpsError(refusal("external db-old.internal:5432", "external db.internal:5432")),
    );
    // An update from before ops recorded the server: the shard's file says nothing about it.
    expect(check([ran(4, undefined)], external("db.internal"), { shard: true })).toBe(undefined);
  });

  it("--database-moved lets the move run, noted; a preview only notes it", () => {
    const history = [ran(4, external("db-old.internal"))];
    expect(check(history, external("db.internal"), { moved: true })).toBe(
      "note: the database server changes (v4 ran external db-old.internal:5432, this deploy runs external db.internal:5432), and tenant data does not move with it; --database-moved: restore each tenant's data if it is not there yet",
    );
    expect(check(history, external("db.internal"), { dryRun: true })).toBe(
      "note: the database server changes (v4 ran external db-old.internal:5432, this deploy runs external db.internal:5432), and tenant data does not move with it: back up each of acme, globex (npm run ops -- db backup --stack dev --tenant <id>), deploy with --database-moved, then restore each (db restore)",
    );
  });

  it.each([
    {
      name: "the default port written out and the host's case: the same server",
      history: [ran(4, external("DB.internal"))],
      database: external("db.internal", 5432),
      running: ["acme"],
    },
    {
      name: "a first deploy",
      history: [],
      database: external("db.internal"),
      running: [],
    },
    {
      name: "no tenant running",
      history: [ran(4, external("db-old.internal"))],
      database: external("db.internal"),
      running: [],
    },
    {
      name: "an update that recorded no config",
      history: [update({ version: 4, message: "deploy", config: {} })],
      database: external("db.internal"),
      running: ["acme"],
    },
  ])("lets $name through, saying nothing", ({ history, database, running }) => {
    expect(check(history, database, { running })).toBe(undefined);
  });
});
