/**
 * Built-in tenant plans. A stack may override any of them or add its own under `plans`.
 *
 * `standard` carries the SystemPrompt gateway's published resource profile (250m / 512Mi
 * requested, 2 CPU / 2Gi limit); the others scale from it.
 */
export interface Plan {
  /** CPU and memory each app container requests. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** CPU and memory limits of each app container. */
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** Most replicas a tenant on this plan may run. */
  readonly maxReplicas: number;
  /** PostgreSQL connection limit of the tenant's role. */
  readonly databaseConnections: number;
  /** TCP ports the app may reach on the public internet (model APIs speak HTTPS). */
  readonly egressPorts: readonly number[];
  /** Extra CIDRs the app may reach on any port (e.g. a partner API). Private ranges need this. */
  readonly egressCidrs: readonly string[];
  /** Requests per second the edge passes to one tenant on this plan (all clients together). */
  readonly requestsPerSecond: number;
  /** Requests above that rate the edge still passes at once before answering 429. */
  readonly requestBurst: number;
}

export const BUILTIN_PLANS: Readonly<Record<string, Plan>> = {
  starter: {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "1", memory: "1Gi" },
    maxReplicas: 2,
    databaseConnections: 10,
    egressPorts: [443],
    egressCidrs: [],
    requestsPerSecond: 20,
    requestBurst: 40,
  },
  standard: {
    requests: { cpu: "250m", memory: "512Mi" },
    limits: { cpu: "2", memory: "2Gi" },
    maxReplicas: 4,
    databaseConnections: 20,
    egressPorts: [443],
    egressCidrs: [],
    requestsPerSecond: 50,
    requestBurst: 100,
  },
  pro: {
    requests: { cpu: "500m", memory: "1Gi" },
    limits: { cpu: "4", memory: "4Gi" },
    maxReplicas: 10,
    databaseConnections: 50,
    egressPorts: [443],
    egressCidrs: [],
    requestsPerSecond: 200,
    requestBurst: 400,
  },
};
