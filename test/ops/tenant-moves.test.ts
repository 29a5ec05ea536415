/** A tenant created in one stack of an environment while another stack of it still runs it. */
import { describe, expect, it } from "vitest";
import { OpsError } from "../../ops/errors";
import { type OtherStack, refuseRunningElsewhere } from "../../ops/plans/tenant-moves";

const stack = (name: string, running: string[]): OtherStack => ({
  stack: name,
  configFile: `Pulumi.${name}.yaml`,
  history: [],
  running,
});

const S02 = {
  stack: "production-s02",
  environment: "production",
  configFile: "Pulumi.production-s02.yaml",
  platform: "production",
};

describe("refuseRunningElsewhere", () => {
  it.each<{ what: string; created: string[]; others: OtherStack[] }>([
    { what: "no other stack (unsharded)", created: ["acme"], others: [] },
    { what: "nothing created", created: [], others: [stack("production-s01", ["acme"])] },
    {
      what: "other stacks run other tenants",
      created: ["acme"],
      others: [stack("production", []), stack("production-s01", ["globex"])],
    },
  ])("lets it run: $what", ({ created, others }) => {
    expect(() => refuseRunningElsewhere(created, others, S02)).not.toThrow();
  });

  it("names every tenant and stack, and the commands that move them", () => {
    expect(() =>
      refuseRunningElsewhere(
        ["acme", "hooli", "globex", "initech"],
        [
          stack("production", ["hooli"]),
          stack("production-s01", ["acme", "globex", "umbrella"]),
          stack("production-s03", []),
        ],
        S02,
      ),
    ).toThrow(
      new OpsError(
        `this deploy of stack "production-s02" creates tenants that another stack of environment "production" still runs (its tenants output names them): hooli (sp_production_hooli) in stack "production", acme (sp_production_acme), globex (sp_production_globex) in stack "production-s01"; deployed here too, each would run twice: two namespaces on one PostgreSQL role and database. To move them here, deploy each such stack without them first (take hooli out of Pulumi.production.yaml, then npm run ops -- deploy --stack production --remove-tenant hooli; take acme, globex out of Pulumi.production-s01.yaml, then npm run ops -- deploy --stack production-s01 --remove-tenant acme --remove-tenant globex), then this stack, taking their role and database over with their data (npm run ops -- deploy --stack production-s02 --adopt-database hooli --adopt-database acme --adopt-database globex), then the platform (npm run ops -- deploy --stack production: the edge's routes and keys); or take them out of Pulumi.production-s02.yaml`,
      ),
    );
  });
});
