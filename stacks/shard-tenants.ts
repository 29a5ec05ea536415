/**
 * The platform stack's view of its shards: each shard stack's `tenants` output, read through a
 * stack reference and checked like config before the platform uses it to name anything (routes,
 * custom-domain records). A value another stack wrote is input like any other.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigIssue, showValue } from "./config/errors";
import { DNS_LABEL, isDnsName, MAX_TENANT_ID_LENGTH, RESERVED_TENANT_IDS } from "../model/names";
import type { PlatformConfig } from "../model/platform-config";
import type { ShardRoute, ShardTenant } from "../model/shard-tenant";
import { qualifiedStackName, shardStackName } from "./config/shards";

/**
 * Every tenant of every shard, checked: ids are tenant ids, the first host is `{id}.{domain}`,
 * the others are DNS names outside the domain, and no id or host belongs to two tenants (in two
 * shards, or in a shard and the platform stack itself). Throws one ConfigError listing all.
 */
export function shardTenantsFrom(
  shards: readonly { readonly shard: string; readonly tenants: unknown }[],
  config: Pick<PlatformConfig, "domain" | "tenants" | "plans">,
): ShardRoute[] {
  const issues: ConfigIssue[] = [];
  const owner = new Map<string, string>(config.tenants.map((t) => [t.id, "the platform stack"]));
  const hostOwner = new Map<string, string>();
  for (const t of config.tenants) for (const h of t.hosts) hostOwner.set(h, t.id);
  const out: ShardRoute[] = [];
  for (const { shard, tenants } of shards) {
    const at = `shard ${shard} output tenants`;
    const add = (path: string, received: unknown, message: string) =>
      issues.push({ path: `${at}${path}`, received: showValue(received), message });
    // A shard that has never been deployed has no outputs yet, so no tenants to route.
    if (tenants === undefined) continue;
    if (tenants === null || typeof tenants !== "object" || Array.isArray(tenants)) {
      add("", tenants, "must be a map of tenant id to endpoint; redeploy the shard");
      continue;
    }
    for (const [id, entry] of Object.entries(tenants as Record<string, unknown>)) {
      if (!DNS_LABEL.test(id) || id.length > MAX_TENANT_ID_LENGTH) {
        add(`.${id}`, id, `is not a tenant id (a DNS label of at most ${MAX_TENANT_ID_LENGTH})`);
        continue;
      }
      if (RESERVED_TENANT_IDS.includes(id)) {
        add(`.${id}`, id, "is reserved for the platform");
        continue;
      }
      const first = owner.get(id);
      if (first !== undefined) {
        add(`.${id}`, id, `is also a tenant of ${first}; a tenant lives in one stack`);
        continue;
      }
      const e = (entry ?? {}) as {
        hosts?: unknown;
        plan?: unknown;
        auth?: unknown;
        publicPaths?: unknown;
        suspended?: unknown;
      };
      const hosts = e.hosts;
      if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== "string")) {
        add(`.${id}.hosts`, hosts, "must be a list of host names; redeploy the shard");
        continue;
      }
      const own = `${id}.${config.domain}`;
      if (hosts[0] !== own) {
        add(`.${id}.hosts[0]`, hosts[0], `must be ${own}: is the shard in this environment?`);
        continue;
      }
      let ok = true;
      (hosts as string[]).forEach((h, i) => {
        if (i > 0 && (!isDnsName(h) || h === config.domain || h.endsWith(`.${config.domain}`))) {
          add(`.${id}.hosts[${i}]`, h, `must be a custom domain outside ${config.domain}`);
          ok = false;
        } else if (hostOwner.has(h)) {
          add(`.${id}.hosts[${i}]`, h, `is already routed to tenant "${hostOwner.get(h)}"`);
          ok = false;
        }
      });
      const plan = typeof e.plan === "string" ? config.plans[e.plan] : undefined;
      if (plan === undefined) {
        add(
          `.${id}.plan`,
          e.plan,
          `must be a plan of this environment (${Object.keys(config.plans).sort().join(", ")})`,
        );
        ok = false;
      }
      if (e.auth !== "edge" && e.auth !== "app") {
        add(`.${id}.auth`, e.auth, `must be "edge" or "app"; redeploy the shard`);
        ok = false;
      }
      const publicPaths = e.publicPaths ?? [];
      if (!Array.isArray(publicPaths) || publicPaths.some((p) => typeof p !== "string")) {
        add(`.${id}.publicPaths`, e.publicPaths, "must be a list of paths");
        ok = false;
      }
      if (!ok || plan === undefined) continue;
      owner.set(id, `shard ${shard}`);
      for (const h of hosts as string[]) hostOwner.set(h, id);
      out.push({
        id,
        hosts: [...(hosts as string[])],
        shard,
        planName: e.plan as string,
        plan,
        auth: e.auth as "edge" | "app",
        publicPaths: [...(publicPaths as string[])],
        suspended: e.suspended === true,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

/**
 * Reads the `tenants` output of each shard listed in `config.shards` through a stack reference
 * (`{stackOrganization}/{project}/{stack}-{shard}`) and checks them. Resolves before the
 * platform registers anything that depends on them.
 */
export async function readShardTenants(config: PlatformConfig): Promise<ShardTenant[]> {
  const shards = await Promise.all(
    config.shards.map(async (shard) => {
      const ref = new pulumi.StackReference(`${config.environment}-shard-${shard}`, {
        name: qualifiedStackName(
          config.stackOrganization,
          pulumi.getProject(),
          shardStackName(pulumi.getStack(), shard),
        ),
      });
      const details = await ref.getOutputDetails("tenants");
      const tenants: unknown = details.value ?? details.secretValue;
      return { shard, tenants, keys: ref.getOutput("apiKeys") };
    }),
  );
  const keysOf = new Map(shards.map((s) => [s.shard, s.keys]));
  return shardTenantsFrom(shards, config).map((t) => {
    const keys = (keysOf.get(t.shard) as pulumi.Output<unknown>).apply((all) => {
      const k = (all as Record<string, { current?: string; previous?: string }> | undefined)?.[
        t.id
      ];
      if (typeof k?.current !== "string") {
        throw new Error(
          `shard ${t.shard} output apiKeys has no key for tenant "${t.id}"; redeploy the shard`,
        );
      }
      return k;
    });
    return {
      ...t,
      apiKeys: {
        current: pulumi.secret(keys.apply((k) => k.current as string)),
        // Undefined outside a rotation overlap: the key table leaves it out.
        previous: pulumi.secret(keys.apply((k) => k.previous)) as pulumi.Output<string>,
      },
    };
  });
}
