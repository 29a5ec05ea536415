import { edgeCertificateProblem } from "../../model/edge-certificate";
import { edgeSecurityIssues, resolveProxy, resolvePublicPaths } from "./edge-security";
import { ConfigError, type ConfigIssue, fromZodIssue, showValue } from "./errors";
import { findNestedSecrets, isSecretName, secretShape } from "../../model/rules/secrets";
import { domainIssues } from "../../model/rules/domains";
import {
  databaseAdminPasswordProblems,
  SET_DATABASE_ADMIN_PASSWORD,
} from "../../model/rules/database-admin-password";
import { isolationIssues } from "./isolation";
import { apiKeyPrefix, RESERVED_TENANT_IDS } from "../../model/names";
import { BUILTIN_PLANS, type Plan } from "../../model/plans";
import {
  configSchema,
  type ParsedConfig,
  SECRET_KEYS,
  type SecretKey,
  type TenantSettings,
} from "../../model/config-schema";
import { SecretValue } from "../../model/secret-value";
import { PLATFORM_ENV, type PlatformConfig } from "../../model/platform-config";
import { shardIssues } from "./shards";
import type { z } from "zod";

export interface ParseOptions {
  /**
   * Keys whose value Pulumi holds encrypted (`pulumi config set --secret`). A secret key found
   * outside this set was given in clear text and is refused.
   */
  readonly secretKeys?: Iterable<string>;
}

const SET_SECRET_COMMAND: Record<SecretKey, string> = {
  tenantSecrets: "pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>",
  databaseAdminPassword: SET_DATABASE_ADMIN_PASSWORD,
  tlsPrivateKey: "pulumi config set --secret tlsPrivateKey < key.pem",
  registryPassword: "pulumi config set --secret registryPassword <value>",
};

/**
 * Validates raw `agent-cloud:*` config (keys without the namespace) and returns the typed config.
 * Pure: no Pulumi runtime needed. Throws one {@link ConfigError} that lists every problem.
 */
export function parseConfig(
  input: Record<string, unknown>,
  options: ParseOptions = {},
): PlatformConfig {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError([
      { path: "", received: showValue(input), message: "must be a map of agent-cloud:* keys" },
    ]);
  }
  const secretKeys = new Set(options.secretKeys ?? []);
  const issues: ConfigIssue[] = [];
  // Pulumi.yaml declares an empty default for each secret key; empty means "not set".
  const raw = Object.fromEntries(
    Object.entries(input).filter(
      ([k, v]) => !(SECRET_KEYS as readonly string[]).includes(k) || !isEmpty(v),
    ),
  );

  for (const key of SECRET_KEYS) {
    if (raw[key] !== undefined && !secretKeys.has(key)) {
      issues.push({
        path: key,
        received: "(clear text)",
        message: `is a secret and must be stored encrypted; run: pulumi config rm ${key} && ${SET_SECRET_COMMAND[key]}`,
      });
    }
  }

  const isSecretPath = (path: readonly PropertyKey[]) =>
    (SECRET_KEYS as readonly PropertyKey[]).includes(path[0] ?? "");
  const result = configSchema.safeParse(raw);
  if (result.success) {
    issues.push(...crossFieldIssues(result.data), ...edgeSecurityIssues(result.data));
    if (issues.length > 0) throw new ConfigError(issues);
    return resolve(result.data);
  }
  issues.push(...result.error.issues.map((i) => fromZodIssue(i, raw, isSecretPath, configSchema)));
  // Cross-field rules still run over every key that is valid on its own, so one run lists
  // every problem; a rule reading a key that failed is skipped rather than guessed at.
  const partial = parseEachKey(raw);
  issues.push(
    ...crossFieldIssues(partial.config, partial),
    ...edgeSecurityIssues(partial.config, partial),
  );
  throw new ConfigError(issues);
}

/** What parsed when the whole config did not: each key alone, and each tenant alone. */
interface PartialParse {
  readonly config: ParsedConfig;
  /** Top-level keys whose value failed the schema (and `tenants` when any tenant did). */
  readonly failed: ReadonlySet<string>;
  /** For each parsed tenant, its index in the stack file. */
  readonly tenantIndex: readonly number[];
}

function parseEachKey(raw: Record<string, unknown>): PartialParse {
  const failed = new Set<string>();
  const config: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const r = (schema as z.ZodType).safeParse(raw[key]);
    if (r.success) config[key] = r.data;
    else failed.add(key);
  }
  const tenantIndex: number[] = [];
  if (failed.has("tenants") && Array.isArray(raw.tenants)) {
    const element = configSchema.shape.tenants.unwrap().element;
    const tenants: TenantSettings[] = [];
    raw.tenants.forEach((t, i) => {
      const r = element.safeParse(t);
      if (r.success) {
        tenants.push(r.data);
        tenantIndex.push(i);
      }
    });
    config.tenants = tenants;
  } else if (Array.isArray(config.tenants)) {
    config.tenants.forEach((_, i) => tenantIndex.push(i));
  } else {
    config.tenants = [];
  }
  return { config: config as ParsedConfig, failed, tenantIndex };
}

function crossFieldIssues(
  c: ParsedConfig,
  partial: Omit<PartialParse, "config"> = { failed: new Set(), tenantIndex: [] },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  /** Whether every key a rule reads is valid (rules over a failed key are skipped). */
  const ok = (...keys: string[]) => keys.every((k) => !partial.failed.has(k));
  const add = (path: string, received: unknown, message: string) =>
    issues.push({ path, received: showValue(received), message });
  const plans = { ...BUILTIN_PLANS, ...c.plans };
  const planNames = Object.keys(plans).sort();
  const production = ok("environment") && c.environment === "production";

  const idOwner = new Map<string, number>();
  // One rule for every claimed host (model/rules/domains.ts), shared with the DNS component.
  const claims = c.tenants.flatMap((t, i) =>
    t.customDomains.map((hostname, j) => ({ tenantId: t.id, hostname, key: `${i}/${j}` })),
  );
  const domains = ok("domain", "otherEnvironmentDomains")
    ? domainIssues({
        domain: c.domain,
        tenantIds: c.tenants.map((t) => t.id),
        customDomains: claims,
        otherEnvironmentDomains: c.otherEnvironmentDomains,
      })
    : [];
  const claimIssues = new Map<string, string>();
  for (const d of domains) {
    if ("customDomain" in d) claimIssues.set(claims[d.customDomain]?.key ?? "", d.message);
    else if ("platformDomain" in d) add("domain", c.domain, d.message);
    else {
      const at = c.tenants.findIndex((t) => t.id === d.tenantId);
      add(`tenants[${partial.tenantIndex[at] ?? at}].id`, d.tenantId, d.message);
    }
  }
  c.tenants.forEach((t, i) => {
    const index = partial.tenantIndex[i] ?? i;
    const at = `tenants[${index}]`;
    if (RESERVED_TENANT_IDS.includes(t.id)) {
      add(
        `${at}.id`,
        t.id,
        `is reserved for the platform (${RESERVED_TENANT_IDS.join(", ")}); choose another id`,
      );
    }
    const first = idOwner.get(t.id);
    if (first !== undefined)
      add(`${at}.id`, t.id, `is already used by tenants[${first}]; tenant ids must be unique`);
    else idOwner.set(t.id, index);

    const plan = plans[t.plan];
    if (!ok("plans")) {
      // The plan table itself is invalid; which plan names exist is unknown.
    } else if (plan === undefined) {
      add(
        `${at}.plan`,
        t.plan,
        `must be one of ${planNames.map((p) => JSON.stringify(p)).join(", ")} (or a plan defined under plans)`,
      );
    } else if (t.replicas > plan.maxReplicas) {
      add(
        `${at}.replicas`,
        t.replicas,
        `plan "${t.plan}" allows at most ${plan.maxReplicas} replicas`,
      );
    } else if (t.autoscale !== undefined && t.autoscale.max > plan.maxReplicas) {
      add(
        `${at}.autoscale.max`,
        t.autoscale.max,
        `plan "${t.plan}" allows at most ${plan.maxReplicas} replicas`,
      );
    }
    if (t.autoscale !== undefined && t.autoscale.min > t.autoscale.max) {
      add(
        `${at}.autoscale.min`,
        t.autoscale.min,
        `must not exceed autoscale.max (${t.autoscale.max})`,
      );
    }

    t.customDomains.forEach((d, j) => {
      const path = `${at}.customDomains[${j}]`;
      const problem = claimIssues.get(`${i}/${j}`);
      if (problem !== undefined) {
        add(path, d, problem);
        return;
      }
      if (ok("dns") && c.dns.provider === "cloudflare" && c.dns.customDomains === "zone-records") {
        const zones = Object.keys(c.dns.customDomainZones);
        if (!zones.some((z) => d === z || d.endsWith(`.${z}`))) {
          add(
            path,
            d,
            `no zone in dns.customDomainZones contains it (zones: ${zones.join(", ") || "none"}); add its zone or use dns.customDomains: cloudflare-for-saas`,
          );
        }
      }
    });

    for (const [name, value] of Object.entries(t.env)) {
      const path = `${at}.env.${name}`;
      if ((PLATFORM_ENV as readonly string[]).includes(name)) {
        add(
          path,
          undefined,
          `is set by the platform and cannot be overridden (${PLATFORM_ENV.join(", ")})`,
        );
      } else if (isSecretName(name) || secretShape(value) !== undefined) {
        issues.push({
          path,
          received: "(clear text)",
          message: `looks like a secret and must not be stored in clear text; remove it from env and run: pulumi config set --secret --path 'tenantSecrets.${t.id}.${name}' <value>`,
        });
      } else if (ok("tenantSecrets") && c.tenantSecrets[t.id]?.[name] !== undefined) {
        add(path, undefined, `is also set in tenantSecrets.${t.id}; keep one`);
      }
    }

    // agentConfig is mounted in a ConfigMap: it may hold no credential at all.
    for (const found of findNestedSecrets(t.agentConfig)) {
      const name = found.key
        .replace(/([a-z])([A-Z])/g, "$1_$2")
        .replace(/[^A-Za-z0-9]/g, "_")
        .toUpperCase();
      issues.push({
        path: `${at}.agentConfig${found.path}`,
        received: "(clear text)",
        message: `looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.${t.id}.${name || "NAME"}' <value>`,
      });
    }
  });

  for (const [tenantId, values] of Object.entries(ok("tenantSecrets") ? c.tenantSecrets : {})) {
    if (!idOwner.has(tenantId) && ok("tenants")) {
      add(
        `tenantSecrets.${tenantId}`,
        undefined,
        `no tenant has id "${tenantId}"; remove it with: pulumi config rm --path 'tenantSecrets.${tenantId}'`,
      );
      continue;
    }
    for (const name of Object.keys(values)) {
      if ((PLATFORM_ENV as readonly string[]).includes(name)) {
        add(
          `tenantSecrets.${tenantId}.${name}`,
          undefined,
          `is set by the platform and cannot be overridden (${PLATFORM_ENV.join(", ")})`,
        );
      }
    }
  }

  issues.push(...shardIssues(c, ok));
  if (production && ok("tls") && c.tls.mode === "self-signed" && !c.tls.allowInProduction) {
    add(
      "tls.mode",
      c.tls.mode,
      `production needs a trusted certificate (cloudflare-origin-ca, acme or provided); set tls.allowInProduction: true to accept a self-signed one`,
    );
  }
  if (
    production &&
    ok("database") &&
    c.database.mode === "in-cluster" &&
    !c.database.allowInProduction
  ) {
    add(
      "database.mode",
      c.database.mode,
      `production needs an external database; set database.allowInProduction: true to run PostgreSQL in the cluster`,
    );
  }
  if (ok("database", "databaseAdminPassword")) {
    const adminPasswordSet = c.databaseAdminPassword !== undefined;
    for (const p of databaseAdminPasswordProblems({ ...c.database, adminPasswordSet }))
      add(p.path, p.received, p.message);
  }
  if (ok("tls", "tlsPrivateKey") && c.tls.mode === "provided" && c.tlsPrivateKey === undefined) {
    add(
      "tlsPrivateKey",
      undefined,
      `is required when tls.mode is "provided"; run: ${SET_SECRET_COMMAND.tlsPrivateKey}`,
    );
  }
  if (
    ok("tls", "dns") &&
    c.tls.mode === "cloudflare-origin-ca" &&
    !(c.dns.provider === "cloudflare" && c.dns.proxied)
  ) {
    add(
      "tls.mode",
      c.tls.mode,
      `only Cloudflare's proxy trusts an Origin CA certificate; set dns.provider: cloudflare and dns.proxied: true, or choose acme`,
    );
  }
  if (ok("tls", "dns") && c.tls.mode === "acme" && c.dns.provider !== "cloudflare") {
    add(
      "tls.mode",
      c.tls.mode,
      `acme solves DNS-01 through Cloudflare; set dns.provider: cloudflare, or choose provided or self-signed`,
    );
  }
  if (ok("image") && c.image.ref === undefined && c.image.context === undefined) {
    add(
      "image",
      undefined,
      `set image.ref (an image pinned by digest) or image.context (a folder to build)`,
    );
  }
  if (
    ok("image") &&
    c.image.ref === undefined &&
    c.image.context !== undefined &&
    c.image.repository === undefined
  ) {
    add(
      "image.repository",
      undefined,
      `is required to push a build of image.context, e.g. ghcr.io/acme/agent`,
    );
  }
  if (
    ok("image", "registryPassword") &&
    c.registryPassword !== undefined &&
    c.image.registryUsername === undefined
  ) {
    add("image.registryUsername", undefined, `is required when registryPassword is set`);
  }
  issues.push(...isolationIssues(c, ok));
  if (ok("dns", "domain") && c.dns.provider === "cloudflare") {
    const problem = edgeCertificateProblem({ domain: c.domain, ...c.dns });
    if (problem !== undefined) add(problem[0], undefined, problem[1]);
  }
  if (ok("proxy") && c.proxy.serviceType !== "NodePort" && c.proxy.nodePorts !== undefined) {
    add(
      "proxy.nodePorts",
      c.proxy.nodePorts,
      `only applies when proxy.serviceType is "NodePort" (got "${c.proxy.serviceType}")`,
    );
  }
  return issues;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === "" ||
    (value !== null && typeof value === "object" && Object.keys(value).length === 0)
  );
}

function resolve(c: ParsedConfig): PlatformConfig {
  const plans = { ...BUILTIN_PLANS, ...c.plans };
  const { tenantSecrets, databaseAdminPassword, tlsPrivateKey, registryPassword, ...rest } = c;
  const secret = (v: string | undefined) => (v === undefined ? undefined : new SecretValue(v));
  return {
    ...rest,
    apiKeyPrefix: apiKeyPrefix(c.environment),
    proxy: resolveProxy(c),
    plans,
    database: { ...c.database, protect: c.database.protect ?? c.environment === "production" },
    tenants: c.tenants.map(({ plan, ...t }) => ({
      ...t,
      planName: plan,
      plan: plans[plan] as Plan,
      hosts: [`${t.id}.${c.domain}`, ...t.customDomains],
      publicPaths: resolvePublicPaths(c, t),
      secrets: Object.fromEntries(
        Object.entries(tenantSecrets[t.id] ?? {}).map(([k, v]) => [k, new SecretValue(v)]),
      ),
    })),
    secrets: {
      databaseAdminPassword: secret(databaseAdminPassword),
      tlsPrivateKey: secret(tlsPrivateKey),
      registryPassword: secret(registryPassword),
    },
  };
}
