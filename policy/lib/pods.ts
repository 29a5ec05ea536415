/** Finding the pod spec and the containers inside any Kubernetes workload. */
import { asList, asObj, asString, at, isUnknown, type Obj, type Res } from "./resources";

const WORKLOAD =
  /^kubernetes:(?:core|apps|batch|extensions)\/v[0-9a-z]+:(Pod|Deployment|StatefulSet|DaemonSet|ReplicaSet|ReplicationController|Job|CronJob)$/;

/** Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and bare Pods. */
export function isWorkload(r: Res): boolean {
  return WORKLOAD.test(r.type);
}

/** The pod spec of a workload; undefined when absent or not known yet. */
export function podSpecOf(r: Res): Obj | undefined {
  const kind = WORKLOAD.exec(r.type)?.[1];
  if (!kind) return undefined;
  const spec =
    kind === "Pod"
      ? at(r.props, "spec")
      : kind === "CronJob"
        ? at(r.props, "spec", "jobTemplate", "spec", "template", "spec")
        : at(r.props, "spec", "template", "spec");
  return isUnknown(spec) ? undefined : asObj(spec);
}

export interface Container {
  /** `container "app"`, `init container "migrate"`: how messages name it. */
  readonly label: string;
  /** Path from the pod spec, for messages: `containers[0]`. */
  readonly path: string;
  readonly spec: Obj;
}

/** Every container of a pod spec: regular, init and ephemeral. */
export function containersOf(pod: Obj): Container[] {
  const out: Container[] = [];
  const groups = [
    ["containers", "container"],
    ["initContainers", "init container"],
    ["ephemeralContainers", "ephemeral container"],
  ] as const;
  for (const [field, word] of groups) {
    asList(pod[field]).forEach((c, i) => {
      const spec = asObj(c);
      if (!spec) return;
      const name = asString(spec.name) ?? `#${i}`;
      out.push({ label: `${word} "${name}"`, path: `${field}[${i}]`, spec });
    });
  }
  return out;
}
