/**
 * Secrets never sit in clear in a ConfigMap or a container's plain `env[].value`: both are
 * readable by anyone who can read the namespace's ordinary objects, and both land in logs and
 * `kubectl describe`. `env[].valueFrom.secretKeyRef` and Secret volumes are the way.
 */
import { containersOf, isWorkload, podSpecOf } from "../lib/pods";
import { CONFIG_MAP } from "../lib/platform";
import { asList, asObj, asString, at, describe, type Res } from "../lib/resources";
import { resourceRule, type Report } from "../lib/rule";
import { isSecretName, secretShape } from "../lib/secrets";

function finding(name: string, value: string): string | undefined {
  const shape = secretShape(value);
  if (shape) return `holds what looks like ${shape}`;
  if (value.trim() !== "" && isSecretName(name)) return "has a plain value under a secret's name";
  return undefined;
}

function checkConfigMap(r: Res, report: Report): void {
  const fix =
    "Move it to a Secret (stringData) and mount it or reference it with secretKeyRef; keep only " +
    "non-secret settings in the ConfigMap.";
  for (const [key, value] of Object.entries(asObj(at(r.props, "data")) ?? {})) {
    if (typeof value !== "string") continue;
    const what = finding(key, value);
    if (what) report(`${describe(r)} data key "${key}" ${what}. ${fix}`);
  }
  for (const [key, value] of Object.entries(asObj(at(r.props, "binaryData")) ?? {})) {
    if (typeof value !== "string") continue;
    const what = finding(key, Buffer.from(value, "base64").toString("utf8"));
    if (what) report(`${describe(r)} binaryData key "${key}" ${what}. ${fix}`);
  }
}

export const noPlaintextSecrets = resourceRule(
  {
    name: "no-plaintext-secrets",
    description:
      "No secret-looking value in a ConfigMap or a container's plain env value; secrets come from Secrets.",
    severity: "critical",
  },
  (r, report) => {
    if (r.type === CONFIG_MAP) return checkConfigMap(r, report);
    const pod = isWorkload(r) ? podSpecOf(r) : undefined;
    if (!pod) return;
    for (const c of containersOf(pod)) {
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
