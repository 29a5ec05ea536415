/**
 * Per-role PostgreSQL settings of a tenant (`ALTER ROLE ... SET`). `tempFileLimit` is enforced
 * (only a superuser may change it); the others are the role's defaults, which PostgreSQL lets a
 * session raise with SET: see components/data/README.md.
 */
export interface DatabaseLimits {
  /** `statement_timeout` in seconds. */
  readonly statementTimeoutSeconds: number;
  /** `idle_in_transaction_session_timeout` in seconds. */
  readonly idleInTransactionSessionTimeoutSeconds: number;
  /** `idle_session_timeout` in seconds; 0 is off (pooled connections stay open). */
  readonly idleSessionTimeoutSeconds: number;
  /** `work_mem`, a PostgreSQL memory value such as `16MB`. */
  readonly workMem: string;
  /** `temp_file_limit`, a PostgreSQL memory value such as `1GB`. */
  readonly tempFileLimit: string;
}

/**
 * Built-in tenant plans. A stack may override any of them or add its own under `plans`.
 *
 * `standard` carries the SystemPrompt gateway's published resource profile (250m / 512Mi
 * requested, 2 CPU / 2Gi limit); the others scale from it.
 */
export interface Plan {
  /** CPU and memory each app container requests. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** CPU and memory limits of each app container, each above 0 (model/rules/plan-resources.ts). */
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** Most replicas a tenant on this plan may run. */
  readonly maxReplicas: number;
  /** PostgreSQL connection limit of the tenant's role. */
  readonly databaseConnections: number;
  /** TCP ports the app may reach on the public internet (model APIs speak HTTPS). */
  readonly egressPorts: readonly number[];
  /**
   * Extra public CIDRs the app may reach on any port (e.g. a partner API). A private, link-local
   * or loopback range is refused unless {@link allowPrivateEgress}.
   */
  readonly egressCidrs: readonly string[];
  /**
   * Lets `egressCidrs` hold non-public ranges (cluster, VPC, metadata service). Named in every
   * preview's warnings.
   */
  readonly allowPrivateEgress: boolean;
  /** The tenant role's PostgreSQL settings. */
  readonly databaseLimits: DatabaseLimits;
  /** Requests per second the edge passes to one tenant on this plan (all clients together). */
  readonly requestsPerSecond: number;
  /** Requests above that rate the edge still passes at once before answering 429. */
  readonly requestBurst: number;
}

const limits = (
  workMem: string,
  tempFileLimit: string,
  statementTimeoutSeconds: number,
): DatabaseLimits => ({
  statementTimeoutSeconds,
  idleInTransactionSessionTimeoutSeconds: 60,
  idleSessionTimeoutSeconds: 0,
  workMem,
  tempFileLimit,
});

/**
 * A tenant role's settings when its plan does not say: the `standard` plan's, which a custom
 * plan's `databaseLimits` default to (config-schema.ts) and SharedDatabase falls back to.
 */
export const DEFAULT_DATABASE_LIMITS: DatabaseLimits = limits("16MB", "1GB", 60);

export const BUILTIN_PLANS: Readonly<Record<string, Plan>> = {
  starter: {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "1", memory: "1Gi" },
    maxReplicas: 2,
    databaseConnections: 10,
    egressPorts: [443],
    egressCidrs: [],
    allowPrivateEgress: false,
    databaseLimits: limits("4MB", "256MB", 30),
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
    allowPrivateEgress: false,
    databaseLimits: DEFAULT_DATABASE_LIMITS,
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
    allowPrivateEgress: false,
    databaseLimits: limits("64MB", "4GB", 300),
    requestsPerSecond: 200,
    requestBurst: 400,
  },
};
