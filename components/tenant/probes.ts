import type * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

export interface AppProbeInput {
  /** Named container port the probes call. */
  readonly portName: string;
  /** Liveness and startup path: "the process is up". */
  readonly healthPath: string;
  /** Readiness path: "send me traffic". @default healthPath */
  readonly readinessPath?: string;
  readonly startupPeriodSeconds: number;
  readonly startupFailureThreshold: number;
}

export interface AppProbes {
  readonly startupProbe: Probe;
  readonly readinessProbe: Probe;
  readonly livenessProbe: Probe;
}

/**
 * Probes for an agent runtime. The startup probe carries the slow first boot (the SystemPrompt
 * chart allows 5 s × 120); liveness only starts once it passes and tolerates a minute of
 * failures, so a busy agent is not restarted mid-stream; readiness is quick to pull a pod out of
 * the Service so the proxy stops routing to it.
 */
export function appProbes(input: AppProbeInput): AppProbes {
  const problems = probePathProblems(input);
  if (problems.length > 0) throw new Error(problems.join("; "));
  const get = (path: string) => ({ path, port: input.portName, scheme: "HTTP" });
  return {
    startupProbe: {
      httpGet: get(input.healthPath),
      periodSeconds: input.startupPeriodSeconds,
      failureThreshold: input.startupFailureThreshold,
      timeoutSeconds: 3,
    },
    readinessProbe: {
      httpGet: get(input.readinessPath ?? input.healthPath),
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
      successThreshold: 1,
    },
    livenessProbe: {
      httpGet: get(input.healthPath),
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
  };
}

/** Every probe path that is not an absolute path (empty when they all are). */
export function probePathProblems(
  input: Pick<AppProbeInput, "healthPath" | "readinessPath">,
): string[] {
  return [input.healthPath, input.readinessPath ?? "/"]
    .filter((path) => !path.startsWith("/"))
    .map((path) => `probe path "${path}": must start with "/"`);
}

/** Longest time startup may take before Kubernetes gives up on a pod. */
export function startupBudgetSeconds(input: AppProbeInput): number {
  return input.startupPeriodSeconds * input.startupFailureThreshold;
}

/**
 * How long a terminating pod keeps serving before it gets SIGTERM. Endpoint removal reaches
 * kube-proxy and the edge's resolver asynchronously; sleeping first lets in-flight routing
 * settle so no new request lands on a process that is shutting down. Half the grace period, at
 * most 10 s, leaves the app the rest to drain its streams.
 */
export function preStopSleepSeconds(terminationGracePeriodSeconds: number): number {
  const problems = gracePeriodProblems(terminationGracePeriodSeconds);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return Math.min(10, Math.floor(terminationGracePeriodSeconds / 2));
}

/** The problem with a grace period too short to split into a preStop sleep and a drain. */
export function gracePeriodProblems(terminationGracePeriodSeconds: number): string[] {
  return Number.isInteger(terminationGracePeriodSeconds) && terminationGracePeriodSeconds >= 2
    ? []
    : [
        `terminationGracePeriodSeconds ${terminationGracePeriodSeconds}: must be an integer of at least 2`,
      ];
}
