/**
 * The stack outputs the ops tool relies on, read leniently: a stack deployed before an output
 * existed simply lacks it. The Pulumi program exports:
 *
 * - `imageRef`: the digest-pinned image tenants run, e.g. `ghcr.io/acme/agent@sha256:...`
 * - `tenants`: `{ [id]: { url, hosts, namespace, image, groups } }`
 * - `environment`: the environment name (`agent-cloud:environment`)
 * - `proxyAddress`: the edge proxy's public IP or hostname (`""` when its Service has none)
 * - `edgeNamespace`: the proxy's namespace, the only one that may hold certificates
 */
import type { StackOutputs } from "./engine";

/** Names of the stack outputs the ops tool reads. */
export const OUTPUT = {
  imageRef: "imageRef",
  tenants: "tenants",
  environment: "environment",
  proxyAddress: "proxyAddress",
  edgeNamespace: "edgeNamespace",
} as const;

/** One tenant as the stack exports it. */
export interface TenantOutput {
  readonly id: string;
  readonly url: string;
  /** Every host the proxy routes to the tenant (`{id}.{domain}`, then custom domains). */
  readonly hosts: readonly string[];
  readonly namespace?: string;
  readonly image?: string;
  readonly groups: readonly string[];
}

function text(outputs: StackOutputs, name: string): string | undefined {
  const output = outputs[name];
  return output !== undefined && !output.secret && typeof output.value === "string"
    ? output.value
    : undefined;
}

/** The digest-pinned image the stack's tenants run, if exported in clear. */
export function imageRefOutput(outputs: StackOutputs): string | undefined {
  return text(outputs, OUTPUT.imageRef);
}

/** The environment name the stack exports. */
export function environmentOutput(outputs: StackOutputs): string | undefined {
  return text(outputs, OUTPUT.environment);
}

/** The edge proxy's address (`""` when its Service has no external address). */
export function proxyAddressOutput(outputs: StackOutputs): string | undefined {
  return text(outputs, OUTPUT.proxyAddress);
}

/** The namespace of the proxy, the only one allowed to hold certificates. */
export function edgeNamespaceOutput(outputs: StackOutputs): string | undefined {
  return text(outputs, OUTPUT.edgeNamespace);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The `tenants` output as a list sorted by id; entries without a string `url` are skipped. */
export function tenantsOutput(outputs: StackOutputs): TenantOutput[] {
  const output = outputs[OUTPUT.tenants];
  if (output === undefined || output.secret || typeof output.value !== "object") return [];
  const map = (output.value ?? {}) as Record<string, unknown>;
  return Object.keys(map)
    .sort()
    .flatMap((id) => {
      const entry = map[id] as Record<string, unknown> | null;
      if (entry === null || typeof entry !== "object" || typeof entry.url !== "string") return [];
      const hosts = strings(entry.hosts);
      return [
        {
          id,
          url: entry.url,
          hosts:
            hosts.length > 0 ? hosts : URL.canParse(entry.url) ? [new URL(entry.url).hostname] : [],
          namespace: typeof entry.namespace === "string" ? entry.namespace : undefined,
          image: typeof entry.image === "string" ? entry.image : undefined,
          groups: strings(entry.groups),
        },
      ];
    });
}

/** The image each tenant runs now, from the `tenants` output (tenants without one are left out). */
export function tenantImagesOutput(outputs: StackOutputs): Record<string, string> {
  const images: Record<string, string> = {};
  for (const tenant of tenantsOutput(outputs))
    if (tenant.image !== undefined) images[tenant.id] = tenant.image;
  return images;
}
