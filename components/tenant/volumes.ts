import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** Where the tenant's agent config (a key of its Secret) is mounted, read-only. */
export const AGENT_CONFIG_DIR = "/etc/agent-cloud";
/** File name of the agent config inside {@link AGENT_CONFIG_DIR}. */
export const AGENT_CONFIG_FILE = "agent.json";

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
    const name = writableVolumeName(path);
    volumes.push({ name, emptyDir: { sizeLimit: args.writableSizeLimit } });
    mounts.push({ name, mountPath: path });
  }
  return { volumes, mounts };
}

/**
 * Every problem with the writable paths (empty when each can be its own mount): a path that is
 * not absolute, climbs with "..", covers the agent config, or shares a volume name with another.
 */
export function writablePathProblems(paths: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const path of [...new Set(paths)].sort()) {
    const problem = writablePathProblem(path);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    const name = volumeNameOf(path);
    const other = seen.get(name);
    if (other !== undefined) {
      problems.push(
        `writablePaths "${other}" and "${path}" map to the same volume name "${name}"; rename one`,
      );
    }
    seen.set(name, path);
  }
  return problems;
}

/** `/app/.cache` → `writable-app-cache`. Throws for paths that cannot be a separate mount. */
export function writableVolumeName(path: string): string {
  const problem = writablePathProblem(path);
  if (problem !== undefined) throw new Error(problem);
  return volumeNameOf(path);
}

function writablePathProblem(path: string): string | undefined {
  if (!path.startsWith("/") || path === "/" || path.split("/").includes("..")) {
    return `writable path "${path}": must be an absolute path below "/" without ".."`;
  }
  if (path === AGENT_CONFIG_DIR || path.startsWith(`${AGENT_CONFIG_DIR}/`)) {
    return `writable path "${path}": ${AGENT_CONFIG_DIR} holds the read-only agent config`;
  }
  return undefined;
}

function volumeNameOf(path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `writable-${slug}`.slice(0, 63).replace(/-+$/, "");
}
