/**
 * `npm run e2e` for every stack file (the examples at the repository root, whatever tenants they
 * hold), and for a fixture that must fail. Needs nginx, openssl and the Debian PostgreSQL
 * (scripts/test-postgres.sh), like the edge and database suites.
 */
import { describe, expect, it } from "vitest";
import { EXAMPLE_DIR, readStackFile, STACKS } from "../../testkit/stack-files";
import { postgresAvailable } from "../../testkit/postgres";
import { runE2eCli } from "./support";

describe("npm run e2e", async () => {
  // In CI a missing server fails here (postgresAvailable throws); elsewhere the suite is skipped.
  if (!(await postgresAvailable())) return it.skip("needs PostgreSQL (scripts/test-postgres.sh)");
  // Pods get loopback addresses with their rendered ports (80, 443, 8080, DNS on 53), their own
  // /etc/resolv.conf in a mount namespace and their uid: that takes root, as CI runs.
  if (process.getuid?.() !== 0)
    return it.skip("needs root (privileged loopback ports, mount namespaces, setuid)");

  it.concurrent.each(STACKS)(
    "stack %s: every rollout, tenant database, edge request and doctor check passes",
    async (stack) => {
      const result = await runE2eCli(["--stack", stack]);
      expect(result.output).toContain(`e2e ${stack}: `);
      const tenants = (readStackFile(stack, EXAMPLE_DIR)["agent-cloud:tenants"] ?? []) as {
        id: string;
        customDomains?: string[];
      }[];
      expect(result.rows.filter((r) => r.status === "FAIL")).toEqual([]);
      expect(result.code).toBe(0);
      expect(tenants.length).toBeGreaterThan(0);
      const edge = result.rows.filter((r) => r.area === "edge").map((r) => r.text);
      for (const { id } of tenants) {
        expect(
          result.rows.some(
            (r) => r.area === "rollout" && r.text.includes(`-tenant-${id}/sp-${id}`),
          ),
        ).toBe(true);
        expect(
          result.rows.some(
            (r) => r.area === "database" && r.text.startsWith(`tenant ${id} connects`),
          ),
        ).toBe(true);
        expect(
          edge.some((t) => t.includes(`with ${id}'s key`) && t.includes(`200 from ${id}`)),
        ).toBe(true);
      }
      expect(edge.some((t) => t.includes("(unknown host)"))).toBe(true);
      expect(edge.some((t) => /stopped\s+502\s+502$/.test(t))).toBe(true);
      expect(result.rows.some((r) => r.area === "doctor")).toBe(true);
      // Every pod runs as the uid its securityContext renders.
      for (const r of result.rows.filter((x) => x.area === "rollout"))
        expect(r.text).toMatch(/\(uid (\d+), running as uid \1\)$/);
    },
    300_000,
  );

  it("reports a tenant whose probes fail like a rollout that never finishes, and exits 1", async () => {
    const result = await runE2eCli([
      "--stack",
      "broken",
      "--dir",
      "test/fixtures/e2e",
      "--rollout-limit",
      "12",
    ]);
    expect(result.code).toBe(1);
    const rollout = result.rows.find((r) =>
      r.text.startsWith("rollout broken-tenant-acme/sp-acme"),
    );
    expect(rollout?.status).toBe("FAIL");
    expect(rollout?.text).toContain("would never finish rolling out");
    // The sample agent checks its key before routing, so a path it does not serve is a 401 too.
    expect(rollout?.text).toContain("GET /api/v2/health → 401");
    // The edge still routes: the tenant without a ready pod answers 502, not another tenant.
    const own = result.rows.find((r) => r.text.startsWith("acme.agents.localhost with acme's key"));
    expect(own?.status).toBe("FAIL");
    expect(own?.text).toMatch(/\s502 from acme$/);
  }, 120_000);
});
