/**
 * A tenant that a shard stack deploys and the platform stack's edge serves: what the platform
 * reads from each shard through a stack reference (stacks/shard-tenants.ts checks it).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Plan } from "./plans";

/** A tenant that lives in a shard stack, as the platform's edge serves it. */
export interface ShardRoute {
  readonly id: string;
  /** `{id}.{domain}`, then its custom domains. */
  readonly hosts: readonly string[];
  /** The shard holding it. */
  readonly shard: string;
  readonly planName: string;
  /** The plan, from the platform's own plans (its request limits apply at the edge). */
  readonly plan: Plan;
  /** Who authenticates its callers: the edge (API keys) or the app. */
  readonly auth: "edge" | "app";
  readonly publicPaths: string[];
  /** Suspended: the edge answers 503 for it. */
  readonly suspended: boolean;
}

/** A shard's tenant with its API keys (secret), read from the shard's `apiKeys` output. */
export interface ShardTenant extends ShardRoute {
  readonly apiKeys: {
    readonly current: pulumi.Output<string>;
    readonly previous?: pulumi.Output<string>;
  };
}
