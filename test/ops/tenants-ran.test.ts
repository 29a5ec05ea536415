import { describe, expect, it } from "vitest";
import type { UpdateRecord } from "../../ops/engine";
import { OpsError } from "../../ops/errors";
import { fullUpdates, tenantsRan, tenantsRunBy } from "../../ops/plans/tenants-ran";
import { recordedConfig, update } from "../../testkit/ops/memory-engine";

const ACME = { id: "acme", groups: ["beta"], agentConfig: { model: "a2" } };
const GLOBEX_V1 = { id: "globex", groups: ["stable"], agentConfig: { model: "g1" } };
const GLOBEX_EDIT = { id: "globex", groups: ["stable"], agentConfig: { model: "untested" } };
const REFUSAL = { stack: "dev", instead: "do X instead" };

/** A successful update that recorded `tenants`, limited to `groups` when given. */
function ran(version: number, tenants: object[], groups?: string[], result = "succeeded") {
  return update({
    version,
    result: result as UpdateRecord["result"],
    message: groups === undefined ? "deploy" : `deploy groups=${groups.join(",")}`,
    config: recordedConfig({ "agent-cloud:environment": "dev", "agent-cloud:tenants": tenants }),
  });
}

describe("tenantsRan", () => {
  it.each<{ what: string; history: UpdateRecord[]; only?: string[]; ran: object[] }>([
    {
      what: "a full update ran every entry it recorded",
      history: [ran(2, [ACME, GLOBEX_EDIT]), ran(1, [ACME, GLOBEX_V1])],
      ran: [ACME, GLOBEX_EDIT],
    },
    {
      what: "a group update ran its group's entries, the others' as the full update before it",
      history: [ran(2, [ACME, GLOBEX_EDIT], ["beta"]), ran(1, [ACME, GLOBEX_V1])],
      ran: [ACME, GLOBEX_V1],
    },
    {
      what: "past group updates that left the tenant out, to the group update that ran it",
      history: [
        ran(4, [ACME, GLOBEX_EDIT], ["beta"]),
        ran(3, [ACME, GLOBEX_EDIT], ["beta"]),
        ran(2, [ACME, GLOBEX_V1], ["stable"]),
        ran(1, [ACME, { ...GLOBEX_V1, agentConfig: { model: "g0" } }]),
      ],
      ran: [ACME, GLOBEX_V1],
    },
    {
      what: "past failed updates, which are not what ran",
      history: [
        ran(3, [ACME, GLOBEX_EDIT], ["beta"]),
        ran(2, [ACME, GLOBEX_EDIT], undefined, "failed"),
        ran(1, [ACME, GLOBEX_V1]),
      ],
      ran: [ACME, GLOBEX_V1],
    },
    {
      what: "a tenant no update ran (the full update before had none) is left out",
      history: [ran(2, [ACME, GLOBEX_EDIT], ["beta"]), ran(1, [ACME])],
      ran: [ACME],
    },
    {
      what: "a group update of every tenant needs no earlier update",
      history: [ran(1, [ACME, { ...GLOBEX_EDIT, groups: ["beta"] }], ["beta"])],
      ran: [ACME, { ...GLOBEX_EDIT, groups: ["beta"] }],
    },
    {
      what: "only the tenants asked for",
      history: [ran(2, [ACME, GLOBEX_EDIT], ["beta"]), ran(1, [ACME, GLOBEX_V1])],
      only: ["globex"],
      ran: [GLOBEX_V1],
    },
  ])("$what", ({ history, only, ran: expected }) => {
    expect(tenantsRan(history, history[0]!, REFUSAL, only)).toEqual(expected);
  });

  it.each<{ what: string; history: UpdateRecord[] }>([
    {
      what: "no earlier update",
      history: [ran(1, [ACME, GLOBEX_EDIT], ["beta"])],
    },
    {
      what: "an earlier update whose tenants are recorded as a secret",
      history: [
        ran(2, [ACME, GLOBEX_EDIT], ["beta"]),
        update({
          version: 1,
          config: { "agent-cloud:tenants": { secret: true } },
        }),
      ],
    },
    {
      what: "an earlier update that recorded no config",
      history: [ran(2, [ACME, GLOBEX_EDIT], ["beta"]), update({ version: 1, config: {} })],
    },
  ])("refuses what it cannot reconstruct: $what", ({ history }) => {
    const target = history[0]!;
    expect(() => tenantsRan(history, target, REFUSAL)).toThrow(
      new OpsError(
        `update v${target.version} of stack "dev" was deployed with --group beta (tenants acme) and no earlier update in the stack's history records what tenant globex ran then, so what v${target.version} ran cannot be reconstructed; do X instead`,
      ),
    );
  });

  it.each<{ what: string; config: UpdateRecord["config"]; why: string; advice: string }>([
    {
      what: "tenants recorded as a secret",
      config: {
        "agent-cloud:environment": { value: "dev", secret: false },
        "agent-cloud:tenants": { secret: true },
      },
      why: "recorded agent-cloud:tenants as a secret (a value under it was set with --secret) and ops never decrypts history",
      advice:
        "; set agent-cloud:tenants without --secret (secrets belong in tenantSecrets: pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>) and deploy, so later updates can be read",
    },
    { what: "no config recorded", config: {}, why: "recorded no config", advice: "" },
  ])(
    "refuses an update whose own tenants cannot be read, never taking it for one without tenants: $what",
    ({ config, why, advice }) => {
      const history = [update({ version: 2, config }), ran(1, [ACME])];
      expect(() => tenantsRan(history, history[0]!, REFUSAL)).toThrow(
        new OpsError(
          `update v2 of stack "dev" ${why}, so what it ran cannot be read; do X instead${advice}`,
        ),
      );
    },
  );

  it("names every group of the update", () => {
    const history = [ran(1, [ACME, GLOBEX_EDIT, { id: "initech" }], ["beta", "eu"])];
    expect(() => tenantsRan(history, history[0]!, REFUSAL)).toThrow(
      new OpsError(
        'update v1 of stack "dev" was deployed with --group beta --group eu (tenants acme) and no earlier update in the stack\'s history records what tenants globex, initech ran then, so what v1 ran cannot be reconstructed; do X instead',
      ),
    );
  });
});

describe("fullUpdates", () => {
  it("lists the successful updates not limited to groups, newest first", () => {
    const history = [
      ran(5, [ACME], ["beta"]),
      ran(4, [ACME], undefined, "failed"),
      update({ version: 3, kind: "refresh" }),
      ran(2, [ACME]),
      ran(1, [ACME]),
    ];
    expect(fullUpdates(history).map((u) => u.version)).toEqual([2, 1]);
  });
});

describe("tenantsRunBy", () => {
  it.each<{ what: string; update: UpdateRecord; ids: string[] | undefined }>([
    {
      what: "a full update: every entry",
      update: ran(1, [ACME, GLOBEX_V1]),
      ids: ["acme", "globex"],
    },
    {
      what: "a group update: its groups' entries",
      update: ran(1, [ACME, GLOBEX_V1], ["beta"]),
      ids: ["acme"],
    },
    {
      what: "a group update of no recorded tenant",
      update: ran(1, [GLOBEX_V1], ["beta"]),
      ids: [],
    },
    {
      what: "no config recorded: unreadable",
      update: update({ version: 1, config: {} }),
      ids: undefined,
    },
    {
      what: "tenants recorded as a secret: unreadable",
      update: update({ version: 1, config: { "agent-cloud:tenants": { secret: true } } }),
      ids: undefined,
    },
  ])("$what", ({ update: recorded, ids }) => {
    expect(tenantsRunBy(recorded)).toEqual(ids);
  });
});
