import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  AGENT_CONFIG_DIR,
  AGENT_CONFIG_FILE,
  volumeNameOf,
  writablePathProblem,
  writablePathProblems,
} from "../../model/rules/writable-paths";

export interface PodVolumes {
  readonly volumes: k8s.types.input.core.v1.Volume[];
  readonly mounts: k8s.types.input.core.v1.VolumeMount[];
}

/**
 * Env vars read from the tenant's Secret, one `secretKeyRef` per credential, sorted. Not
 * `envFrom`: that would also turn the agent config file key into a variable.
 */
export function secretEnv(
  secretName: pulumi.Input<string>,
  keys: readonly string[],
): k8s.types.input.core.v1.EnvVar[] {
  return [...keys]
    .sort()
    .map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } }));
}

/**
 * Volumes of an app pod: the agent config read-only (only that key of the tenant's Secret, so no
 * credential lands on disk), and one emptyDir per writable path so the root filesystem can stay
 * read-only. Volume names come from the path, not its position, so reordering `writablePaths`
 * changes nothing.
 */
export function appVolumes(args: {
  /** The tenant's Secret, which holds the agent config under {@link AGENT_CONFIG_FILE}. */
  readonly secretName: string;
  readonly writablePaths: readonly string[];
  /** Cap on each emptyDir, so one tenant cannot fill a node's disk. */
  readonly writableSizeLimit: string;
}): PodVolumes {
  const volumes: k8s.types.input.core.v1.Volume[] = [
    {
      name: "agent-config",
      secret: {
        secretName: args.secretName,
        items: [{ key: AGENT_CONFIG_FILE, path: AGENT_CONFIG_FILE }],
      },
    },
  ];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [
    { name: "agent-config", mountPath: AGENT_CONFIG_DIR, readOnly: true },
  ];
  const problems = writablePathProblems(args.writablePaths);
  if (problems.length > 0) throw new Error(problems.join("; "));
  for (const path of [...new Set(args.writablePaths)].sort()) {
    const name = volumeNameOf(path);
    volumes.push({ name, emptyDir: { sizeLimit: args.writableSizeLimit } });
    mounts.push({ name, mountPath: path });
  }
  return { volumes, mounts };
}

/** `/app/.cache` → `writable-app-cache`. Throws for paths that cannot be a separate mount. */
export function writableVolumeName(path: string): string {
  const problem = writablePathProblem(path);
  if (problem !== undefined) throw new Error(problem);
  return volumeNameOf(path);
}
