import type * as k8s from "@pulumi/kubernetes";

/** What pods and containers both state: a fixed non-root identity and the default seccomp profile. */
function nonRootIdentity(uid: number, gid: number) {
  assertNonRoot(uid, "uid");
  assertNonRoot(gid, "gid");
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Pod-level security settings that satisfy Pod Security `restricted`: a fixed non-root uid/gid
 * (numeric, so the kubelet can verify runAsNonRoot without reading the image), the runtime's
 * default seccomp profile, and `fsGroup` so mounted volumes are writable by that uid.
 */
export function restrictedPodSecurityContext(
  uid: number,
  gid: number = uid,
): k8s.types.input.core.v1.PodSecurityContext {
  return { ...nonRootIdentity(uid, gid), fsGroup: gid };
}

/**
 * Container-level settings for `restricted`: no privilege, no escalation, no capabilities, a
 * read-only root filesystem (writable paths are explicit emptyDirs).
 */
export function restrictedContainerSecurityContext(
  uid: number,
  gid: number = uid,
): k8s.types.input.core.v1.SecurityContext {
  return {
    ...nonRootIdentity(uid, gid),
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
}

function assertNonRoot(id: number, what: "uid" | "gid"): void {
  const problem = nonRootProblem(id, what);
  if (problem !== undefined) throw new Error(problem);
}

/** The problem with a uid or gid `restricted` refuses (root or not a whole number), or undefined. */
export function nonRootProblem(id: number, what: "uid" | "gid"): string | undefined {
  return Number.isInteger(id) && id >= 1
    ? undefined
    : `${what} ${id}: must be a positive integer (0 is root, refused by restricted)`;
}
