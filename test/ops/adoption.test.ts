import { describe, expect, it } from "vitest";
import type { UpdateRecord } from "../../ops/engine";
import { OpsError } from "../../ops/errors";
import {
  adoptionEnv,
  adoptedKeysLine,
  adoptionLine,
  chooseAdoptions,
  type RetainedDatabase,
  retainedDatabases,
  unseenHistoryNote,
} from "../../ops/plans/adoption";
import { apiKeyGenerationOf, holdsApiKeySeed } from "../../ops/plans/api-keys";
import type { OtherStack } from "../../ops/plans/tenant-moves";
import { KEY } from "../../ops/stack-config";
import { recordedConfig, update } from "../../testkit/ops/memory-engine";

const ACME = { id: "acme", groups: ["beta"] };
const GLOBEX = { id: "globex", groups: ["stable"] };
const INITECH = { id: "initech", groups: ["stable"] };
const IMAGE = "r/a@sha256:0000000000000000000000000000000000000000000000000000000000000000";

/** A successful update that recorded `tenants`, limited to `groups` when given. */
function ran(
  version: number,
  tenants: object[],
  groups?: string[],
  partial: Partial<UpdateRecord> = {},
) {
  return update({
    version,
    message: groups === undefined ? "deploy" : `deploy groups=${groups.join(",")}`,
    config: recordedConfig({ "agent-cloud:environment": "dev", "agent-cloud:tenants": tenants }),
    ...partial,
  });
}

const running = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, IMAGE]));

/** An update `ran` at minute `minute` of the day (versions are per stack, times are not). */
function ranAt(minute: number, version: number, tenants: object[], groups?: string[]) {
  const at = new Date(Date.UTC(2026, 10, 1, 0, minute));
  return ran(version, tenants, groups, { startTime: at, endTime: at });
}

/** Another stack of the environment: production-s01 unless named. */
function other(history: UpdateRecord[], stack = "production-s01"): OtherStack {
  return { stack, configFile: `Pulumi.${stack}.yaml`, history, running: [] };
}

describe("retainedDatabases", () => {
  it.each<{
    what: string;
    history: UpdateRecord[];
    running: Record<string, string>;
    configured: string[];
    retained: RetainedDatabase[];
  }>([
    {
      what: "a tenant a full update ran, removed since and configured again",
      history: [ran(3, [ACME]), ran(2, [ACME, GLOBEX]), ran(1, [ACME, GLOBEX])],
      running: running("acme"),
      configured: ["acme", "globex"],
      retained: [{ id: "globex", lastRun: 2 }],
    },
    {
      what: "a brand-new tenant no update ran: created, not taken over",
      history: [ran(1, [ACME])],
      running: running("acme"),
      configured: ["acme", "globex"],
      retained: [],
    },
    {
      what: "a tenant running now: nothing is created",
      history: [ran(1, [ACME, GLOBEX])],
      running: running("acme", "globex"),
      configured: ["acme", "globex"],
      retained: [],
    },
    {
      what: "a group update ran only its groups' tenants, though it recorded every one",
      history: [ran(3, [ACME]), ran(2, [ACME, GLOBEX], ["beta"]), ran(1, [ACME])],
      running: running("acme"),
      configured: ["acme", "globex"],
      retained: [],
    },
    {
      what: "a group update that ran the tenant",
      history: [ran(3, [ACME]), ran(2, [ACME, GLOBEX], ["stable"]), ran(1, [ACME, GLOBEX])],
      running: running("acme"),
      configured: ["acme", "globex"],
      retained: [{ id: "globex", lastRun: 2 }],
    },
    {
      what: "failed updates, previews and refreshes did not run it",
      history: [
        ran(4, [ACME, GLOBEX], undefined, { result: "failed" }),
        ran(3, [ACME, GLOBEX], undefined, { kind: "preview" }),
        ran(2, [ACME, GLOBEX], undefined, { kind: "refresh" }),
        ran(1, [ACME]),
      ],
      running: running("acme"),
      configured: ["acme", "globex"],
      retained: [],
    },
    {
      what: "updates whose tenants cannot be read are skipped, the others still count",
      history: [
        update({ version: 4, config: {} }),
        update({
          version: 3,
          config: {
            "agent-cloud:environment": { value: "dev", secret: false },
            "agent-cloud:tenants": { secret: true },
          },
        }),
        ran(2, [ACME, GLOBEX]),
      ],
      running: running("acme"),
      configured: ["acme", "globex"],
      retained: [{ id: "globex", lastRun: 2 }],
    },
    {
      what: "the newest update that ran each, in configured order, once each",
      history: [
        ran(5, [ACME]),
        ran(4, [ACME, INITECH]),
        ran(3, [ACME, GLOBEX]),
        ran(1, [ACME, GLOBEX, INITECH]),
      ],
      running: running("acme"),
      configured: ["initech", "globex", "acme", "globex"],
      retained: [
        { id: "initech", lastRun: 4 },
        { id: "globex", lastRun: 3 },
      ],
    },
    {
      what: "a tenant ran but not configured now is not created",
      history: [ran(2, [ACME]), ran(1, [ACME, GLOBEX])],
      running: running("acme"),
      configured: ["acme"],
      retained: [],
    },
    {
      what: "no history",
      history: [],
      running: {},
      configured: ["acme"],
      retained: [],
    },
  ])("$what", ({ history, running: now, configured, retained }) => {
    expect(retainedDatabases(history, now, configured)).toEqual(retained);
  });
});

describe("retainedDatabases with the environment's other stacks (tenant shards)", () => {
  it.each<{
    what: string;
    history: UpdateRecord[];
    others: OtherStack[];
    retained: RetainedDatabase[];
  }>([
    {
      what: "a tenant only another stack ran (moved here): retained, naming that stack",
      history: [ranAt(10, 1, [ACME])],
      others: [other([ranAt(30, 2, [GLOBEX]), ranAt(20, 1, [GLOBEX, INITECH])])],
      retained: [{ id: "initech", lastRun: 1, stack: "production-s01" }],
    },
    {
      what: "ran here, then moved to another stack and removed there: that stack ran it last",
      history: [ranAt(20, 2, [ACME]), ranAt(10, 1, [ACME, INITECH])],
      others: [other([ranAt(40, 5, []), ranAt(30, 4, [INITECH])])],
      retained: [{ id: "initech", lastRun: 4, stack: "production-s01" }],
    },
    {
      what: "ran elsewhere first, then here: this stack ran it last",
      history: [ranAt(40, 3, [ACME]), ranAt(30, 2, [ACME, INITECH])],
      others: [other([ranAt(20, 7, []), ranAt(10, 6, [INITECH])])],
      retained: [{ id: "initech", lastRun: 2 }],
    },
    {
      what: "the same time here and elsewhere: this stack",
      history: [ranAt(10, 1, [INITECH])],
      others: [other([ranAt(10, 1, [INITECH])])],
      retained: [{ id: "initech", lastRun: 1 }],
    },
    {
      what: "of two other stacks, the one that ran it last",
      history: [],
      others: [
        other([ranAt(10, 1, [INITECH])], "production"),
        other([ranAt(30, 3, [INITECH]), ranAt(5, 1, [INITECH])], "production-s01"),
        other([ranAt(20, 9, [INITECH])], "production-s03"),
      ],
      retained: [{ id: "initech", lastRun: 3, stack: "production-s01" }],
    },
    {
      what: "another stack's --group update outside the tenant's groups, or failed update, did not run it",
      history: [],
      others: [
        other([
          { ...ranAt(30, 3, [INITECH]), result: "failed" },
          ranAt(20, 2, [ACME, INITECH], ["beta"]),
        ]),
      ],
      retained: [],
    },
    {
      what: "running here: nothing is created, whoever ran it",
      history: [],
      others: [other([ranAt(10, 1, [ACME])])],
      retained: [],
    },
  ])("$what", ({ history, others, retained }) => {
    expect(retainedDatabases(history, running("acme"), ["acme", "initech"], others)).toEqual(
      retained,
    );
  });
});

describe("chooseAdoptions of a tenant another stack ran", () => {
  const where = { stack: "production-s02", environment: "production", creatable: ["acme"] };

  it("is refused naming that stack and the update that ran it last", () => {
    expect(() =>
      chooseAdoptions(
        [{ id: "acme", lastRun: 4, stack: "production-s01" }],
        { adopt: [], fresh: [] },
        where,
      ),
    ).toThrow(
      new OpsError(
        'this deploy of stack "production-s02" creates tenants that ran in environment "production" before and whose PostgreSQL role and database are retained on the server: acme (sp_production_acme, last run by v4 of stack "production-s01"); creating them again would fail. For each, pass --adopt-database ID to take them over with their data (the same tenant coming back, or moved here from another stack), or back them up and drop them on the server (DROP DATABASE <name>; DROP ROLE <name>) and pass --new-database ID to start it with an empty one (a new tenant reusing the id)',
      ),
    );
  });

  it("beside one this stack ran, says which stack ran each", () => {
    expect(() =>
      chooseAdoptions(
        [
          { id: "acme", lastRun: 4, stack: "production-s01" },
          { id: "globex", lastRun: 2 },
        ],
        { adopt: [], fresh: [] },
        { ...where, creatable: ["acme", "globex"] },
      ),
    ).toThrow(
      /: acme \(sp_production_acme, last run by v4 of stack "production-s01"\), globex \(sp_production_globex, last run by v2 of this stack\); /,
    );
  });

  it("--adopt-database or --new-database decides it", () => {
    const moved = { id: "acme", lastRun: 4, stack: "production-s01" };
    expect(chooseAdoptions([moved], { adopt: ["acme"], fresh: [] }, where)).toEqual([moved]);
    expect(chooseAdoptions([moved], { adopt: [], fresh: ["acme"] }, where)).toEqual([]);
  });
});

describe("adoptionEnv and adoptionLine", () => {
  it("sets AGENT_CLOUD_ADOPT_DATABASES to the ids, comma-separated, and nothing for none", () => {
    const retained = [
      { id: "acme", lastRun: 12 },
      { id: "globex", lastRun: 9 },
    ];
    expect(adoptionEnv(retained)).toEqual({ AGENT_CLOUD_ADOPT_DATABASES: "acme,globex" });
    expect(adoptionEnv([])).toEqual({});
    expect(adoptionLine(retained)).toBe(
      "taking over the retained database and role of acme (removed after v12), globex (removed after v9) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=acme,globex)",
    );
  });

  it("names the other stack that ran a tenant last", () => {
    expect(
      adoptionLine([
        { id: "acme", lastRun: 4, stack: "production-s01" },
        { id: "globex", lastRun: 9 },
        { id: "initech" },
      ]),
    ).toBe(
      'taking over the retained database and role of acme (removed from stack "production-s01" after v4), globex (removed after v9), initech (named by the operator) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=acme,globex,initech)',
    );
  });
});

describe("adoptedKeysLine", () => {
  const HAND_OUT =
    "once the update has run, give their clients the key npm run ops -- keys show --stack production-s02 --tenant <id> --reveal shows";
  it.each([
    [
      "generation 0, wherever it ran",
      { id: "acme", lastRun: 4, stack: "production-s01" },
      0,
      true,
      "acme (a new API key: generation 0's is random and went with it)",
    ],
    [
      "rotated, moved from another shard",
      { id: "acme", lastRun: 4, stack: "production-s01" },
      2,
      true,
      `acme (a new generation-2 API key: this stack's key seed derives it, not stack "production-s01"'s)`,
    ],
    [
      "rotated, back to this stack, whose seed is kept",
      { id: "acme", lastRun: 9 },
      2,
      true,
      "acme (its generation-2 API key again, derived from this stack's key seed (unless that seed was created anew since))",
    ],
    [
      "rotated, back to this stack, whose seed is created anew",
      { id: "acme", lastRun: 9 },
      3,
      false,
      "acme (a new generation-3 API key: this stack's key seed is created anew)",
    ],
  ])("%s", (_label, retained, generation, keySeedKept, expected) => {
    expect(adoptedKeysLine("production-s02", [retained], { acme: generation }, keySeedKept)).toBe(
      `API keys: ${expected}; ${HAND_OUT}`,
    );
  });

  it("lists every tenant taken over, a tenant with no generation given as generation 0", () => {
    expect(
      adoptedKeysLine("production-s02", [{ id: "acme", lastRun: 1 }, { id: "initech" }], {}, false),
    ).toBe(
      `API keys: acme (a new API key: generation 0's is random and went with it), initech (a new API key: generation 0's is random and went with it); ${HAND_OUT}`,
    );
  });
});

describe("apiKeyGenerationOf and holdsApiKeySeed", () => {
  it.each([
    [{ [KEY.tenants]: [{ id: "acme", apiKey: { generation: 3 } }] }, 3],
    [{ [KEY.tenants]: [{ id: "acme" }] }, 0],
    [{ [KEY.tenants]: [{ id: "acme", apiKey: { generation: "2" } }] }, 0],
    [{ [KEY.tenants]: { secret: true } }, 0],
    [{}, 0],
  ])("%j: generation %s", (config, generation) => {
    expect(apiKeyGenerationOf(config, "acme")).toBe(generation);
  });

  const resource = (type: string, name: string) => ({
    type,
    urn: `urn:pulumi:dev::agent-cloud::agent-cloud:index:Platform$${type}::${name}`,
  });
  it.each([
    [[resource("random:index/randomPassword:RandomPassword", "dev-api-key-seed")], true],
    [[resource("random:index/randomPassword:RandomPassword", "dev-tenant-acme-api-key")], false],
    [[resource("kubernetes:core/v1:Secret", "dev-api-key-seed")], false],
    [[], false],
  ])("%j: %s", (resources, holds) => {
    expect(holdsApiKeySeed(resources as never)).toBe(holds);
  });
});

describe("unseenHistoryNote", () => {
  const secretTenants = (version: number) =>
    update({ version, message: "deploy", config: { "agent-cloud:tenants": { secret: true } } });
  const NOTE_V3 =
    "note: v3 of this stack cannot be read (tenants recorded as a secret, or no config recorded), so whether it ran globex is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it";

  it.each<{
    what: string;
    history: UpdateRecord[];
    created: string[];
    accounted: string[];
    note?: string;
  }>([
    {
      what: "an update recorded tenants as a secret: a created tenant is unknown",
      history: [ran(4, [ACME]), secretTenants(3), ran(2, [ACME])],
      created: ["globex"],
      accounted: [],
      note: NOTE_V3,
    },
    {
      what: "an update recorded no config at all; a failed one is never counted",
      history: [
        update({ version: 5, result: "failed", config: {} }),
        ran(4, [ACME]),
        update({ version: 3, message: "deploy", config: {} }),
      ],
      created: ["globex"],
      accounted: [],
      note: NOTE_V3,
    },
    {
      what: "two unreadable updates and two unknown tenants, one accounted for",
      history: [secretTenants(6), ran(4, [ACME]), secretTenants(3)],
      created: ["acme", "globex", "initech"],
      accounted: ["acme"],
      note: "note: v6, v3 of this stack cannot be read (tenants recorded as a secret, or no config recorded), so whether they ran globex, initech is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it",
    },
    {
      what: "every created tenant seen in history or named by the operator",
      history: [ran(4, [ACME]), secretTenants(3)],
      created: ["globex", "initech"],
      accounted: ["globex", "initech"],
    },
    {
      what: "every update readable",
      history: [ran(4, [ACME]), ran(3, [GLOBEX])],
      created: ["initech"],
      accounted: [],
    },
  ])("$what", ({ history, created, accounted, note }) => {
    expect(unseenHistoryNote(history, created, accounted)).toBe(note);
  });

  it.each<{ what: string; history: UpdateRecord[]; others: OtherStack[]; note?: string }>([
    {
      what: "another stack's unreadable update",
      history: [ran(4, [ACME])],
      others: [other([ran(2, [ACME]), secretTenants(1)])],
      note: 'note: v1 of stack "production-s01" cannot be read (tenants recorded as a secret, or no config recorded), so whether it ran globex is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it',
    },
    {
      what: "this stack's and two other stacks' unreadable updates",
      history: [secretTenants(3)],
      others: [
        other([secretTenants(5), update({ version: 4, message: "deploy", config: {} })]),
        other([ran(1, [ACME])], "production"),
        other([secretTenants(2)], "production-s03"),
      ],
      note: 'note: v3 of this stack and v5, v4 of stack "production-s01" and v2 of stack "production-s03" cannot be read (tenants recorded as a secret, or no config recorded), so whether they ran globex is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it',
    },
    {
      what: "every other stack readable",
      history: [ran(4, [ACME])],
      others: [other([ran(2, [ACME])]), other([], "production")],
    },
  ])("$what", ({ history, others, note }) => {
    expect(unseenHistoryNote(history, ["globex"], [], others)).toBe(note);
  });
});
