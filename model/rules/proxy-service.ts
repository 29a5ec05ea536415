/**
 * Which of the proxy Service's settings fit which Service type: the one rule the config
 * validation (stacks/config) and the ManagementProxy component (components/edge) both apply.
 * Pure: returns problems, never throws. No dependencies.
 */
import type { ConfigProblem } from "./config-problem";

/** The Service types the proxy can run behind. */
export type ProxyServiceType = "LoadBalancer" | "NodePort" | "ClusterIP";

/** The node port range Kubernetes assigns from by default (`--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** The settings this rule reads; both the stack config's `proxy` and the component's args fit. */
export interface ProxyServiceSettings {
  readonly serviceType: ProxyServiceType;
  readonly nodePorts?: { readonly http: number; readonly https: number };
  readonly sourceRanges?: readonly string[];
  readonly externalTrafficPolicy?: "Cluster" | "Local";
}

/** Whether `port` is a whole number in {@link NODE_PORT_RANGE}. */
export function isNodePort(port: number): boolean {
  return Number.isInteger(port) && port >= NODE_PORT_RANGE.min && port <= NODE_PORT_RANGE.max;
}

/**
 * Problems with the Service settings: node ports only with `NodePort` (in the node port range,
 * and not one port for both), source ranges only with `LoadBalancer`, no external traffic policy
 * on `ClusterIP`.
 * `prefix` is put before every setting's name (`proxy.` for the stack config).
 */
export function proxyServiceProblems(settings: ProxyServiceSettings, prefix = ""): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const type = settings.serviceType;
  if (settings.nodePorts !== undefined) {
    if (type !== "NodePort")
      problems.push({
        path: `${prefix}nodePorts`,
        received: settings.nodePorts,
        message: `only applies when ${prefix}serviceType is "NodePort" (got "${type}")`,
      });
    for (const [key, port] of Object.entries(settings.nodePorts))
      if (!isNodePort(port))
        problems.push({
          path: `${prefix}nodePorts.${key}`,
          received: port,
          message: `must be in the node port range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
        });
    if (settings.nodePorts.https === settings.nodePorts.http)
      problems.push({
        path: `${prefix}nodePorts.https`,
        received: settings.nodePorts.https,
        message: `is also ${prefix}nodePorts.http: a node port carries one Service port, and Kubernetes refuses the Service; give each its own`,
      });
  }
  if ((settings.sourceRanges?.length ?? 0) > 0 && type !== "LoadBalancer")
    problems.push({
      path: `${prefix}sourceRanges`,
      received: settings.sourceRanges,
      message: `only applies when ${prefix}serviceType is "LoadBalancer" (got "${type}"); restrict a NodePort with the nodes' firewall`,
    });
  if (settings.externalTrafficPolicy !== undefined && type === "ClusterIP")
    problems.push({
      path: `${prefix}externalTrafficPolicy`,
      received: settings.externalTrafficPolicy,
      message: `does not apply to ${prefix}serviceType "ClusterIP"; remove it`,
    });
  return problems;
}
