import { describe, expect, it } from "vitest";
import type { UpdateRecord } from "../../ops/engine";
import {
  adoptionEnv,
  adoptionLine,
  type RetainedDatabase,
  retainedDatabases,
  unseenHistoryNote,
} from "../../ops/plans/adoption";
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
});
