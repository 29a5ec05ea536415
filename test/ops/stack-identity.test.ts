import { describe, expect, it } from "vitest";
import { OpsError } from "../../ops/errors";
import type { StackOutputs, UpdateRecord } from "../../ops/engine";
import { assertSameEnvironment, databaseMoveNote } from "../../ops/plans/stack-identity";
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
        'Pulumi.dev.yaml sets environment "stage", and stack "dev" runs environment "dev": every tenant\'s namespace, PostgreSQL role and database are named after it, so this deploy would delete each tenant\'s namespace and start it on a new, empty database (the old ones stay on the server). An environment keeps its name: set environment back to "dev", or create a new stack for "stage"',
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

describe("databaseMoveNote", () => {
  const ran = (version: number, database: object, result: UpdateRecord["result"] = "succeeded") =>
    update({ version, result, config: recordedConfig({ [DATABASE]: database }) });
  const external = (host: string, port?: number) => ({
    mode: "external",
    host,
    ...(port === undefined ? {} : { port }),
  });
  const note = (from: string, to: string, version = 4) =>
    `note: the database server changes (v${version} ran ${from}, the stack file says ${to}), and tenant data does not move with it: back up each of acme, globex before this deploy (npm run ops -- db backup --stack dev --tenant <id>) and restore each after it (db restore)`;

  it.each([
    {
      name: "another host",
      history: [ran(4, external("db-old.internal"))],
      database: external("db.internal"),
      expected: note("external db-old.internal:5432", "external db.internal:5432"),
    },
    {
      name: "in-cluster to external",
      history: [ran(4, { mode: "in-cluster" })],
      database: external("db.internal", 6432),
      expected: note("in-cluster", "external db.internal:6432"),
    },
    {
      name: "read from the newest successful update, not a failed one",
      history: [ran(5, external("db.internal"), "failed"), ran(4, external("db-old.internal"))],
      database: external("db.internal"),
      expected: note("external db-old.internal:5432", "external db.internal:5432"),
    },
    {
      name: "the default port written out, and the host's case: the same server",
      history: [ran(4, external("DB.internal"))],
      database: external("db.internal", 5432),
      expected: undefined,
    },
    {
      name: "no update recorded a database",
      history: [update({ version: 4, config: recordedConfig({ [ENVIRONMENT]: "dev" }) })],
      database: external("db.internal"),
      expected: undefined,
    },
  ])("$name", ({ history, database, expected }) => {
    expect(databaseMoveNote("dev", history, { [DATABASE]: database }, ["acme", "globex"])).toBe(
      expected,
    );
  });

  it("says nothing when no tenant runs", () => {
    const history = [ran(4, external("db-old.internal"))];
    expect(databaseMoveNote("dev", history, { [DATABASE]: external("db.internal") }, [])).toBe(
      undefined,
    );
  });
});
