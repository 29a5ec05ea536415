/**
 * The image each tenant runs now. The stack's state is the source of truth: each tenant
 * Deployment's container image, as the last update left it (a targeted update, such as a group
 * canary, rewrites the state of what it touched even where stack outputs may lag). The `tenants`
 * output fills in tenants the state does not show (a stack exported without inputs).
 */
import { TENANT_LABEL } from "../../components/tenant/labels";
import type { ReleaseEngine, StackOutputs, StateResource } from "../engine";
import { tenantImagesOutput } from "../stack-outputs";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** Tenant id → container image of its Deployment, from the stack's state. */
export function tenantImagesFromState(resources: readonly StateResource[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const resource of resources) {
    if (resource.type !== DEPLOYMENT) continue;
    const template = (resource.inputs.spec as { template?: unknown } | undefined)?.template as
      | {
          metadata?: { labels?: Record<string, unknown> };
          spec?: { containers?: { image?: unknown }[] };
        }
      | undefined;
    const id = template?.metadata?.labels?.[TENANT_LABEL];
    const image = template?.spec?.containers?.[0]?.image;
    if (typeof id === "string" && typeof image === "string") images[id] = image;
  }
  return images;
}

/** What each tenant of `stack` runs now: the state's Deployments over the `tenants` output. */
export async function runningImages(
  engine: ReleaseEngine,
  stack: string,
  outputs: StackOutputs,
): Promise<Record<string, string>> {
  return {
    ...tenantImagesOutput(outputs),
    ...tenantImagesFromState(await engine.resources(stack)),
  };
}
