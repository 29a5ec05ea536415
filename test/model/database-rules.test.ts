import { describe, expect, it } from "vitest";
import { IN_CLUSTER_MAX_CONNECTIONS } from "../../model/database-defaults";
import { formatConfigProblem } from "../../model/rules/config-problem";
import {
  connectionBudget,
  connectionBudgetProblems,
  RESERVED_CONNECTIONS,
  serverMaxConnections,
} from "../../model/rules/connection-budget";
import {
  databaseAdminPasswordProblems,
  SET_DATABASE_ADMIN_PASSWORD,
} from "../../model/rules/database-admin-password";
import { databaseAdminSourcesProblems } from "../../model/rules/database-admin-sources";
import { environmentNameProblems } from "../../model/rules/environment-name";

const show = (problems: Parameters<typeof formatConfigProblem>[0][]) =>
  problems.map(formatConfigProblem);

describe("connectionBudget", () => {
  it.each([
    [[], 5, { total: 5, available: 5, fits: true }],
    [[10, 20], 35, { total: 35, available: 35, fits: true }],
    [[10, 20], 34, { total: 35, available: 34, fits: false }],
    [Array<number>(10).fill(20), 200, { total: 205, available: 200, fits: false }],
  ] as const)("limits %j against max_connections %i", (limits, max, expected) => {
    expect(connectionBudget(limits, max)).toEqual(expected);
  });

  it("reserves 5 connections for the admin", () => {
    expect(RESERVED_CONNECTIONS).toBe(5);
  });
});

describe("serverMaxConnections", () => {
  it.each([
    ["in-cluster", undefined, IN_CLUSTER_MAX_CONNECTIONS],
    ["in-cluster", 400, 400],
    ["external", undefined, undefined],
    ["external", 100, 100],
  ] as const)("%s with database.maxConnections %s: %s", (mode, max, expected) => {
    expect(serverMaxConnections(mode, max)).toBe(expected);
  });
});

describe("connectionBudgetProblems", () => {
  it.each([
    { mode: "in-cluster", maxConnections: undefined, connectionLimits: [100, 95], problems: [] },
    {
      mode: "in-cluster",
      maxConnections: undefined,
      connectionLimits: [100, 96],
      problems: [
        `database.maxConnections 200: tenants' databaseConnections sum to 196 (+5 reserved for the admin), above max_connections; raise database.maxConnections or move tenants to smaller plans`,
      ],
    },
    // An external server that does not say is checked on the server (check-database).
    { mode: "external", maxConnections: undefined, connectionLimits: [500, 500], problems: [] },
    {
      mode: "external",
      maxConnections: 40,
      connectionLimits: [20, 20],
      problems: [
        `database.maxConnections 40: tenants' databaseConnections sum to 40 (+5 reserved for the admin), above max_connections; raise database.maxConnections (and the server's max_connections) or move tenants to smaller plans`,
      ],
    },
  ] as const)("$mode, max $maxConnections, limits $connectionLimits", (input) => {
    expect(show(connectionBudgetProblems(input))).toEqual(input.problems);
  });
});

describe("databaseAdminPasswordProblems", () => {
  it.each([
    ["in-cluster", false, []],
    ["in-cluster", true, []],
    ["external", true, []],
    [
      "external",
      false,
      [
        `databaseAdminPassword: is required when database.mode is "external"; run: pulumi config set --secret databaseAdminPassword <value>`,
      ],
    ],
  ] as const)("%s, password set: %s", (mode, adminPasswordSet, expected) => {
    expect(show(databaseAdminPasswordProblems({ mode, adminPasswordSet }))).toEqual(expected);
  });

  it("names the command that sets it", () => {
    expect(SET_DATABASE_ADMIN_PASSWORD).toBe(
      "pulumi config set --secret databaseAdminPassword <value>",
    );
  });
});

describe("databaseAdminSourcesProblems", () => {
  it.each([
    [undefined, [], []],
    [undefined, ["172.16.0.0/12"], []],
    [30432, ["172.16.0.0/12"], []],
    [
      30432,
      [],
      [
        `database.adminSourceCidrs []: is required with database.nodePort 30432: the database's NetworkPolicy admits the admin path only from these sources (kind: the Docker network, 172.16.0.0/12)`,
      ],
    ],
    [30432, ["10.0.0.0/8", "192.168.1.0/24", "100.64.0.0/10"], []],
    [30432, ["203.0.113.0/24", "198.51.100.7/32"], []],
    [
      30432,
      ["0.0.0.0/0"],
      [
        `database.adminSourceCidrs[0] "0.0.0.0/0": would open the database's admin login (node port 30432) to public addresses: it is wider than /24 and not inside one private range; list private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10) or public ranges no wider than /24 (your office's or VPN's addresses)`,
      ],
    ],
    [
      30432,
      ["172.16.0.0/12", "0.0.0.0/1", "128.0.0.0/1"],
      [
        `database.adminSourceCidrs[1] "0.0.0.0/1": would open the database's admin login (node port 30432) to public addresses: it is wider than /24 and not inside one private range; list private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10) or public ranges no wider than /24 (your office's or VPN's addresses)`,
        `database.adminSourceCidrs[2] "128.0.0.0/1": would open the database's admin login (node port 30432) to public addresses: it is wider than /24 and not inside one private range; list private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10) or public ranges no wider than /24 (your office's or VPN's addresses)`,
      ],
    ],
    [
      30432,
      ["203.0.112.0/23", "10.0.0.0/7"],
      [
        `database.adminSourceCidrs[0] "203.0.112.0/23": would open the database's admin login (node port 30432) to public addresses: it is wider than /24 and not inside one private range; list private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10) or public ranges no wider than /24 (your office's or VPN's addresses)`,
        `database.adminSourceCidrs[1] "10.0.0.0/7": would open the database's admin login (node port 30432) to public addresses: it is wider than /24 and not inside one private range; list private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10) or public ranges no wider than /24 (your office's or VPN's addresses)`,
      ],
    ],
    [undefined, ["0.0.0.0/0"], []],
  ] as const)("node port %s, sources %j", (nodePort, adminSourceCidrs, expected) => {
    expect(show(databaseAdminSourcesProblems({ nodePort, adminSourceCidrs }))).toEqual(expected);
  });
});

describe("environmentNameProblems", () => {
  it.each([
    ["dev", 0],
    ["production", 0],
    ["staging2", 0],
    ["dev-team", 1],
    ["Dev", 1],
    ["2dev", 1],
    ["dev_team", 1],
    ["", 1],
  ] as const)("%j: %i problem(s)", (environment, count) => {
    const problems = environmentNameProblems(environment);
    expect(problems).toHaveLength(count);
    for (const problem of problems) {
      expect(formatConfigProblem(problem)).toBe(
        `environment ${JSON.stringify(environment)}: must be letters and digits only (no '-'): names join it with tenant ids, so "dev" + tenant "team-a" and "dev-team" + tenant "a" would share database sp_dev_team_a, and a tenant namespace could equal another environment's {env}-edge`,
      );
    }
  });
});

describe("formatConfigProblem", () => {
  it.each([
    [{ path: "a.b", message: "is required" }, "a.b: is required"],
    [{ path: "a.b", received: 3, message: "too big" }, "a.b 3: too big"],
    [{ path: "a", received: "x", message: "bad" }, 'a "x": bad'],
    [{ path: "a", received: [], message: "empty" }, "a []: empty"],
  ])("%j", (problem, expected) => {
    expect(formatConfigProblem(problem)).toBe(expected);
  });
});
