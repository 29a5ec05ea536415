/**
 * Every resource input and every stack output of every stack file, scanned for secret values in
 * clear: the operator's secrets (as `pulumi config set --secret` would hold them) and everything
 * the program generates (passwords, API keys, private keys). A secret value may only reach a
 * provider inside a secret; it may never reach a ConfigMap, a plain env value or an output.
 */
import { describe, expect, it } from "vitest";
import { isSecretInput, type RecordedResource } from "../../testkit/mocks";
import { runStack } from "../platform/support";
import { OPERATOR_SECRETS, STACKS } from "../../testkit/stack-files";
import { KUBERNETES, TLS } from "../../testkit/type-tokens";

function* leaves(value: unknown, path = ""): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* leaves(v, `${path}[${i}]`);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) yield* leaves(v, path === "" ? k : `${path}.${k}`);
  }
}

/** The secret values a run holds: operator secrets and what its random/tls resources generated. */
function secretValues(
  stack: (typeof STACKS)[number],
  resources: readonly RecordedResource[],
): string[] {
  const values = [...leaves(OPERATOR_SECRETS[stack])].map(([, v]) => v);
  for (const r of resources) {
    if (r.type.startsWith("random:")) values.push(r.state.result);
    if (r.type === TLS.PrivateKey) values.push(r.state.privateKeyPem);
  }
  return values.filter((v): v is string => typeof v === "string" && v.length >= 8);
}

describe.each(STACKS)("stack %s holds no secret in clear", (stack) => {
  it("in resource inputs, ConfigMaps, plain env values or stack outputs", async () => {
    const run = await runStack(stack);
    const secrets = secretValues(stack, run.resources);
    expect(secrets.length).toBeGreaterThan(stack === "local" ? 2 : 6);

    const leaks: string[] = [];
    let carried = 0;
    for (const r of run.resources) {
      for (const [path, value] of leaves(r.inputs)) {
        if (!secrets.some((s) => value.includes(s))) continue;
        carried++;
        const where = `${r.type} ${r.name} ${path}`;
        if (r.type === KUBERNETES.ConfigMap) leaks.push(`${where} (ConfigMap)`);
        else if (/\.env\[\d+\]\.value$/.test(path)) leaks.push(`${where} (plain env value)`);
        else if (!isSecretInput(r, path)) leaks.push(`${where} (not marked secret)`);
      }
    }
    expect(leaks).toEqual([]);
    // The scan found the secrets where they belong (Secrets, provider passwords), so it can see them.
    expect(carried).toBeGreaterThan(0);

    const outputs = JSON.stringify(run.outputs);
    expect(secrets.filter((s) => outputs.includes(s))).toEqual([]);
    expect(run.secretOutputs).toEqual([]);
  });
});
