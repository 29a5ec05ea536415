/**
 * Pod hardening for every workload in every namespace (the proxy and the database included):
 * no privileged containers, nothing running as root, no access to the node.
 */
import { containersOf, isWorkload, podSpecOf } from "../lib/pods";
import { asList, asObj, asString, at, describe, isUnknown, type Obj } from "../lib/resources";
import { PERSISTENT_VOLUME } from "../lib/platform";
import { resourceRule } from "../lib/rule";

/** Capabilities the restricted Pod Security Standard lets a container add. */
const ALLOWED_CAPABILITIES = new Set(["NET_BIND_SERVICE"]);

export const noPrivilegedContainers = resourceRule(
  {
    name: "pod-no-privileged-containers",
    description:
      "No container runs privileged, allows privilege escalation or adds capabilities beyond NET_BIND_SERVICE.",
    severity: "critical",
  },
  (r, report) => {
    const pod = isWorkload(r) ? podSpecOf(r) : undefined;
    if (!pod) return;
    for (const c of containersOf(pod)) {
      const sc = asObj(c.spec.securityContext) ?? {};
      const where = `${describe(r)} ${c.label}`;
      if (sc.privileged === true) {
        report(
          `${where} is privileged (${c.path}.securityContext.privileged: true), which gives it ` +
            `the node. Remove privileged and grant only the capability it needs, if any.`,
        );
      }
      if (sc.allowPrivilegeEscalation === true) {
        report(
          `${where} allows privilege escalation (${c.path}.securityContext.allowPrivilegeEscalation: ` +
            `true). Set it to false.`,
        );
      }
      const added = asList(at(sc, "capabilities", "add")).filter(
        (cap) => typeof cap === "string" && !ALLOWED_CAPABILITIES.has(cap),
      );
      if (added.length > 0) {
        report(
          `${where} adds capabilities ${added.join(", ")} (${c.path}.securityContext.capabilities.add). ` +
            `Drop ALL and add at most NET_BIND_SERVICE.`,
        );
      }
    }
  },
);

/** The effective value of a securityContext field: the container's, else the pod's. */
function effective(container: Obj, pod: Obj, field: string): unknown {
  const own = at(container, "securityContext", field);
  return own === undefined ? at(pod, "securityContext", field) : own;
}

export const nonRootContainers = resourceRule(
  {
    name: "pod-run-as-non-root",
    description:
      "Every container runs as a non-root user: runAsNonRoot: true or a runAsUser above 0, on the pod or the container.",
    severity: "critical",
  },
  (r, report) => {
    const pod = isWorkload(r) ? podSpecOf(r) : undefined;
    if (!pod) return;
    for (const c of containersOf(pod)) {
      const user = effective(c.spec, pod, "runAsUser");
      const nonRoot = effective(c.spec, pod, "runAsNonRoot");
      if (isUnknown(user) || isUnknown(nonRoot)) continue;
      const where = `${describe(r)} ${c.label}`;
      if (user === 0) {
        report(
          `${where} runs as root (runAsUser: 0 on the ${at(c.spec, "securityContext", "runAsUser") === 0 ? "container" : "pod"}). ` +
            `Run it as its image's unprivileged user (runAsUser: 1000 for the SystemPrompt gateway) ` +
            `with runAsNonRoot: true.`,
        );
      } else if (typeof user !== "number" && nonRoot !== true) {
        const said =
          nonRoot === false ? "sets runAsNonRoot: false" : "sets neither runAsNonRoot: true";
        report(
          `${where} may run as root: it ${said} nor a runAsUser above 0 (on the pod or the ` +
            `container), so the image's USER decides. Set securityContext.runAsNonRoot: true and ` +
            `runAsUser (e.g. 1000) on the pod.`,
        );
      }
    }
  },
);

export const noHostAccess = resourceRule(
  {
    name: "pod-no-host-access",
    description:
      "No pod shares the node's network, PID or IPC namespace, mounts a hostPath or binds a hostPort, and no PersistentVolume is a hostPath or local volume.",
    severity: "critical",
  },
  (r, report) => {
    if (r.type === PERSISTENT_VOLUME) {
      // A claim on this volume mounts the node's filesystem into whichever pod binds it.
      for (const field of ["hostPath", "local"]) {
        const path = asString(at(r.props, "spec", field, "path"));
        if (at(r.props, "spec", field) === undefined) continue;
        report(
          `${describe(r)} is a ${field} volume${path ? ` (${path})` : ""} on the node: any pod ` +
            `that claims it reads and writes the node's filesystem. Use a StorageClass that ` +
            `provisions network or cloud volumes instead.`,
        );
      }
      return;
    }
    const pod = isWorkload(r) ? podSpecOf(r) : undefined;
    if (!pod) return;
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (pod[field] === true) {
        report(
          `${describe(r)} sets ${field}: true, sharing the node's namespace with the pod. Remove ` +
            `it; reach other pods through Services instead.`,
        );
      }
    }
    for (const v of asList(pod.volumes)) {
      const path = asString(at(v, "hostPath", "path"));
      if (at(v, "hostPath") !== undefined) {
        report(
          `${describe(r)} mounts the node's filesystem: volume "${String(at(v, "name"))}" is a ` +
            `hostPath${path ? ` (${path})` : ""}. Use an emptyDir, a PersistentVolumeClaim, a ` +
            `ConfigMap or a Secret instead.`,
        );
      }
    }
    for (const c of containersOf(pod)) {
      for (const p of asList(c.spec.ports)) {
        const hostPort = at(p, "hostPort");
        if (typeof hostPort === "number" && hostPort > 0) {
          report(
            `${describe(r)} ${c.label} binds hostPort ${hostPort} on the node. Remove hostPort ` +
              `and expose the port through a Service.`,
          );
        }
      }
    }
  },
);
