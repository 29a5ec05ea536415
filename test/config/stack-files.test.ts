import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../stacks/config/parse";
import { SecretValue } from "../../model/secret-value";
import { checkStackConfig, type ProjectConfig } from "../../stacks/config/stack-file";
import { EXAMPLE_DIR, rawConfig, readStackFile, STACKS } from "../../testkit/stack-files";

describe("the three stack files (fixture copies under testkit/fixtures/stacks) parse", () => {
  it.each(STACKS)("Pulumi.%s.yaml is valid with its operator secrets", (stack) => {
    const { raw, secretKeys } = rawConfig(stack);
    const config = parseConfig(raw, { secretKeys });
    expect(config.environment).toBe(stack);
    expect(config.apiKeyPrefix).toBe(`ac_${stack}_`);
    expect(config.tenants.length).toBeGreaterThanOrEqual(2);
  });

  it("local needs no cloud account: no DNS provider, self-signed TLS, in-cluster database", () => {
    const { raw, secretKeys } = rawConfig("local");
    const c = parseConfig(raw, { secretKeys });
    expect(c.dns).toEqual({ provider: "none" });
    expect(c.tls.mode).toBe("self-signed");
    expect(c.database.mode).toBe("in-cluster");
    expect(c.database.protect).toBe(false);
    expect(c.proxy.serviceType).toBe("NodePort");
    // BuildKit on the host network, so it can push to the registry on localhost:5001.
    expect(c.image.builder).toBe("agent-cloud-local");
    expect(c.tenants.map((t) => t.id)).toEqual(["acme", "globex"]);
    expect(c.tenants.map((t) => t.hosts)).toEqual([
      ["acme.agents.localhost"],
      ["globex.agents.localhost"],
    ]);
  });

  it("dev and production use Cloudflare, a registry and tenants in groups", () => {
    for (const stack of ["dev", "production"] as const) {
      const { raw, secretKeys } = rawConfig(stack);
      const c = parseConfig(raw, { secretKeys });
      expect(c.dns.provider).toBe("cloudflare");
      expect(c.image.repository).toMatch(/^ghcr\.io\//);
      expect(new Set(c.tenants.flatMap((t) => t.groups))).toEqual(
        new Set(["early-access", "general"]),
      );
    }
  });

  it("production protects its external database and keeps secrets wrapped", () => {
    const { raw, secretKeys } = rawConfig("production");
    const c = parseConfig(raw, { secretKeys });
    expect(c.database.mode).toBe("external");
    expect(c.database.protect).toBe(true);
    expect(c.secrets.databaseAdminPassword).toBeInstanceOf(SecretValue);
    const acme = c.tenants.find((t) => t.id === "acme");
    expect(Object.keys(acme?.secrets ?? {})).toEqual(["ANTHROPIC_API_KEY"]);
    // A parsed config can be logged or snapshotted without leaking anything.
    const printed = JSON.stringify(c);
    expect(printed).not.toContain("sk-ant-test");
    expect(printed).not.toContain("pg-admin-test-password");
    expect(printed).toContain('"databaseAdminPassword":"[secret]"');
  });

  it("dev and production share no namespace prefix, key prefix or domain", () => {
    const dev = parseConfig(rawConfig("dev").raw, { secretKeys: rawConfig("dev").secretKeys });
    const prod = parseConfig(rawConfig("production").raw, {
      secretKeys: rawConfig("production").secretKeys,
    });
    expect(dev.apiKeyPrefix).not.toBe(prod.apiKeyPrefix);
    expect(dev.environment).not.toBe(prod.environment);
    const devHosts = new Set(
      dev.tenants.flatMap((t) => t.hosts.filter((h) => h.endsWith(dev.domain))),
    );
    expect(prod.tenants.flatMap((t) => t.hosts).filter((h) => devHosts.has(h))).toEqual([]);
  });
});

describe("the example stack files a user edits", () => {
  /** `secure:` stand-ins for the secrets a stack file's comments tell the operator to set. */
  function withOperatorSecrets(config: Record<string, unknown>): Record<string, unknown> {
    const secure = { secure: "v1:stand-in" };
    const has = (key: string, field: string, value?: unknown) => {
      const v = (config[`agent-cloud:${key}`] ?? {}) as Record<string, unknown>;
      return value === undefined ? v[field] !== undefined : v[field] === value;
    };
    return {
      ...config,
      ...(has("dns", "provider", "cloudflare") ? { "cloudflare:apiToken": secure } : {}),
      ...(has("database", "mode", "external")
        ? { "agent-cloud:databaseAdminPassword": secure }
        : {}),
      ...(has("image", "registryUsername") ? { "agent-cloud:registryPassword": secure } : {}),
    };
  }

  it.each(STACKS)(
    "Pulumi.%s.yaml passes check-config once its commented secrets are set, whatever its tenants",
    (stack) => {
      const config = checkStackConfig(
        withOperatorSecrets(readStackFile(stack, EXAMPLE_DIR)),
        projectConfig(),
      );
      expect(config.environment).toBe(stack);
    },
  );

  it("the stacks of one Cloudflare zone name one owner of its fallback origin (Cloudflare keeps one per zone; no stack sees the others')", () => {
    const dns = (stack: string) =>
      (readStackFile(stack, EXAMPLE_DIR)["agent-cloud:dns"] ?? {}) as {
        zoneId?: string;
        ownsFallbackOrigin?: boolean;
      };
    const byZone = new Map<string, string[]>();
    for (const stack of STACKS) {
      const { zoneId } = dns(stack);
      if (zoneId !== undefined) byZone.set(zoneId, [...(byZone.get(zoneId) ?? []), stack]);
    }
    const owners = [...byZone.values()].map((stacks) => ({
      stacks,
      owners: stacks.filter((stack) => dns(stack).ownsFallbackOrigin === true),
    }));
    expect(owners).toEqual([{ stacks: ["dev", "production"], owners: ["production"] }]);
  });

  it.each(["dev", "production"] as const)(
    "Pulumi.%s.yaml names its cluster's kubeconfig context",
    (stack) => {
      expect(readStackFile(stack, EXAMPLE_DIR)["kubernetes:context"]).toMatch(/^\S+$/);
    },
  );
});

function projectConfig(): ProjectConfig {
  return (
    parse(readFileSync(join(EXAMPLE_DIR, "Pulumi.yaml"), "utf8")) as { config: ProjectConfig }
  ).config;
}
