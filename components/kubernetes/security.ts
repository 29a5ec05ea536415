import type * as k8s from "@pulumi/kubernetes";

/**
 * Pod-level security settings that satisfy Pod Security `restricted`: a fixed non-root uid/gid
 * (numeric, so the kubelet can verify runAsNonRoot without reading the image), the runtime's
 * default seccomp profile, and `fsGroup` so mounted volumes are writable by that uid.
 */
export function restrictedPodSecurityContext(
  uid: number,
  gid: number = uid,
): k8s.types.input.core.v1.PodSecurityContext {
  assertNonRoot(uid, "uid");
  assertNonRoot(gid, "gid");
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Container-level settings for `restricted`: no privilege, no escalation, no capabilities, a
 * read-only root filesystem (writable paths are explicit emptyDirs).
 */
export function restrictedContainerSecurityContext(
  uid: number,
  gid: number = uid,
): k8s.types.input.core.v1.SecurityContext {
  assertNonRoot(uid, "uid");
  assertNonRoot(gid, "gid");
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

function assertNonRoot(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 1) {
    throw new Error(`${what} ${id}: must be a positive integer (0 is root, refused by restricted)`);
  }
}
