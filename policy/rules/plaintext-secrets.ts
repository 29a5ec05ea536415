/**
 * Secrets never sit in clear in a ConfigMap or a container's plain `env[].value`: both are
 * readable by anyone who can read the namespace's ordinary objects, and both land in logs and
 * `kubectl describe`. `env[].valueFrom.secretKeyRef` and Secret volumes are the way.
 */
import { containersOf, isWorkload, podSpecOf } from "../lib/pods";
import { CONFIG_MAP } from "../lib/platform";
import {
  asList,
  asObj,
  asString,
  at,
  describe,
  isKubernetes,
  type Obj,
  type Res,
} from "../lib/resources";
import { resourceRule, type Report } from "../lib/rule";
import { findNestedSecrets, secretEntry } from "../lib/secrets";

/** The platform's one rule for a named plain value (model/rules/secrets.ts secretEntry). */
const finding = secretEntry;

/** A JSON value (an agent config) holding a credential under a secret's name, at any depth. */
function nestedFinding(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const found = findNestedSecrets(parsed)[0];
  return found
    ? `holds a credential at ${found.path || "its top level"} (${found.why})`
    : undefined;
}

function checkConfigMap(r: Res, report: Report): void {
  const fix =
    "Move it to a Secret (stringData) and mount it or reference it with secretKeyRef; keep only " +
    "non-secret settings in the ConfigMap.";
  for (const [key, value] of Object.entries(asObj(at(r.props, "data")) ?? {})) {
    if (typeof value !== "string") continue;
    const what = finding(key, value) ?? nestedFinding(value);
    if (what) report(`${describe(r)} data key "${key}" ${what}. ${fix}`);
  }
  for (const [key, value] of Object.entries(asObj(at(r.props, "binaryData")) ?? {})) {
    if (typeof value !== "string") continue;
    const what = finding(key, Buffer.from(value, "base64").toString("utf8"));
    if (what) report(`${describe(r)} binaryData key "${key}" ${what}. ${fix}`);
  }
}

/** Annotations of the object and of its pod template: readable by anyone who can list it. */
function checkAnnotations(r: Res, report: Report): void {
  const sources: [string, unknown][] = [
    ["metadata.annotations", at(r.props, "metadata", "annotations")],
    [
      "spec.template.metadata.annotations",
      at(r.props, "spec", "template", "metadata", "annotations"),
    ],
  ];
  for (const [where, value] of sources) {
    for (const [key, v] of Object.entries(asObj(value) ?? {})) {
      if (typeof v !== "string") continue;
      const what = finding(key, v);
      if (!what) continue;
      report(
        `${describe(r)} annotation "${key}" (${where}) ${what}. Annotations are plain ` +
          `metadata: keep credentials in a Secret and reference it.`,
      );
    }
  }
}

/** A `--password=x` / `--api-key x` argument: the flag's name and its value. */
const FLAG = /^--?([A-Za-z][A-Za-z0-9_.-]*)(?:=(.*))?$/;

/** Container command and args: visible in the pod spec, `ps` and `kubectl describe`. */
function checkArgs(r: Res, c: { label: string; path: string; spec: Obj }, report: Report): void {
  for (const field of ["command", "args"]) {
    const list = asList(c.spec[field]);
    list.forEach((arg, i) => {
      if (typeof arg !== "string") return;
      let what = finding("", arg);
      const flag = FLAG.exec(arg);
      if (!what && flag) {
        const value = flag[2] ?? (typeof list[i + 1] === "string" ? (list[i + 1] as string) : "");
        // $(VAR) is filled in by Kubernetes from env (e.g. a secretKeyRef), not a literal.
        if (value !== "" && !value.startsWith("$(")) what = finding(flag[1] ?? "", value);
      }
      if (!what) return;
      report(
        `${describe(r)} ${c.label} ${field}[${i}] (${c.path}.${field}[${i}]) ${what}. Pass it ` +
          `through an env var from a Secret (env[].valueFrom.secretKeyRef, then "$(NAME)" in args).`,
      );
    });
  }
}

export const noPlaintextSecrets = resourceRule(
  {
    name: "no-plaintext-secrets",
    description:
      "No secret-looking value in a ConfigMap, a container's plain env value, command or args, or an annotation; secrets come from Secrets.",
    severity: "critical",
  },
  (r, report) => {
    if (isKubernetes(r)) checkAnnotations(r, report);
    if (r.type === CONFIG_MAP) return checkConfigMap(r, report);
    const pod = isWorkload(r) ? podSpecOf(r) : undefined;
    if (!pod) return;
    for (const c of containersOf(pod)) {
      checkArgs(r, c, report);
      asList(c.spec.env).forEach((e, i) => {
        const name = asString(at(e, "name")) ?? `#${i}`;
        const value = at(e, "value");
        if (typeof value !== "string") return; // valueFrom (secretKeyRef ...) or not known yet
        const what = finding(name, value);
        if (!what) return;
        report(
          `${describe(r)} ${c.label} env ${name} (${c.path}.env[${i}].value) ${what}. Put the ` +
            `value in a Secret and read it with env[].valueFrom.secretKeyRef instead of value.`,
        );
      });
    }
  },
);
