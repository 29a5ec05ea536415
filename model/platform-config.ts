/**
 * The validated config of one environment as the components consume it: what `parseConfig`
 * (stacks/config/parse.ts) returns from a stack's `agent-cloud:*` keys.
 */
import type {
  DatabaseSettings,
  ParsedConfig,
  ProxyConfig,
  SecretKey,
  TenantSettings,
} from "./config-schema";
import type { Plan } from "./plans";
import type { SecretValue } from "./secret-value";

/** Env names the platform sets itself; a tenant may not override them. */
export const PLATFORM_ENV = [
  "DATABASE_URL",
  "HOST",
  "PORT",
  "AGENT_CLOUD_API_KEY",
  "AGENT_CLOUD_API_KEY_PREVIOUS",
  "AGENT_CLOUD_TENANT",
  "AGENT_CLOUD_ENVIRONMENT",
  "AGENT_CLOUD_NAMESPACE",
  "AGENT_CLOUD_CONFIG",
  "ADMIN_EMAIL",
] as const;

/** One tenant, validated and resolved against its plan and secrets. */
export interface TenantConfig extends Omit<TenantSettings, "plan"> {
  readonly planName: string;
  readonly plan: Plan;
  /** Hosts the edge routes to this tenant: `{id}.{domain}`, then its custom domains. */
  readonly hosts: readonly string[];
  /** The tenant's own secret env values (from `tenantSecrets.{id}`). */
  readonly secrets: Readonly<Record<string, SecretValue>>;
  /** Paths the edge lets through without a key (edge auth): its own list or the health path. */
  readonly publicPaths: string[];
}

/** The validated config of one environment, as the components consume it. */
export interface PlatformConfig extends Omit<
  ParsedConfig,
  "tenants" | "tenantSecrets" | "plans" | "database" | "proxy" | SecretKey
> {
  readonly proxy: ResolvedProxyConfig;
  /** Prefix of every API key this environment issues, e.g. `ac_dev_`. */
  readonly apiKeyPrefix: string;
  readonly plans: Readonly<Record<string, Plan>>;
  readonly database: DatabaseSettings & { readonly protect: boolean };
  readonly tenants: readonly TenantConfig[];
  readonly secrets: {
    readonly databaseAdminPassword?: SecretValue;
    readonly tlsPrivateKey?: SecretValue;
    readonly registryPassword?: SecretValue;
  };
}

/** The proxy settings with every edge-security default resolved. */
export interface ResolvedProxyConfig extends ProxyConfig {
  /** Client ranges the LoadBalancer admits; empty admits every address. */
  readonly sourceRanges: string[];
  /** Peers whose `realIpHeader` is trusted to name the client; empty trusts no header. */
  readonly realIpFrom: string[];
  readonly originPull: { readonly enabled: boolean; readonly caCertificate: string };
}
