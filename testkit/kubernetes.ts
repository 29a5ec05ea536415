/**
 * Validates recorded Kubernetes objects against the official OpenAPI schemas shipped by
 * `kubernetes-models` (and cert-manager's CRD schemas). The schemas do not check DNS names or
 * CIDRs; suites that build those assert them themselves.
 */
import type { RecordedResource } from "./mocks";

interface Model {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Model;

/** `kubernetes:apps/v1:Deployment` → the module that holds its model, or undefined if not a manifest. */
export function modelModule(type: string): string | undefined {
  const match = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(type);
  if (match === null) return undefined;
  const [, group, version, kind] = match as unknown as [string, string, string, string];
  if (group.startsWith("helm.sh")) return undefined;
  if (group === "core") return `kubernetes-models/${version}/${kind}`;
  if (group.endsWith("cert-manager.io"))
    return `@kubernetes-models/cert-manager/${group}/${version}/${kind}`;
  return `kubernetes-models/${group}/${version}/${kind}`;
}

async function loadModel(type: string): Promise<ModelClass | undefined> {
  const path = modelModule(type);
  if (path === undefined) return undefined;
  const mod = (await import(path)) as Record<string, ModelClass>;
  const kind = type.split(":").pop() as string;
  const model = mod[kind] ?? mod.default;
  if (model === undefined) throw new Error(`no kubernetes-models class for ${type} in ${path}`);
  return model;
}

/** Validates one object; throws with the resource name and the schema's complaint. */
export async function validateKubernetesObject(resource: RecordedResource): Promise<boolean> {
  const Model = await loadModel(resource.type);
  if (Model === undefined) return false;
  try {
    new Model(resource.inputs).validate();
  } catch (err) {
    throw new Error(
      `${resource.type} ${resource.name} fails its schema: ${(err as Error).message}`,
    );
  }
  return true;
}

/** Validates every Kubernetes object in a run; returns how many were checked. */
export async function validateAllKubernetes(
  resources: readonly RecordedResource[],
): Promise<number> {
  let count = 0;
  for (const resource of resources) {
    if (await validateKubernetesObject(resource)) count++;
  }
  return count;
}
