/** The rendered Kubernetes objects the e2e run reads, looked up as the cluster would. */
import type { RecordedResource } from "../../testkit/mocks";

export type K8sObject = Record<string, any>;

export class RenderedObjects {
  private readonly overrides = new Map<string, Record<string, string>>();
  constructor(readonly resources: readonly RecordedResource[]) {}

  /** Stands in for an object made outside the program (cert-manager's TLS Secret) or by a mock. */
  override(
    kind: "ConfigMap" | "Secret",
    namespace: string,
    name: string,
    data: Record<string, string>,
  ): void {
    this.overrides.set(`${kind}/${namespace}/${name}`, data);
  }

  private byKind(kind: string): K8sObject[] {
    return this.resources
      .filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind)
      .map((r) => r.inputs);
  }

  deployments(): K8sObject[] {
    return this.byKind("Deployment");
  }

  services(): K8sObject[] {
    return this.byKind("Service");
  }

  /** A ConfigMap or Secret by namespace and name, with its data decoded to text. */
  data(kind: "ConfigMap" | "Secret", namespace: string, name: string): Record<string, string> {
    const overridden = this.overrides.get(`${kind}/${namespace}/${name}`);
    if (overridden !== undefined) return overridden;
    const found = this.byKind(kind).find(
      (o) => o.metadata?.name === name && (o.metadata?.namespace ?? "default") === namespace,
    );
    if (found === undefined)
      throw new Error(`${kind} ${namespace}/${name} is mounted or referenced but not rendered`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((found.data ?? {}) as Record<string, string>))
      out[k] = kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v;
    for (const [k, v] of Object.entries((found.stringData ?? {}) as Record<string, string>))
      out[k] = v;
    return out;
  }

  /** Services whose selector matches a Deployment's pod labels. */
  servicesFor(deployment: K8sObject): K8sObject[] {
    const ns = deployment.metadata?.namespace ?? "default";
    const labels = (deployment.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
    return this.services().filter((s) => {
      const selector = (s.spec?.selector ?? {}) as Record<string, string>;
      return (
        (s.metadata?.namespace ?? "default") === ns &&
        Object.keys(selector).length > 0 &&
        Object.entries(selector).every(([k, v]) => labels[k] === v)
      );
    });
  }

  /** Records of a Pulumi type (e.g. postgresql:index/role:Role). */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }
}

/** A container port by number or name. */
export function containerPort(container: K8sObject, port: number | string): number {
  if (typeof port === "number") return port;
  const found = (container.ports ?? []).find((p: K8sObject) => p.name === port);
  if (found === undefined) throw new Error(`container ${container.name} has no port named ${port}`);
  return Number(found.containerPort);
}
