/** A `dev` stack shaped like the platform's: proxy, three tenants, a database, a TLS secret. */
import type { DeployOptions } from "../../../ops/commands/deploy";
import type { StateResource } from "../../../ops/engine";
import { DIGEST_A } from "../../../testkit/ops/fakes";
import { memoryStack, type MemoryStack } from "../../../testkit/ops/memory-engine";
import { AGENT_CLOUD } from "../../../testkit/type-tokens";

const PREFIX = "urn:pulumi:dev::agent-cloud::";
const TENANT = `${AGENT_CLOUD.Platform}$${AGENT_CLOUD.TenantApp}`;
const PROXY = `${AGENT_CLOUD.Platform}$${AGENT_CLOUD.ManagementProxy}`;
const CERTIFICATE = `${AGENT_CLOUD.Platform}$${AGENT_CLOUD.WildcardCertificate}`;

export const URN = {
  stack: `${PREFIX}pulumi:pulumi:Stack::agent-cloud-dev`,
  platform: `${PREFIX}${AGENT_CLOUD.Platform}::dev`,
  proxy: `${PREFIX}${PROXY}::dev-proxy`,
  proxyRoutes: `${PREFIX}${PROXY}$kubernetes:core/v1:ConfigMap::dev-proxy-config`,
  proxyDeployment: `${PREFIX}${PROXY}$kubernetes:apps/v1:Deployment::dev-proxy-deployment`,
  certificate: `${PREFIX}${CERTIFICATE}::dev-certificate`,
  edgeTls: `${PREFIX}${CERTIFICATE}$kubernetes:core/v1:Secret::dev-certificate-tls`,
  acme: `${PREFIX}${TENANT}::dev-tenant-acme`,
  acmeNamespace: `${PREFIX}${TENANT}$kubernetes:core/v1:Namespace::dev-tenant-acme-namespace`,
  acmeDeployment: `${PREFIX}${TENANT}$kubernetes:apps/v1:Deployment::dev-tenant-acme-deployment`,
  bigAcme: `${PREFIX}${TENANT}::dev-tenant-big-acme`,
  bigAcmeDeployment: `${PREFIX}${TENANT}$kubernetes:apps/v1:Deployment::dev-tenant-big-acme-deployment`,
  globex: `${PREFIX}${TENANT}::dev-tenant-globex`,
  globexDeployment: `${PREFIX}${TENANT}$kubernetes:apps/v1:Deployment::dev-tenant-globex-deployment`,
  database: `${PREFIX}${AGENT_CLOUD.Platform}$${AGENT_CLOUD.SharedDatabase}::dev-database`,
} as const;

const PARENT: Record<string, string> = {
  [URN.platform]: URN.stack,
  [URN.proxy]: URN.platform,
  [URN.proxyRoutes]: URN.proxy,
  [URN.proxyDeployment]: URN.proxy,
  [URN.certificate]: URN.platform,
  [URN.edgeTls]: URN.certificate,
  [URN.acme]: URN.platform,
  [URN.acmeNamespace]: URN.acme,
  [URN.acmeDeployment]: URN.acme,
  [URN.bigAcme]: URN.platform,
  [URN.bigAcmeDeployment]: URN.bigAcme,
  [URN.globex]: URN.platform,
  [URN.globexDeployment]: URN.globex,
  [URN.database]: URN.platform,
};

function resource(urn: string, outputs: Record<string, unknown> = {}): StateResource {
  const type = urn.split("::")[2]?.split("$").pop() ?? "";
  return { urn, type, parent: PARENT[urn], inputs: {}, outputs };
}

export function devResources(): StateResource[] {
  return [
    resource(URN.stack),
    resource(URN.platform),
    resource(URN.proxy),
    resource(URN.proxyRoutes),
    resource(URN.proxyDeployment),
    resource(URN.certificate),
    resource(URN.edgeTls, {
      type: "kubernetes.io/tls",
      metadata: { name: "wildcard-tls", namespace: "dev-edge" },
    }),
    resource(URN.acme),
    resource(URN.acmeNamespace),
    resource(URN.acmeDeployment),
    resource(URN.bigAcme),
    resource(URN.bigAcmeDeployment),
    resource(URN.globex),
    resource(URN.globexDeployment),
    resource(URN.database),
  ];
}

export const IMAGE_REF_A = `ghcr.io/acme/agent:1.2.0@${DIGEST_A}`;

export function devConfig(): Record<string, unknown> {
  return {
    "agent-cloud:environment": "dev",
    "agent-cloud:domain": "dev.example.com",
    "agent-cloud:image": { context: "./app", repository: "ghcr.io/acme/agent", tag: "1.2.0" },
    "agent-cloud:tenants": [
      {
        id: "acme",
        plan: "standard",
        groups: ["beta"],
        agentConfig: { model: "claude-sonnet", tools: ["search"] },
      },
      { id: "big-acme", groups: ["stable"], agentConfig: { model: "claude-haiku" } },
      { id: "globex", groups: ["stable", "eu"], customDomains: ["agents.globex.test"] },
    ],
    "agent-cloud:tenantSecrets": { secure: "v1:ZGV2LWNpcGhlcnRleHQ=" },
  };
}

export function devOutputs(): MemoryStack["outputs"] {
  return {
    imageRef: { value: IMAGE_REF_A, secret: false },
    environment: { value: "dev", secret: false },
    proxyAddress: { value: "203.0.113.10", secret: false },
    tenants: {
      value: {
        acme: {
          url: "https://acme.dev.example.com",
          namespace: "dev-tenant-acme",
          image: IMAGE_REF_A,
          groups: ["beta"],
        },
        "big-acme": {
          url: "https://big-acme.dev.example.com",
          namespace: "dev-tenant-big-acme",
          image: IMAGE_REF_A,
          groups: ["stable"],
        },
        globex: {
          url: "https://globex.dev.example.com",
          namespace: "dev-tenant-globex",
          image: IMAGE_REF_A,
          groups: ["stable", "eu"],
        },
      },
      secret: false,
    },
  };
}

export function devStack(partial: Partial<MemoryStack> = {}): MemoryStack {
  return memoryStack({
    config: devConfig(),
    outputs: devOutputs(),
    resources: devResources(),
    ...partial,
  });
}

/** A plain `deploy --stack dev`: no flag set. */
export const DEV_DEPLOY: DeployOptions = {
  stack: "dev",
  dryRun: false,
  skipBuild: false,
  force: false,
  groups: [],
};
