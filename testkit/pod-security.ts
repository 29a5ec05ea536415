/**
 * The Pod Security Standard `restricted` profile (kubernetes.io/docs/concepts/security/
 * pod-security-standards), checked over a pod spec as the admission controller would: every
 * violation in words, an empty list when the pod would be admitted.
 */

type Obj = Record<string, unknown>;

const ALLOWED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

/** Violations of `restricted` in a pod spec. */
export function restrictedViolations(podSpec: unknown): string[] {
  const pod = obj(podSpec);
  const podSc = obj(pod.securityContext);
  const out: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[field] === true) out.push(`${field} is true`);
  }
  for (const volume of list(pod.volumes)) {
    const kinds = Object.keys(volume).filter((k) => k !== "name");
    for (const kind of kinds)
      if (!ALLOWED_VOLUMES.has(kind)) out.push(`volume ${String(volume.name)} is ${kind}`);
  }
  const containers = [
    ...list(pod.containers),
    ...list(pod.initContainers),
    ...list(pod.ephemeralContainers),
  ];
  for (const container of containers) {
    const sc = obj(container.securityContext);
    const name = `container ${String(container.name)}`;
    const eff = (f: string) => (sc[f] === undefined ? podSc[f] : sc[f]);
    if (sc.privileged === true) out.push(`${name} is privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      out.push(`${name} does not set allowPrivilegeEscalation: false`);
    const caps = obj(sc.capabilities);
    if (!(Array.isArray(caps.drop) && caps.drop.includes("ALL")))
      out.push(`${name} does not drop ALL capabilities`);
    for (const cap of Array.isArray(caps.add) ? caps.add : [])
      if (cap !== "NET_BIND_SERVICE") out.push(`${name} adds ${String(cap)}`);
    if (eff("runAsNonRoot") !== true) out.push(`${name} does not set runAsNonRoot: true`);
    if (eff("runAsUser") === 0) out.push(`${name} runs as uid 0`);
    const seccomp = obj(eff("seccompProfile")).type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${name} has no RuntimeDefault or Localhost seccomp profile`);
    for (const port of list(container.ports))
      if (port.hostPort !== undefined && port.hostPort !== 0) out.push(`${name} binds a hostPort`);
  }
  return out;
}
