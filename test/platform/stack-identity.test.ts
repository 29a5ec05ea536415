/**
 * The program's own guard for a hand-run `pulumi up` (stacks/stack-identity.ts): the rules as a
 * table, and the real entry point under mocks with its own stack's last outputs answered through
 * the stack reference it reads itself with.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { databaseServerName } from "../../model/database-server";
import { databaseMovedOverride } from "../../stacks/config/overrides";
import { type RunningStack, runningStackOf, stackIdentityCheck } from "../../stacks/stack-identity";
import { KUBERNETES, PULUMI } from "../../testkit/provider-tokens";
import { runProgram, settledExports, type StackReferenceAnswer } from "../../testkit/mocks";
import { engineConfig } from "../../testkit/stack-files";
import { runSharded } from "./shard-support";

const DEV_SERVER = "external pg-dev.internal.example.com:5432";
const OLD_SERVER = "external pg-old.internal.example.com:5432";
const CONFIG = {
  environment: "dev",
  database: { mode: "external", host: "pg-dev.internal.example.com", port: 5432 },
} as const;
const RUNNING: RunningStack = {
  environment: "dev",
  databaseServer: DEV_SERVER,
  tenants: ["acme", "globex"],
};
const RENAMED =
  'stack "dev" runs environment "dev": every tenant\'s namespace, PostgreSQL role and database are named after it, so this update would delete each tenant\'s namespace and start it on a new, empty database (the old ones stay on the server). An environment keeps its name: set environment back to "dev" in Pulumi.dev.yaml, or create a new stack for "staging"';
const MOVED = `the database server changes (the last update ran ${OLD_SERVER}, this one runs ${DEV_SERVER}), and tenant data does not move with it`;
const HOW =
  "back up each of acme, globex (npm run ops -- db backup --stack dev --tenant <id>), run the update with AGENT_CLOUD_DATABASE_MOVED=1 (npm run ops -- deploy|rollback --stack dev --database-moved sets it), then restore each (db restore)";

describe("databaseServerName", () => {
  it.each([
    [{}, "in-cluster"],
    [{ mode: "in-cluster", host: "ignored" }, "in-cluster"],
    [{ mode: "external", host: "PG.Example.com" }, "external pg.example.com:5432"],
    [{ mode: "external", host: "pg.example.com", port: 6432 }, "external pg.example.com:6432"],
    [{ mode: "external" }, undefined],
    [{ mode: "managed", host: "pg.example.com" }, undefined],
  ])("%j → %s", (database, name) => {
    expect(databaseServerName(database)).toBe(name);
  });
});

describe("runningStackOf", () => {
  it.each([
    [{}, { environment: undefined, databaseServer: undefined, tenants: [] }],
    [
      { environment: "dev", databaseServer: DEV_SERVER, tenants: { acme: {}, globex: {} } },
      { environment: "dev", databaseServer: DEV_SERVER, tenants: ["acme", "globex"] },
    ],
    // Anything unexpected is unknown, never a value to compare against.
    [
      { environment: 7, databaseServer: ["x"], tenants: ["acme"] },
      { environment: undefined, databaseServer: undefined, tenants: [] },
    ],
    [{ tenants: null }, { environment: undefined, databaseServer: undefined, tenants: [] }],
  ])("%j", (outputs, running) => {
    expect(runningStackOf(outputs)).toEqual(running);
  });
});

describe("databaseMovedOverride", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["1", true],
  ])("%j → %s", (value, moved) => {
    expect(databaseMovedOverride({ AGENT_CLOUD_DATABASE_MOVED: value })).toBe(moved);
  });

  it.each(["yes", "true", "0", " 1"])(
    "refuses %j, naming the variable and what it takes",
    (value) => {
      expect(() => databaseMovedOverride({ AGENT_CLOUD_DATABASE_MOVED: value })).toThrow(
        `AGENT_CLOUD_DATABASE_MOVED ${JSON.stringify(value)}: must be 1 (the tenants' data was moved to the stack file's database server) or unset`,
      );
    },
  );
});

describe("stackIdentityCheck", () => {
  const up = { stack: "dev", file: "Pulumi.dev.yaml", moved: false, preview: false };
  it.each<[string, Parameters<typeof stackIdentityCheck>[0], RunningStack, typeof up, object]>([
    ["a stack never deployed", CONFIG, { tenants: [] }, up, { issues: [], notes: [] }],
    ["the same environment and server", CONFIG, RUNNING, up, { issues: [], notes: [] }],
    [
      "a renamed environment, refused in an update",
      { ...CONFIG, environment: "staging" },
      RUNNING,
      up,
      { issues: [{ path: "environment", received: '"staging"', message: RENAMED }], notes: [] },
    ],
    [
      "a renamed environment, refused in a preview too",
      { ...CONFIG, environment: "staging" },
      RUNNING,
      { ...up, preview: true },
      { issues: [{ path: "environment", received: '"staging"', message: RENAMED }], notes: [] },
    ],
    [
      "a new database server under running tenants, refused in an update",
      CONFIG,
      { ...RUNNING, databaseServer: OLD_SERVER },
      up,
      {
        issues: [
          {
            path: "database",
            received: JSON.stringify(DEV_SERVER),
            message: `${MOVED}: ${HOW}; or set database in Pulumi.dev.yaml back to ${OLD_SERVER}`,
          },
        ],
        notes: [],
      },
    ],
    [
      "a new database server, only noted in a preview",
      CONFIG,
      { ...RUNNING, databaseServer: OLD_SERVER },
      { ...up, preview: true },
      { issues: [], notes: [`${MOVED}: ${HOW}`] },
    ],
    [
      "a new database server the operator says the data was moved to",
      CONFIG,
      { ...RUNNING, databaseServer: OLD_SERVER },
      { ...up, moved: true },
      {
        issues: [],
        notes: [
          `${MOVED}; AGENT_CLOUD_DATABASE_MOVED=1: restore each tenant's data if it is not there yet`,
        ],
      },
    ],
    [
      "a new database server with no tenant running",
      CONFIG,
      { ...RUNNING, databaseServer: OLD_SERVER, tenants: [] },
      up,
      { issues: [], notes: [] },
    ],
    [
      "a stack whose last update recorded no server (deployed before the output existed)",
      CONFIG,
      { environment: "dev", tenants: ["acme"] },
      up,
      {
        issues: [],
        notes: [
          "the last update recorded no database server (its program predates the databaseServer output), so this one cannot tell whether its tenants (acme) move to another server; the next update can",
        ],
      },
    ],
  ])("%s", (_, config, running, options, expected) => {
    expect(stackIdentityCheck(config, running, options)).toEqual(expected);
  });
});

/** The real entry point on the dev stack file, its own last outputs answered as `running`. */
async function runDev(
  running: StackReferenceAnswer,
  env: Record<string, string> = {},
  preview = false,
  organization = "organization",
) {
  const { config, secretKeys } = engineConfig("dev");
  vi.resetModules();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await runProgram(
      async () => {
        const stack = (await import("../../stacks/index.js")) as Record<string, unknown>;
        // Every export, as the engine awaits them: the first failure is the run's error (kept
        // here, so the run's resources can be read too).
        const { failure } = await settledExports(stack);
        return {
          databaseServer: stack.databaseServer,
          error: failure === undefined ? undefined : (failure as Error).message,
        };
      },
      {
        stack: "dev",
        config,
        secretKeys,
        preview,
        organization,
        stackReferences: { [`${organization}/agent-cloud/dev`]: running },
      },
    );
  } finally {
    process.env = saved;
  }
}

/** Every resource a run registered, as `type name`. */
const registered = (run: Awaited<ReturnType<typeof runDev>>) =>
  run.resources.map((r) => `${r.type} ${r.name}`).sort();

describe("the program reading its own stack back", () => {
  const deployed = { environment: "dev", databaseServer: DEV_SERVER, tenants: { acme: {} } };
  /** What a first deploy of the stack registers (nothing to read back). */
  let first: string[] = [];
  beforeAll(async () => {
    first = registered(await runDev({ outputs: {} }));
  });

  it("exports where its tenants' databases are, and runs as a first deploy does when nothing moved", async () => {
    const run = await runDev({ outputs: deployed });
    expect(run.result).toEqual({ databaseServer: DEV_SERVER, error: undefined });
    expect(run.get(PULUMI.StackReference, "dev-last-update").inputs).toEqual({
      name: "organization/agent-cloud/dev",
    });
    expect(registered(run)).toEqual(first);
    expect(run.ofType(KUBERNETES.Deployment).length).toBeGreaterThan(0);
  });

  it("registers nothing but the reference when the stack file moves the tenants' database server", async () => {
    const run = await runDev({ outputs: { ...deployed, databaseServer: OLD_SERVER } });
    expect(run.result.error).toBe(
      `stack "dev" refuses this update (1 problem):\n  - database ${JSON.stringify(DEV_SERVER)}: the database server changes (the last update ran ${OLD_SERVER}, this one runs ${DEV_SERVER}), and tenant data does not move with it: back up each of acme (npm run ops -- db backup --stack dev --tenant <id>), run the update with AGENT_CLOUD_DATABASE_MOVED=1 (npm run ops -- deploy|rollback --stack dev --database-moved sets it), then restore each (db restore); or set database in Pulumi.dev.yaml back to ${OLD_SERVER}`,
    );
    expect(run.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      `${PULUMI.StackReference} dev-last-update`,
    ]);
  });

  it("runs the move when AGENT_CLOUD_DATABASE_MOVED=1 says the data was moved", async () => {
    const run = await runDev(
      { outputs: { ...deployed, databaseServer: OLD_SERVER } },
      { AGENT_CLOUD_DATABASE_MOVED: "1" },
    );
    expect(run.result.error).toBeUndefined();
    expect(registered(run)).toEqual(first);
  });

  it("previews a move (noted, not refused) and refuses a rename in a preview too", async () => {
    const moved = await runDev({ outputs: { ...deployed, databaseServer: OLD_SERVER } }, {}, true);
    expect(moved.result.error).toBeUndefined();
    // A preview registers what an update does (preview.test.ts).
    expect(registered(moved)).toEqual(first);
    const renamed = await runDev({ outputs: { ...deployed, environment: "staging" } }, {}, true);
    expect(renamed.result.error).toMatch(
      /environment "dev": stack "dev" runs environment "staging"/,
    );
    expect(registered(renamed)).toEqual([`${PULUMI.StackReference} dev-last-update`]);
  });

  it("refuses an AGENT_CLOUD_DATABASE_MOVED it cannot read before reading anything", async () => {
    const run = await runDev({ outputs: deployed }, { AGENT_CLOUD_DATABASE_MOVED: "yes" });
    expect(run.result.error).toBe(
      `agent-cloud config is invalid (1 problem):\n  - AGENT_CLOUD_DATABASE_MOVED "yes": must be 1 (the tenants' data was moved to the stack file's database server) or unset`,
    );
    expect(run.resources).toEqual([]);
  });

  it("reads itself in the organization the engine runs it in, whatever stackOrganization says", async () => {
    const run = await runDev(
      { outputs: { ...deployed, environment: "staging" } },
      {},
      false,
      "acme-cloud",
    );
    expect(run.resources.map((r) => `${r.name} ${r.inputs.name}`)).toEqual([
      "dev-last-update acme-cloud/agent-cloud/dev",
    ]);
    expect(run.result.error).toMatch(/stack "dev" runs environment "staging"/);
  });

  it("names the platform's stack file, which sets environment and database, for a shard", async () => {
    await expect(
      runSharded("production-s01", {
        references: {
          "organization/agent-cloud/production-s01": {
            outputs: { environment: "staging", tenants: {} },
          },
        },
      }),
    ).rejects.toThrow(
      'stack "production-s01" refuses this update (1 problem):\n  - environment "production": stack "production-s01" runs environment "staging": every tenant\'s namespace, PostgreSQL role and database are named after it, so this update would delete each tenant\'s namespace and start it on a new, empty database (the old ones stay on the server). An environment keeps its name: set environment back to "staging" in Pulumi.production.yaml, or create a new stack for "production"',
    );
  });

  it("registers nothing but the reference when the stack ran another environment", async () => {
    const run = await runDev({ outputs: { ...deployed, environment: "staging" } });
    expect(run.result.error).toBe(
      `stack "dev" refuses this update (1 problem):\n  - environment "dev": stack "dev" runs environment "staging": every tenant's namespace, PostgreSQL role and database are named after it, so this update would delete each tenant's namespace and start it on a new, empty database (the old ones stay on the server). An environment keeps its name: set environment back to "staging" in Pulumi.dev.yaml, or create a new stack for "dev"`,
    );
    expect(run.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      `${PULUMI.StackReference} dev-last-update`,
    ]);
  });
});
