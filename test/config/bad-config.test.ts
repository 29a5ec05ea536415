/**
 * The bad-config table: each row is a configuration an operator could plausibly write, and the
 * exact lines parseConfig must answer with. One error lists every problem.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../stacks/config/errors";
import { parseConfig } from "../../stacks/config/parse";
import { QUANTITY_ALLOWED } from "../../model/quantity";

const DIGEST = `sha256:${"a".repeat(64)}`;

/** A valid minimal dev config; each row changes one thing. */
function base(): Record<string, any> {
  return {
    environment: "dev",
    domain: "agents.example.com",
    image: { ref: `ghcr.io/acme/agent@${DIGEST}` },
    tenants: [{ id: "acme" }, { id: "globex" }],
  };
}

const ANTHROPIC_KEY = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
/** Where a credential found in a plain field outside the tenants goes instead. */
const PLAIN_FIELD_FIX =
  "move it to a Secret (for the app and its migration: tenantSecrets; for the backup's S3 keys: the Secret database.backup.target.credentialsSecret names)";

interface Row {
  readonly name: string;
  readonly change: (c: Record<string, any>) => void;
  readonly secretKeys?: string[];
  readonly expected: string[];
}

/** What a zero CPU or memory limit (of a plan, of the proxy) is told. */
const ZERO_CPU_LIMIT =
  "must be greater than 0, such as 500m or 2: Kubernetes takes a limit of 0 as no limit, so the container could use every CPU of its node";
const ZERO_MEMORY_LIMIT =
  "must be greater than 0, such as 512Mi or 1Gi: Kubernetes takes a limit of 0 as no limit, so the container could use all of its node's memory";

/** What a reserved tenant id is told, the list spelt out in full. */
const RESERVED =
  "is reserved for the platform (admin, api, app, assets, auth, billing, blog, cdn, dashboard, db, default, dns, docs, edge, ftp, help, include, internal, localhost, login, mail, management, metrics, mx, ns1, ns2, postgres, proxy, registry, root, server, smtp, sso, static, status, support, system, www); choose another id";

/** What a bad proxy.maxBodySize is told: the form nginx reads and the most the platform allows. */
const BODY_SIZE =
  "must be an nginx size such as 512k, 10m or 1g (a whole number, then k, m, g or nothing for bytes), from 1 to 1g (0 would be no limit at all)";

/** What a database host that is neither a host name nor an IP address is told. */
const SERVER_HOST =
  "must be a lowercase host name such as pg.example.com or an IP address such as 10.0.0.5 or 2001:db8::5, without a scheme, port or path";

const SECRET_ENV_FIX = (tenant: string, name: string) =>
  `looks like a secret and must not be stored in clear text; remove it from env and run: pulumi config set --secret --path 'tenantSecrets.${tenant}.${name}' <value>`;

const rows: Row[] = [
  {
    name: "writable paths the pods cannot mount (the rule TenantApp applies too)",
    change: (c) => (c.app = { writablePaths: ["/tmp", "/var/../etc", "/etc/agent-cloud/cache"] }),
    expected: [
      `app.writablePaths ["/tmp","/var/../etc","/etc/agent-cloud/cache"]: writable path "/etc/agent-cloud/cache": /etc/agent-cloud holds the read-only agent config`,
      `app.writablePaths ["/tmp","/var/../etc","/etc/agent-cloud/cache"]: writable path "/var/../etc": must be an absolute path below "/" without ".."`,
    ],
  },
  {
    name: "backup schedule that is not cron, a zero retention, a dump bound past a day",
    change: (c) =>
      (c.database = {
        mode: "in-cluster",
        backup: { schedule: "nightly", retentionDays: 0, dumpTimeoutMinutes: 1441 },
      }),
    expected: [
      `database.backup.schedule "nightly": must be a cron schedule of five fields, such as 17 3 * * *`,
      `database.backup.retentionDays 0: must be at least 1`,
      `database.backup.dumpTimeoutMinutes 1441: must be at most 1440`,
    ],
  },
  {
    name: "tenant id with uppercase and underscore",
    change: (c) => (c.tenants[1].id = "Acme_1"),
    expected: [
      `tenants[1].id "Acme_1": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 40 characters`,
    ],
  },
  {
    name: "tenant id longer than 40 characters",
    change: (c) => (c.tenants[0].id = "a".repeat(41)),
    expected: [
      `tenants[0].id "${"a".repeat(41)}": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 40 characters`,
    ],
  },
  {
    name: "tenant id starting with a digit",
    change: (c) => (c.tenants[0].id = "1acme"),
    expected: [
      `tenants[0].id "1acme": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 40 characters`,
    ],
  },
  {
    name: "reserved tenant id",
    change: (c) => (c.tenants[0].id = "www"),
    expected: [`tenants[0].id "www": ${RESERVED}`],
  },
  // nginx reads these as `map` parameters even quoted: one such tenant would break the route table.
  ...["default", "include"].map((id): Row => ({
    name: `tenant id ${id} (an nginx map keyword)`,
    change: (c) => (c.tenants[1].id = id),
    expected: [`tenants[1].id "${id}": ${RESERVED}`],
  })),
  {
    // Its hardening would be `{env}-database-server-hardening`, the server's own: one URN twice.
    name: "tenant id server (the database's own hardening)",
    change: (c) => (c.tenants[1].id = "server"),
    expected: [`tenants[1].id "server": ${RESERVED}`],
  },
  // Every plan renders an nginx map line, so a keyword breaks the edge even with no tenant on it.
  ...["default", "include"].map((plan): Row => ({
    name: `plan named ${plan} (an nginx map keyword), no tenant on it`,
    change: (c) =>
      (c.plans = {
        [plan]: {
          requests: { cpu: "100m", memory: "128Mi" },
          limits: { cpu: "1", memory: "1Gi" },
          maxReplicas: 2,
          databaseConnections: 5,
        },
      }),
    expected: [
      `plans.${plan}: key "${plan}" must not be an nginx map keyword (default, include): every plan is a key of the edge's nginx maps, where nginx reads these as map parameters even quoted; choose another name`,
    ],
  })),
  {
    name: "duplicate tenant id",
    change: (c) => (c.tenants[1].id = "acme"),
    expected: [`tenants[1].id "acme": is already used by tenants[0]; tenant ids must be unique`],
  },
  {
    name: "unknown plan",
    change: (c) => (c.tenants[0].plan = "gold"),
    expected: [
      `tenants[0].plan "gold": must be one of "pro", "standard", "starter" (or a plan defined under plans)`,
    ],
  },
  {
    name: "more replicas than the plan allows",
    change: (c) => Object.assign(c.tenants[0], { plan: "starter", replicas: 3 }),
    expected: [`tenants[0].replicas 3: plan "starter" allows at most 2 replicas`],
  },
  {
    name: "zero replicas",
    change: (c) => (c.tenants[0].replicas = 0),
    expected: [`tenants[0].replicas 0: must be at least 1`],
  },
  {
    name: "custom domain under the platform domain",
    change: (c) => (c.tenants[0].customDomains = ["chat.agents.example.com"]),
    expected: [
      `tenants[0].customDomains[0] "chat.agents.example.com": must not be under the platform domain agents.example.com (the tenant already has acme.agents.example.com)`,
    ],
  },
  {
    name: "custom domain claimed by two tenants",
    change: (c) => {
      c.tenants[0].customDomains = ["chat.acme.com"];
      c.tenants[1].customDomains = ["chat.acme.com"];
    },
    expected: [
      `tenants[1].customDomains[0] "chat.acme.com": is already claimed by tenant "acme"; a custom domain belongs to one tenant`,
    ],
  },
  {
    name: "custom domain that is not a DNS name",
    change: (c) => (c.tenants[0].customDomains = ["Not A Domain"]),
    expected: [
      `tenants[0].customDomains[0] "Not A Domain": must be a lowercase DNS name such as agents.example.com`,
    ],
  },
  {
    name: "platform domain with a scheme",
    change: (c) => (c.domain = "https://agents.example.com"),
    expected: [
      `domain "https://agents.example.com": must be a lowercase DNS name such as agents.example.com`,
    ],
  },
  {
    name: "platform domain with a single label",
    change: (c) => (c.domain = "localhost"),
    expected: [`domain "localhost": must be a lowercase DNS name such as agents.example.com`],
  },
  {
    name: "missing environment",
    change: (c) => delete c.environment,
    expected: [
      `environment: is required and must be lowercase letters and digits, starting with a letter, at most 12 characters`,
    ],
  },
  {
    name: "environment name too long",
    change: (c) => (c.environment = "pre-production"),
    expected: [
      `environment "pre-production": must be lowercase letters and digits, starting with a letter, at most 12 characters`,
    ],
  },
  {
    name: "misspelt top-level key",
    change: (c) => (c.tennants = []),
    expected: [
      `config: unknown key "tennants" (did you mean "tenants"?); see the config reference in README.md`,
    ],
  },
  {
    name: "unknown key inside a tenant",
    change: (c) => (c.tenants[0].replica = 2),
    expected: [
      `tenants[0]: unknown key "replica" (did you mean "replicas"?); see the config reference in README.md`,
    ],
  },
  {
    name: "unknown TLS mode",
    change: (c) => (c.tls = { mode: "letsencrypt" }),
    expected: [
      `tls.mode "letsencrypt": must be one of "self-signed", "provided", "acme", "cloudflare-origin-ca"`,
    ],
  },
  {
    name: "production with a self-signed certificate",
    change: (c) => {
      c.environment = "production";
      c.database = { mode: "external", host: "pg.example.com" };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [
      `tls.mode "self-signed": production needs a trusted certificate (cloudflare-origin-ca, acme or provided); set tls.allowInProduction: true to accept a self-signed one`,
    ],
  },
  {
    name: "production with an in-cluster database",
    change: (c) => {
      c.environment = "production";
      c.tls = { mode: "self-signed", allowInProduction: true };
    },
    expected: [
      `database.mode "in-cluster": production needs an external database; set database.allowInProduction: true to run PostgreSQL in the cluster`,
    ],
  },
  {
    name: "external database without its admin password",
    change: (c) => (c.database = { mode: "external", host: "pg.example.com" }),
    expected: [
      `databaseAdminPassword: is required when database.mode is "external"; run: pulumi config set --secret databaseAdminPassword <value>`,
    ],
  },
  {
    name: "database admin password in clear text",
    change: (c) => {
      c.database = { mode: "external", host: "pg.example.com" };
      c.databaseAdminPassword = "hunter2";
    },
    expected: [
      `databaseAdminPassword (clear text): is a secret and must be stored encrypted; run: pulumi config rm databaseAdminPassword && pulumi config set --secret databaseAdminPassword <value>`,
    ],
  },
  {
    name: "tenant secrets in clear text",
    change: (c) => (c.tenantSecrets = { acme: { ANTHROPIC_API_KEY: "sk-ant-0000" } }),
    expected: [
      `tenantSecrets (clear text): is a secret and must be stored encrypted; run: pulumi config rm tenantSecrets && pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>`,
    ],
  },
  {
    name: "model key in a tenant's plain env",
    change: (c) => (c.tenants[0].env = { OPENAI_API_KEY: "sk-proj-abc" }),
    expected: [
      `tenants[0].env.OPENAI_API_KEY (clear text): ${SECRET_ENV_FIX("acme", "OPENAI_API_KEY")}`,
    ],
  },
  {
    name: "secret-looking value under an innocent env name",
    change: (c) => (c.tenants[1].env = { UPSTREAM: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz" }),
    expected: [`tenants[1].env.UPSTREAM (clear text): ${SECRET_ENV_FIX("globex", "UPSTREAM")}`],
  },
  {
    name: "secret in agentConfig",
    change: (c) => (c.tenants[0].agentConfig = { tools: { search: { apiKey: "abc" } } }),
    expected: [
      `tenants[0].agentConfig.tools.search.apiKey (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.API_KEY' <value>`,
    ],
  },
  {
    name: "tenant env overriding a platform variable",
    change: (c) => (c.tenants[0].env = { DATABASE_URL: "postgres://elsewhere" }),
    expected: [
      `tenants[0].env.DATABASE_URL: is set by the platform and cannot be overridden (DATABASE_URL, HOST, PORT, AGENT_CLOUD_API_KEY, AGENT_CLOUD_API_KEY_PREVIOUS, AGENT_CLOUD_TENANT, AGENT_CLOUD_ENVIRONMENT, AGENT_CLOUD_NAMESPACE, AGENT_CLOUD_CONFIG, ADMIN_EMAIL)`,
    ],
  },
  {
    name: "lowercase env name",
    change: (c) => (c.tenants[0].env = { log_level: "debug" }),
    expected: [
      `tenants[0].env.log_level: key "log_level" must be an environment variable name (A-Z, 0-9, '_')`,
    ],
  },
  {
    name: "a value set with --secret in a key the program deploys in clear",
    change: (c) => (c.tenants[0].agentConfig = { upstream: "internal-billing.corp" }),
    secretKeys: ["tenants"],
    expected: [
      `tenants (encrypted): holds a value set with --secret, but tenants is not a secret key: the program deploys it in clear; keep secrets in tenantSecrets (pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>, read by the app as environment variables) and set tenants without --secret`,
    ],
  },
  {
    name: "secrets for a tenant that does not exist",
    change: (c) => (c.tenantSecrets = { ghost: { TOKEN: "x" } }),
    secretKeys: ["tenantSecrets"],
    expected: [
      `tenantSecrets.ghost: no tenant has id "ghost"; remove it with: pulumi config rm --path 'tenantSecrets.ghost'`,
    ],
  },
  {
    name: "neither an image ref nor a build context",
    change: (c) => (c.image = {}),
    expected: [
      `image: set image.ref (an image pinned by digest) or image.context (a folder to build)`,
    ],
  },
  {
    name: "image ref by tag instead of digest",
    change: (c) => (c.image = { ref: "ghcr.io/acme/agent:latest" }),
    expected: [
      `image.ref "ghcr.io/acme/agent:latest": must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>`,
    ],
  },
  {
    name: "image ref with a ':' outside a registry port and the tag",
    change: (c) => (c.image = { ref: `ghcr.io/acme/agent:v1:v2@sha256:${"a".repeat(64)}` }),
    expected: [
      `image.ref "ghcr.io/acme/agent:v1:v2@sha256:${"a".repeat(24)}...: must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>`,
    ],
  },
  {
    name: "image tag a registry refuses",
    change: (c) =>
      (c.image = { context: "sample-agent", repository: "ghcr.io/acme/agent", tag: "-v1" }),
    expected: [
      `image.tag "-v1": must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')`,
    ],
  },
  {
    name: "build context without a repository to push to",
    change: (c) => (c.image = { context: "sample-agent" }),
    expected: [
      `image.repository: is required to push a build of image.context, e.g. ghcr.io/acme/agent`,
    ],
  },
  {
    name: "repository carrying a tag (the build would tag it repo:v1:latest)",
    change: (c) =>
      (c.image = {
        context: "sample-agent",
        repository: "localhost:5001/agent-cloud/sample-agent:v1",
      }),
    expected: [
      `image.repository "localhost:5001/agent-cloud/sample-agent:v1": must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)`,
    ],
  },
  {
    name: "repository AppImage refuses (the rule in model/rules/image-repository.ts)",
    change: (c) => (c.image = { context: "sample-agent", repository: "ghcr.io/Acme/Agent" }),
    expected: [
      `image.repository "ghcr.io/Acme/Agent": must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)`,
    ],
  },
  {
    name: "tenant image override by tag",
    change: (c) => (c.tenants[0].image = "ghcr.io/systempromptio/systemprompt-template:latest"),
    expected: [
      `tenants[0].image "ghcr.io/systempromptio/systemprompt-template:latest": must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>`,
    ],
  },
  {
    name: "proxy replicas out of range",
    change: (c) => (c.proxy = { replicas: 21 }),
    expected: [`proxy.replicas 21: must be at most 20`],
  },
  {
    name: "unknown proxy service type",
    change: (c) => (c.proxy = { serviceType: "Ingress" }),
    expected: [
      `proxy.serviceType "Ingress": must be one of "LoadBalancer", "NodePort", "ClusterIP"`,
    ],
  },
  {
    name: "node ports on a LoadBalancer proxy",
    change: (c) => (c.proxy = { nodePorts: { http: 30080, https: 30443 } }),
    expected: [
      `proxy.nodePorts {"http":30080,"https":30443}: only applies when proxy.serviceType is "NodePort" (got "LoadBalancer")`,
    ],
  },
  {
    name: "a TTL Cloudflare refuses, and one on proxied records (the rule WildcardDns applies too)",
    change: (c) =>
      (c.dns = {
        provider: "cloudflare",
        zoneId: "0".repeat(32),
        zoneName: "agents.example.com",
        proxied: false,
        ttl: 30,
      }),
    expected: [`dns.ttl 30: must be 1 (automatic) or 60 to 86400 seconds`],
  },
  {
    name: "a TTL on proxied records",
    change: (c) =>
      (c.dns = {
        provider: "cloudflare",
        zoneId: "0".repeat(32),
        zoneName: "agents.example.com",
        ttl: 300,
      }),
    expected: [
      `dns.ttl 300: Cloudflare sets the TTL of proxied records itself; use dns.ttl 1 (automatic) or dns.proxied false`,
    ],
  },
  {
    name: "Custom Hostnames without proxied records",
    change: (c) => {
      c.dns = { provider: "cloudflare", zoneId: "0".repeat(32), proxied: false };
      c.tenants[0].customDomains = ["agents.acme.com"];
    },
    expected: [
      `dns.customDomains "cloudflare-for-saas": needs dns.proxied true: Custom Hostnames are served through the proxied fallback origin agents.example.com; set dns.proxied true or use "zone-records"`,
    ],
  },
  {
    name: "Custom Hostnames in a zone another environment shares, without owning its fallback origin (the rule WildcardDns applies too)",
    change: (c) => {
      c.domain = "dev.agents.example.com";
      c.otherEnvironmentDomains = ["agents.example.com", "agents.acme-corp.com"];
      c.dns = {
        provider: "cloudflare",
        zoneId: "0".repeat(32),
        zoneName: "example.com",
        edgeCertificate: "advanced",
      };
      c.tenants[0].customDomains = ["agents.acme-corp.dev"];
    },
    expected: [
      `dns.customDomains "cloudflare-for-saas": zone example.com is shared with another environment (agents.example.com), and Cloudflare keeps one Custom Hostnames fallback origin per zone, which only the one stack that owns it may declare (dns.ownsFallbackOrigin true, not set here): this stack's custom domains (agents.acme-corp.dev) would be sent to the owner's edge; give this environment a zone of its own, use "zone-records" (a CNAME per custom domain in a zone listed in dns.customDomainZones), or remove its custom domains`,
    ],
  },
  {
    name: "an unpinned proxy image (the rule ManagementProxy applies too)",
    change: (c) => (c.proxy = { image: "nginx:latest" }),
    expected: [
      `proxy.image "nginx:latest": must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine`,
    ],
  },
  {
    name: "body size without a unit nginx knows",
    change: (c) => (c.proxy = { maxBodySize: "10MB" }),
    expected: [`proxy.maxBodySize "10MB": ${BODY_SIZE}`],
  },
  {
    name: "body size nginx cannot hold, and one above the platform's cap",
    change: (c) => (c.proxy = { maxBodySize: "9999999999999g" }),
    expected: [`proxy.maxBodySize "9999999999999g": ${BODY_SIZE}`],
  },
  {
    name: "body size 0 (nginx: no limit)",
    change: (c) => (c.proxy = { maxBodySize: "0" }),
    expected: [`proxy.maxBodySize "0": ${BODY_SIZE}`],
  },
  {
    name: "Cloudflare zone id that is not one",
    change: (c) => (c.dns = { provider: "cloudflare", zoneId: "example.com" }),
    expected: [`dns.zoneId "example.com": must be a 32-character Cloudflare zone id`],
  },
  {
    name: "ACME without Cloudflare DNS for the DNS-01 challenge",
    change: (c) => (c.tls = { mode: "acme", email: "ops@example.com" }),
    expected: [
      `tls.mode "acme": acme solves DNS-01 through Cloudflare; set dns.provider: cloudflare, or choose provided or self-signed`,
    ],
  },
  {
    name: "Origin CA certificate without Cloudflare's proxy",
    change: (c) => {
      c.dns = {
        provider: "cloudflare",
        zoneId: "0123456789abcdef0123456789abcdef",
        proxied: false,
      };
      c.tls = { mode: "cloudflare-origin-ca" };
    },
    expected: [
      `tls.mode "cloudflare-origin-ca": only Cloudflare's proxy trusts an Origin CA certificate; set dns.provider: cloudflare and dns.proxied: true, or choose acme`,
    ],
  },
  {
    name: "proxied Cloudflare records without the zone's name",
    change: (c) => (c.dns = { provider: "cloudflare", zoneId: "0".repeat(32) }),
    expected: [
      `dns.zoneName: is required when dns.proxied is true: the name of the Cloudflare zone holding agents.example.com (e.g. example.com), so the stack can tell whether Cloudflare's edge certificate covers *.agents.example.com`,
    ],
  },
  {
    name: "a zone name that does not hold the domain",
    change: (c) =>
      (c.dns = { provider: "cloudflare", zoneId: "0".repeat(32), zoneName: "example.org" }),
    expected: [
      `dns.zoneName: must be agents.example.com or a parent of it (the zone that holds it)`,
    ],
  },
  {
    name: "provided certificate that does not parse (WildcardCertificate's check), without its key",
    change: (c) =>
      (c.tls = { mode: "provided", certificate: "-----BEGIN CERTIFICATE-----\nMII..." }),
    expected: [
      `tlsPrivateKey: is required when tls.mode is "provided"; run: pulumi config set --secret tlsPrivateKey < key.pem`,
      `tls.certificate "-----BEGIN CERTIFICATE-----\\nMII...": is not a PEM certificate (error:04800066:PEM routines::bad end line)`,
    ],
  },
  {
    name: "plan with a malformed quantity",
    change: (c) =>
      (c.plans = {
        tiny: {
          requests: { cpu: "100 millicores", memory: "128Mi" },
          limits: { cpu: "1", memory: "256Mi" },
          maxReplicas: 1,
          databaseConnections: 5,
        },
      }),
    expected: [`plans.tiny.requests.cpu "100 millicores": ${QUANTITY_ALLOWED}`],
  },
  {
    name: "plan whose requests exceed its limits, and a quantity finer than a thousandth",
    change: (c) =>
      (c.plans = {
        tiny: {
          requests: { cpu: "3", memory: "512Mi" },
          limits: { cpu: "2", memory: "256Mi" },
          maxReplicas: 1,
          databaseConnections: 5,
        },
        odd: {
          requests: { cpu: "0.0001", memory: "128Mi" },
          limits: { cpu: "1", memory: "256Mi" },
          maxReplicas: 1,
          databaseConnections: 5,
        },
      }),
    expected: [
      `plans.tiny.requests.cpu "3": must not exceed plans.tiny.limits.cpu (2)`,
      `plans.tiny.requests.memory "512Mi": must not exceed plans.tiny.limits.memory (256Mi)`,
      `plans.odd.requests.cpu "0.0001": finer than a thousandth of a unit; the smallest step is 1m (0.001)`,
    ],
  },
  {
    name: "proxy resources with a unit no quantity has (their limits are checked once it parses)",
    change: (c) =>
      (c.proxy = {
        resources: {
          requests: { cpu: "4", memory: "128Mi" },
          limits: { cpu: "2", memory: "1GB" },
        },
      }),
    expected: [`proxy.resources.limits.memory "1GB": ${QUANTITY_ALLOWED}`],
  },
  {
    // 1100M (decimal) is 1,100,000,000 bytes, more than 1Gi's 1,073,741,824.
    name: "proxy resources whose requests exceed their limits",
    change: (c) =>
      (c.proxy = {
        resources: {
          requests: { cpu: "4", memory: "1100M" },
          limits: { cpu: "2", memory: "1Gi" },
        },
      }),
    expected: [
      `proxy.resources.requests.cpu "4": must not exceed proxy.resources.limits.cpu (2)`,
      `proxy.resources.requests.memory "1100M": must not exceed proxy.resources.limits.memory (1Gi)`,
    ],
  },
  {
    // A zero limit is no limit to Kubernetes; the quota sized from it (0) admits the pod anyway.
    name: "plan with zero limits (zero requests are fine)",
    change: (c) => {
      c.plans = {
        free: {
          requests: { cpu: "0", memory: "0" },
          limits: { cpu: "0", memory: "0Mi" },
          maxReplicas: 2,
          databaseConnections: 5,
        },
      };
      c.tenants[1].plan = "free";
    },
    expected: [
      `plans.free.limits.cpu "0": ${ZERO_CPU_LIMIT}`,
      `plans.free.limits.memory "0Mi": ${ZERO_MEMORY_LIMIT}`,
    ],
  },
  {
    name: "plan with a zero CPU limit under a request: the limit alone",
    change: (c) =>
      (c.plans = {
        tiny: {
          requests: { cpu: "250m", memory: "128Mi" },
          limits: { cpu: "0m", memory: "256Mi" },
          maxReplicas: 1,
          databaseConnections: 5,
        },
      }),
    expected: [`plans.tiny.limits.cpu "0m": ${ZERO_CPU_LIMIT}`],
  },
  {
    // Said once: the draining-worker budget does not size from a zero memory limit.
    name: "proxy resources with zero limits",
    change: (c) =>
      (c.proxy = {
        resources: {
          requests: { cpu: "0", memory: "0" },
          limits: { cpu: "0", memory: "0Gi" },
        },
      }),
    expected: [
      `proxy.resources.limits.cpu "0": ${ZERO_CPU_LIMIT}`,
      `proxy.resources.limits.memory "0Gi": ${ZERO_MEMORY_LIMIT}`,
    ],
  },
  {
    name: "tenants given as a single object",
    change: (c) => (c.tenants = { id: "acme" }),
    expected: [`tenants {"id":"acme"}: must be a list of maps, not a map`],
  },
  {
    name: "group that is not a DNS label",
    change: (c) => (c.tenants[0].groups = ["Early Access"]),
    expected: [
      `tenants[0].groups[0] "Early Access": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 30 characters`,
    ],
  },
  {
    name: "external database port out of range",
    change: (c) => {
      c.database = { mode: "external", host: "pg.example.com", port: 70000 };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [`database.port 70000: must be at most 65535`],
  },
  {
    name: "unknown sslmode",
    change: (c) => {
      c.database = { mode: "external", host: "pg.example.com", sslmode: "prefer" };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [
      `database.sslmode "prefer": must be one of "disable", "require", "verify-ca", "verify-full"`,
    ],
  },
  {
    name: "custom domain outside every managed zone",
    change: (c) => {
      c.dns = {
        provider: "cloudflare",
        zoneId: "0123456789abcdef0123456789abcdef",
        zoneName: "agents.example.com",
        customDomains: "zone-records",
        customDomainZones: { "acme.com": "fedcba9876543210fedcba9876543210" },
      };
      c.tenants[0].customDomains = ["chat.globex.com"];
    },
    expected: [
      `tenants[0].customDomains[0] "chat.globex.com": no zone in dns.customDomainZones contains it (zones: acme.com); add its zone or use dns.customDomains: cloudflare-for-saas`,
    ],
  },
  {
    name: "registry password without a user",
    change: (c) => (c.registryPassword = "token"),
    secretKeys: ["registryPassword"],
    expected: [`image.registryUsername: is required when registryPassword is set`],
  },
  {
    name: "network CIDR that is a bare address",
    change: (c) => {
      c.database = { mode: "external", host: "pg.example.com", networkCidrs: ["10.0.0.5"] };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [`database.networkCidrs[0] "10.0.0.5": must be an IPv4 CIDR such as 203.0.113.0/24`],
  },
  {
    name: "several rule violations are all listed",
    change: (c) => {
      c.tenants[0].id = "admin";
      c.tenants[1].plan = "free";
      c.tenants[1].env = { PORT: "9000" };
    },
    expected: [
      `tenants[0].id "admin": ${RESERVED}`,
      `tenants[1].plan "free": must be one of "pro", "standard", "starter" (or a plan defined under plans)`,
      `tenants[1].env.PORT: is set by the platform and cannot be overridden (DATABASE_URL, HOST, PORT, AGENT_CLOUD_API_KEY, AGENT_CLOUD_API_KEY_PREVIOUS, AGENT_CLOUD_TENANT, AGENT_CLOUD_ENVIRONMENT, AGENT_CLOUD_NAMESPACE, AGENT_CLOUD_CONFIG, ADMIN_EMAIL)`,
    ],
  },
  {
    name: "several shape errors are all listed, with a clear-text secret",
    change: (c) => {
      delete c.environment;
      c.proxy = { replicas: 0, readTimeoutSeconds: "1h" };
      c.registryPassword = "token";
    },
    expected: [
      `registryPassword (clear text): is a secret and must be stored encrypted; run: pulumi config rm registryPassword && pulumi config set --secret registryPassword <value>`,
      `environment: is required and must be lowercase letters and digits, starting with a letter, at most 12 characters`,
      `proxy.replicas 0: must be at least 1`,
      `proxy.readTimeoutSeconds "1h": must be a whole number from 1 to 86400, not text`,
      `image.registryUsername: is required when registryPassword is set`,
    ],
  },
  {
    name: "schema and cross-field problems together (the README's example)",
    change: (c) => {
      c.tenants[0].env = { OPENAI_API_KEY: "sk-proj-abcdefghijklmnopqrstuvwxyz" };
      c.tenants[1].id = "Acme_1";
      c.tenants[1].adminEmail = 42;
      c.tenants[1].customDomain = ["chat.acme.com"];
    },
    expected: [
      `tenants[1].id "Acme_1": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 40 characters`,
      `tenants[1].adminEmail 42: must be an email address, not a number`,
      `tenants[1]: unknown key "customDomain" (did you mean "customDomains"?); see the config reference in README.md`,
      `tenants[0].env.OPENAI_API_KEY (clear text): ${SECRET_ENV_FIX("acme", "OPENAI_API_KEY")}`,
    ],
  },
  {
    name: "a cross-field rule over a key that failed is skipped, not guessed",
    change: (c) => {
      c.environment = "production";
      c.tls = { mode: "letsencrypt" };
      c.tenants[1].plan = "gold";
      c.plans = { gold: { maxReplicas: "many" } };
    },
    expected: [
      `tls.mode "letsencrypt": must be one of "self-signed", "provided", "acme", "cloudflare-origin-ca"`,
      `plans.gold.requests: is required and must be a map`,
      `plans.gold.limits: is required and must be a map`,
      `plans.gold.maxReplicas "many": must be a whole number from 1 to 50, not text`,
      `plans.gold.databaseConnections: is required and must be a whole number from 1 to 500`,
      `database.mode "in-cluster": production needs an external database; set database.allowInProduction: true to run PostgreSQL in the cluster`,
    ],
  },
  {
    name: "a misspelt key inside the chosen TLS mode, a boolean given as text",
    change: (c) => {
      c.tls = { mode: "acme", emial: "ops@acme.com", installCertManager: "yes" };
      c.dns = { provider: "cloudflare", zoneId: "0".repeat(32), zoneName: "example.com" };
    },
    expected: [
      `tls.email: is required and must be an email address for the ACME account`,
      `tls.installCertManager "yes": must be true or false, not text`,
      `tls: unknown key "emial" (did you mean "email"?); see the config reference in README.md`,
      `dns.edgeCertificate: Cloudflare's free Universal certificate covers only example.com and *.example.com, not the tenants' *.agents.example.com: TLS would fail at Cloudflare's edge. Set dns.edgeCertificate: advanced (the stack orders an Advanced Certificate for agents.example.com and *.agents.example.com; the zone needs Advanced Certificate Manager, a paid add-on), or serve tenants one level below the zone (domain: example.com)`,
    ],
  },
  {
    name: "environment names that could collide with another's (dev + team-a vs dev-team + a)",
    change: (c) => (c.environment = "dev-team"),
    expected: [
      `environment "dev-team": must be letters and digits only (no '-'): names join it with tenant ids, so "dev" + tenant "team-a" and "dev-team" + tenant "a" would share database sp_dev_team_a, and a tenant namespace could equal another environment's {env}-edge`,
    ],
  },
  {
    name: "a plan reaching cloud host addresses that look public (Azure's WireServer, reserved ranges)",
    change: (c) =>
      (c.plans = {
        open: {
          requests: { cpu: "100m", memory: "128Mi" },
          limits: { cpu: "1", memory: "1Gi" },
          maxReplicas: 2,
          databaseConnections: 5,
          egressCidrs: ["168.63.129.16/32", "198.19.0.0/16", "192.0.0.0/24"],
        },
      }),
    expected: [
      `plans.open.egressCidrs[0] "168.63.129.16/32": overlaps non-public ranges (168.63.129.16/32), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.open.allowPrivateEgress: true (named in every preview)`,
      `plans.open.egressCidrs[1] "198.19.0.0/16": overlaps non-public ranges (198.18.0.0/15), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.open.allowPrivateEgress: true (named in every preview)`,
      `plans.open.egressCidrs[2] "192.0.0.0/24": overlaps non-public ranges (192.0.0.0/24), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.open.allowPrivateEgress: true (named in every preview)`,
    ],
  },
  {
    name: "a plan opening all egress, the metadata service and the cluster network",
    change: (c) =>
      (c.plans = {
        open: {
          requests: { cpu: "100m", memory: "128Mi" },
          limits: { cpu: "1", memory: "1Gi" },
          maxReplicas: 2,
          databaseConnections: 5,
          egressCidrs: ["0.0.0.0/0", "169.254.169.254/32", "203.0.113.0/24"],
        },
      }),
    expected: [
      `plans.open.egressCidrs[0] "0.0.0.0/0": overlaps non-public ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16, 127.0.0.0/8, 168.63.129.16/32, 192.0.0.0/24, 198.18.0.0/15, 0.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.open.allowPrivateEgress: true (named in every preview)`,
      `plans.open.egressCidrs[1] "169.254.169.254/32": overlaps non-public ranges (169.254.0.0/16), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.open.allowPrivateEgress: true (named in every preview)`,
    ],
  },
  {
    name: "a database network of everything, a public range and a whole private network",
    change: (c) => {
      c.database = {
        mode: "external",
        host: "db.internal",
        networkCidrs: ["0.0.0.0/0", "203.0.113.0/24", "10.0.0.0/8", "10.30.0.0/24"],
      };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [
      `database.networkCidrs[0] "0.0.0.0/0": must lie inside one private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10): it is where the server sits on a private network; a server with a public address needs no entry`,
      `database.networkCidrs[1] "203.0.113.0/24": must lie inside one private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10): it is where the server sits on a private network; a server with a public address needs no entry`,
      `database.networkCidrs[2] "10.0.0.0/8": is wider than /16: tenants could reach every address in it on the database port; list the server's subnets`,
    ],
  },
  {
    name: "one node port for the proxy's http and https",
    change: (c) =>
      (c.proxy = { serviceType: "NodePort", nodePorts: { http: 30443, https: 30443 } }),
    expected: [
      `proxy.nodePorts.https 30443: is also proxy.nodePorts.http: a node port carries one Service port, and Kubernetes refuses the Service; give each its own`,
    ],
  },
  {
    name: "the database's admin node port is one of the proxy's",
    change: (c) => {
      c.proxy = { serviceType: "NodePort", nodePorts: { http: 30080, https: 30443 } };
      c.database = { mode: "in-cluster", nodePort: 30443, adminSourceCidrs: ["172.16.0.0/12"] };
    },
    expected: [
      `database.nodePort 30443: is also proxy.nodePorts.https: a node port belongs to one Service, and Kubernetes refuses the second; give the database another`,
    ],
  },
  {
    name: "one node port for everything: the proxy's both and the database's",
    change: (c) => {
      c.proxy = { serviceType: "NodePort", nodePorts: { http: 30080, https: 30080 } };
      c.database = { mode: "in-cluster", nodePort: 30080, adminSourceCidrs: ["172.16.0.0/12"] };
    },
    expected: [
      `proxy.nodePorts.https 30080: is also proxy.nodePorts.http: a node port carries one Service port, and Kubernetes refuses the Service; give each its own`,
      `database.nodePort 30080: is also proxy.nodePorts.http: a node port belongs to one Service, and Kubernetes refuses the second; give the database another`,
      `database.nodePort 30080: is also proxy.nodePorts.https: a node port belongs to one Service, and Kubernetes refuses the second; give the database another`,
    ],
  },
  {
    name: "a cluster domain in capitals (it fails in the program, naming no key, otherwise)",
    change: (c) => (c.proxy = { clusterDomain: "Cluster.Local" }),
    expected: [
      `proxy.clusterDomain "Cluster.Local": must be a lowercase DNS name such as cluster.local (the cluster's DNS domain)`,
    ],
  },
  {
    name: "a database host written as a URL (it made a broken DATABASE_URL)",
    change: (c) => {
      c.database = { mode: "external", host: "postgres://pg.example.com:5432/postgres" };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [`database.host "postgres://pg.example.com:5432/postgres": ${SERVER_HOST}`],
  },
  ...[
    "pg.example.com:5432",
    "PG.example.com",
    "",
    "10.0.0.256",
    "pg_1.example.com",
    "[2001:db8::5]",
  ].map((host): Row => ({
    name: `a database host ${JSON.stringify(host)}`,
    change: (c) => {
      c.database = { mode: "external", host };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [`database.host ${JSON.stringify(host)}: ${SERVER_HOST}`],
  })),
  {
    name: "an in-cluster admin host written as a URL",
    change: (c) => (c.database = { mode: "in-cluster", adminHost: "http://localhost:30432" }),
    expected: [`database.adminHost "http://localhost:30432": ${SERVER_HOST}`],
  },
  {
    name: "an admin node port without the sources the database may admit it from",
    change: (c) => (c.database = { mode: "in-cluster", nodePort: 30432 }),
    expected: [
      `database.adminSourceCidrs []: is required with database.nodePort 30432: the database's NetworkPolicy admits the admin path only from these sources (kind: the Docker network, 172.16.0.0/12)`,
    ],
  },
  {
    name: "tenants' connection limits above the in-cluster server's max_connections",
    change: (c) =>
      (c.tenants = Array.from({ length: 4 }, (_, i) => ({ id: `t${i}`, plan: "pro" }))),
    expected: [
      `database.maxConnections 200: tenants' databaseConnections sum to 200 (+5 reserved for the admin), above max_connections; raise database.maxConnections or move tenants to smaller plans`,
    ],
  },
  {
    name: "tenants' connection limits above an external server's declared max_connections",
    change: (c) => {
      c.database = { mode: "external", host: "db.example.com", maxConnections: 40 };
      c.databaseAdminPassword = "x";
    },
    secretKeys: ["databaseAdminPassword"],
    expected: [
      `database.maxConnections 40: tenants' databaseConnections sum to 40 (+5 reserved for the admin), above max_connections; raise database.maxConnections (and the server's max_connections) or move tenants to smaller plans`,
    ],
  },
  {
    name: "credentials the old detector missed: *_PASS, *_WEBHOOK_URL, rk_live_ values",
    change: (c) =>
      (c.tenants[0].env = {
        SMTP_PASS: "hunter2hunter2",
        SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnop",
        BILLING: "rk_live_51AbCdEfGhIjKlMnOp",
        MAX_TOKENS: "4096",
      }),
    expected: [
      `tenants[0].env.SMTP_PASS (clear text): ${SECRET_ENV_FIX("acme", "SMTP_PASS")}`,
      `tenants[0].env.SLACK_WEBHOOK_URL (clear text): ${SECRET_ENV_FIX("acme", "SLACK_WEBHOOK_URL")}`,
      `tenants[0].env.BILLING (clear text): ${SECRET_ENV_FIX("acme", "BILLING")}`,
    ],
  },
  {
    name: "credentials a careless operator writes that the detector missed (red team)",
    change: (c) => {
      c.tenants[0].env = {
        REDIS_URL: "redis://:hunter2hunter2@redis:6379/0",
        HMAC_KEY: "f".repeat(64),
        JWT_KEY: "supersecretsigningvalue123",
        MAIL: "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
        CACHE_KEY: "agents",
      };
      c.tenants[0].agentConfig = {
        mcp: { url: "https://mcp.example.com/sse?api_key=abcdefghijklmnopqrstuvwxyz123" },
        signing: "-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc",
        docs: "https://example.com/search?q=tokens&page=2",
      };
    },
    expected: [
      `tenants[0].env.REDIS_URL (clear text): ${SECRET_ENV_FIX("acme", "REDIS_URL")}`,
      `tenants[0].env.HMAC_KEY (clear text): ${SECRET_ENV_FIX("acme", "HMAC_KEY")}`,
      `tenants[0].env.JWT_KEY (clear text): ${SECRET_ENV_FIX("acme", "JWT_KEY")}`,
      `tenants[0].env.MAIL (clear text): ${SECRET_ENV_FIX("acme", "MAIL")}`,
      `tenants[0].agentConfig.mcp.url (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.URL' <value>`,
      `tenants[0].agentConfig.signing (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.SIGNING' <value>`,
    ],
  },
  {
    name: "credentials inside agentConfig: webhook URLs, Authorization headers, credential blocks",
    change: (c) =>
      (c.tenants[0].agentConfig = {
        model: "claude-sonnet-4-5",
        maxTokens: 4096,
        notify: { webhookUrl: "https://example.com/hook" },
        mcp: [{ url: "https://mcp.example.com", headers: { Authorization: "Bearer abc" } }],
        billing: { key: "rk_live_51AbCdEfGhIjKlMnOp" },
        credentials: { user: "bot", secret: "x" },
      }),
    expected: [
      `tenants[0].agentConfig.notify.webhookUrl (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.WEBHOOK_URL' <value>`,
      `tenants[0].agentConfig.mcp[0].headers.Authorization (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.AUTHORIZATION' <value>`,
      `tenants[0].agentConfig.billing.key (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.KEY' <value>`,
      `tenants[0].agentConfig.credentials (clear text): looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.acme.CREDENTIALS' <value>`,
    ],
  },
  {
    name: "custom domains above the platform domain, under another environment's, or a parent of another tenant's",
    change: (c) => {
      c.otherEnvironmentDomains = ["staging.example.net", "acme.agents.example.com"];
      c.tenants[0].customDomains = ["example.com", "eu.staging.example.net", "acme.io"];
      c.tenants[1].customDomains = ["chat.acme.io"];
    },
    expected: [
      `tenants[0].id "acme": its host acme.agents.example.com is a domain another environment serves (otherEnvironmentDomains: acme.agents.example.com); choose another id`,
      `tenants[0].customDomains[0] "example.com": must not be above the platform domain agents.example.com: it would cover every tenant's host`,
      `tenants[0].customDomains[1] "eu.staging.example.net": is under staging.example.net, which another environment serves (otherEnvironmentDomains); a domain belongs to one environment`,
      `tenants[1].customDomains[0] "chat.acme.io": is under acme.io, claimed by tenant "acme"; a tenant's domain may not be a parent or child of another tenant's`,
    ],
  },
  {
    name: "custom domains in another tenant's or another environment's registrable domain (either could plant cookies in the other: red team)",
    change: (c) => {
      c.otherEnvironmentDomains = ["bot.bigco.com"];
      c.tenants[0].customDomains = [
        "a.corp.test",
        "www.corp.test",
        "support.bigco.com",
        "acme.co.uk",
      ];
      c.tenants[1].customDomains = ["b.corp.test", "globex.co.uk"];
    },
    expected: [
      `tenants[0].customDomains[2] "support.bigco.com": shares the registrable domain bigco.com with bot.bigco.com, which another environment serves (otherEnvironmentDomains): either could set cookies for bigco.com that browsers send to the other; choose a custom domain under a registrable domain no other environment uses`,
      `tenants[1].customDomains[0] "b.corp.test": shares the registrable domain corp.test with a.corp.test, claimed by tenant "acme": either tenant could set cookies for corp.test that browsers send to the other; choose a custom domain under a registrable domain no other tenant uses (one tenant's hosts may share one)`,
    ],
  },
  {
    name: "fractions where whole numbers go, top-level text included",
    change: (c) => {
      c.proxy = { replicas: 2.5 };
      c.maxTenantsPerStack = "2.5";
    },
    expected: [
      `proxy.replicas 2.5: must be a whole number from 1 to 20, not a fraction`,
      `maxTenantsPerStack "2.5": must be a whole number from 1 to 100000, not a fraction`,
    ],
  },
  {
    name: "an Origin CA validity that is not one Cloudflare issues",
    change: (c) => (c.tls = { mode: "cloudflare-origin-ca", validityDays: 100 }),
    expected: [`tls.validityDays 100: must be one of 7, 30, 90, 365, 730, 1095, 5475`],
  },
  {
    name: "an environment with upper case, a tenant id starting with a digit",
    change: (c) => {
      c.environment = "Local";
      c.tenants[0].id = "1acme";
    },
    expected: [
      `environment "Local": must be lowercase letters and digits, starting with a letter, at most 12 characters`,
      `tenants[0].id "1acme": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 40 characters`,
    ],
  },
  {
    name: "a custom-domain zone id, app paths and an empty migrate in people's words",
    change: (c) => {
      c.dns = {
        provider: "cloudflare",
        zoneId: "0".repeat(32),
        zoneName: "example.com",
        customDomainZones: { "example.org": "bad" },
      };
      c.app = { healthPath: "healthz", writablePaths: ["tmp"], migrate: [] };
    },
    expected: [
      `dns.customDomainZones["example.org"] "bad": must be a 32-character Cloudflare zone id`,
      `app.healthPath "healthz": must be a path starting with "/"`,
      `app.writablePaths[0] "tmp": must be a path starting with "/"`,
      `app.migrate []: must name a command (leave migrate out to run none)`,
    ],
  },
  {
    name: "credentials pasted into the wrong fields are refused and never shown",
    change: (c) => {
      c.database = { mode: "external", host: "postgres://admin:Sup3rS3cret@pg.example.com/db" };
      c.dns = { provider: "cloudflare", zoneId: "Xq7cF0rT9kLmN2pQ4sV6wY8zA1bC3dE5fG7hJ9kL" };
      c.image = {
        context: "./app",
        repository: "https://ci:ghp_abcdefghijklmnopqrstuvwxyz0123456789@ghcr.io/a",
      };
    },
    expected: [
      `dns.zoneId (not shown: it looks like a token): must be a 32-character Cloudflare zone id`,
      `database.host (not shown: it looks like a URL with an embedded password): ${SERVER_HOST}`,
      `image.repository (not shown: it looks like a GitHub token (ghp_...)): must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)`,
    ],
  },
  {
    name: "a Global API Key in zoneId and a token as a key name: neither shown",
    change: (c) => {
      c.dns = { provider: "cloudflare", zoneId: "1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d" };
      c.proxy = { ghp_abcdefghijklmnopqrstuvwxyz0123456789: true };
    },
    expected: [
      `dns.zoneId (not shown: it looks like a token): must be a 32-character Cloudflare zone id`,
      `proxy: unknown key (not shown: it looks like a GitHub token (ghp_...)); see the config reference in README.md`,
    ],
  },
  {
    name: "a certificate with its private key pasted in: the key is refused, never shown",
    change: (c) =>
      (c.tls = {
        mode: "provided",
        certificate:
          "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
      }),
    secretKeys: ["tlsPrivateKey"],
    expected: [
      `tls.certificate (not shown: it looks like a PEM private key (-----BEGIN ... PRIVATE KEY-----)): holds a PEM private key: only certificates go here, since config is stored in clear (the stack file, the state, every update's history); remove the key block, and give the edge's key as the secret tlsPrivateKey (pulumi config set --secret tlsPrivateKey < key.pem)`,
    ],
  },
  {
    name: "a credential in a migration's arguments, the shared app's or a tenant's: refused, never shown",
    change: (c) => {
      c.tenants[1].migrate = ["./migrate", "--token", ANTHROPIC_KEY];
      c.app = { migrate: ["./migrate", `--key=${ANTHROPIC_KEY}`] };
    },
    expected: [
      `app.migrate[1] (clear text): holds what looks like an OpenAI/Anthropic API key (sk-...), and this field is deployed in clear (the state, Kubernetes objects, the update history): ${PLAIN_FIELD_FIX}`,
      `tenants[1].migrate[2] (clear text): holds what looks like an OpenAI/Anthropic API key (sk-...), and this field is deployed in clear (the state, Kubernetes objects, the update history): keep it in tenantSecrets (pulumi config set --secret --path 'tenantSecrets.globex.<NAME>' <value>), which the app and its migration read as environment variables`,
    ],
  },
  {
    name: "a credential in the proxy Service's annotations or a backup endpoint's URL: refused, never shown",
    change: (c) => {
      c.proxy = { serviceAnnotations: { "example.com/api-token": ANTHROPIC_KEY } };
      c.database = {
        mode: "in-cluster",
        backup: {
          target: {
            kind: "s3",
            endpoint: "https://backup:wJalrXUtnFEMIK7MDENG@s3.example.com",
            bucket: "backups",
            credentialsSecret: "s3",
            mcImage: "minio/mc:RELEASE.2025-08-13T08-35-41Z",
          },
        },
      };
    },
    expected: [
      `proxy.serviceAnnotations.example.com/api-token (clear text): holds what looks like an OpenAI/Anthropic API key (sk-...), and this field is deployed in clear (the state, Kubernetes objects, the update history): ${PLAIN_FIELD_FIX}`,
      `database.backup.target.endpoint (clear text): holds what looks like a URL with an embedded password, and this field is deployed in clear (the state, Kubernetes objects, the update history): ${PLAIN_FIELD_FIX}`,
    ],
  },
];

describe("parseConfig refuses bad configuration with one exact error", () => {
  it("has at least 30 rows", () => expect(rows.length).toBeGreaterThanOrEqual(30));

  it.each(rows)("$name", ({ change, secretKeys, expected }) => {
    const raw = base();
    change(raw);
    let error: unknown;
    try {
      parseConfig(raw, { secretKeys });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map(formatIssue);
    expect(issues).toEqual(expected);
    expect((error as ConfigError).message).toBe(
      `agent-cloud config is invalid (${expected.length} ${expected.length === 1 ? "problem" : "problems"}):\n` +
        expected.map((l) => `  - ${l}`).join("\n"),
    );
  });

  it("never prints a secret value it refuses", () => {
    const raw = base();
    raw.databaseAdminPassword = "hunter2-very-secret";
    raw.tenants[0].env = { OPENAI_API_KEY: "sk-proj-should-not-appear" };
    const message = (() => {
      try {
        parseConfig(raw);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toContain("databaseAdminPassword (clear text)");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("sk-proj");
  });
});

describe("parseConfig takes Custom Hostnames in a shared zone's owner, and in a zone of its own", () => {
  /** dev's custom domain next to production's (agents.example.com), with the zone given. */
  function saas(zoneName: string, domain: string, dns: Record<string, unknown> = {}) {
    const raw = base();
    raw.domain = domain;
    raw.otherEnvironmentDomains = ["agents.example.com", "agents.acme-corp.com"];
    raw.dns = { provider: "cloudflare", zoneId: "0".repeat(32), zoneName, ...dns };
    raw.tenants[0].customDomains = ["agents.acme-corp.dev"];
    return raw;
  }

  it("the zone's one owner (dns.ownsFallbackOrigin true)", () => {
    const raw = saas("example.com", "dev.agents.example.com", {
      edgeCertificate: "advanced",
      ownsFallbackOrigin: true,
    });
    expect(parseConfig(raw).dns).toMatchObject({ ownsFallbackOrigin: true });
  });

  it("a zone no other environment's domain is in, without the field (false by default)", () => {
    const c = parseConfig(saas("example-dev.com", "example-dev.com"));
    expect(c.dns).toMatchObject({ zoneName: "example-dev.com", ownsFallbackOrigin: false });
  });
});

describe("parseConfig takes custom domains that share a registrable domain only within one tenant", () => {
  it("one tenant's several hosts, tenants under one public or private suffix, other environments elsewhere", () => {
    const raw = base();
    raw.otherEnvironmentDomains = ["bot.bigco.co.uk", "staging.globex.io"];
    raw.tenants[0].customDomains = ["support.bigco.com", "sales.bigco.com", "acme.github.io"];
    raw.tenants[1].customDomains = ["globex.co.uk", "globex.github.io"];
    expect(parseConfig(raw).tenants.map((tenant) => tenant.customDomains)).toEqual([
      ["support.bigco.com", "sales.bigco.com", "acme.github.io"],
      ["globex.co.uk", "globex.github.io"],
    ]);
  });
});

describe("parseConfig takes a database host as a host name or an IP address", () => {
  it.each(["pg.example.com", "pg", "10.0.0.5", "2001:db8::5", "fd00::5", "localhost"])(
    "%s",
    (host) => {
      const raw = { ...base(), database: { mode: "external", host }, databaseAdminPassword: "x" };
      const config = parseConfig(raw, { secretKeys: ["databaseAdminPassword"] });
      expect(config.database).toMatchObject({ mode: "external", host });
    },
  );
});

describe("parseConfig refuses input that is not a map", () => {
  it.each([
    [null, `config null: must be a map of agent-cloud:* keys`],
    [[], `config []: must be a map of agent-cloud:* keys`],
    ["dev", `config "dev": must be a map of agent-cloud:* keys`],
  ])("%j", (input, line) => {
    expect(() => parseConfig(input as never)).toThrow(
      `agent-cloud config is invalid (1 problem):\n  - ${line}`,
    );
  });
});
