/**
 * What a stack tells about each of its tenants: where it is reached and what it runs. The
 * platform stack and a shard stack both publish it, from the same function.
 */
import * as pulumi from "@pulumi/pulumi";
import { tenantNamespace } from "../../model/names";
import type { PlatformConfig, TenantConfig } from "../../model/platform-config";
import type { TenantApp } from "./tenant-app";

/** Where a tenant is reached from, and what runs for it. */
export interface TenantEndpoint {
  /** `https://{id}.{domain}` */
  readonly url: string;
  readonly hosts: readonly string[];
  readonly namespace: string;
  readonly image: string;
  readonly groups: readonly string[];
  readonly plan: string;
}

/**
 * Each tenant's endpoint, keyed by id, with `more(tenant)` added to it (a shard adds what the
 * platform's edge needs). A tenant without its own image runs `defaultImage`.
 */
export function tenantEndpoints<More extends object>(
  config: PlatformConfig,
  defaultImage: pulumi.Input<string>,
  more: (tenant: TenantConfig) => More,
): pulumi.Output<Record<string, TenantEndpoint & More>> {
  const endpoints: Record<string, pulumi.Output<TenantEndpoint & More>> = {};
  for (const tenant of config.tenants) {
    endpoints[tenant.id] = pulumi
      .output(tenant.image ?? defaultImage)
      .apply((image): TenantEndpoint & More => ({
        url: `https://${tenant.id}.${config.domain}`,
        hosts: tenant.hosts,
        namespace: tenantNamespace(config.environment, tenant.id),
        image,
        groups: tenant.groups,
        plan: tenant.planName,
        ...more(tenant),
      }));
  }
  return pulumi.all(endpoints) as pulumi.Output<Record<string, TenantEndpoint & More>>;
}

/** The keys each tenant's app accepts (secret Outputs), keyed by tenant id, for the edge's key table. */
export function acceptedApiKeys(
  apps: Readonly<Record<string, TenantApp>>,
): Record<string, { current: pulumi.Output<string>; previous?: pulumi.Output<string> }> {
  return Object.fromEntries(
    Object.entries(apps).map(([id, app]) => [
      id,
      { current: app.apiKey, previous: app.previousApiKey },
    ]),
  );
}
