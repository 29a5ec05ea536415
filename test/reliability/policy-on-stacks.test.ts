/**
 * The platform as the three stack files build it, run through the real policy pack: what the
 * program deploys must pass every mandatory rule, per resource (inputs, before each create) and
 * as a whole stack (outputs, at the end of an update).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPolicyPack, type PolicyPackProcess, type TestResource } from "../policy/analyzer";
import { runStack } from "../platform/support";
import { STACKS } from "../../testkit/stack-files";

let pack: PolicyPackProcess;
beforeAll(async () => {
  pack = await startPolicyPack();
});
afterAll(async () => {
  await pack?.stop();
});

describe.each(STACKS)("stack %s", (stack) => {
  it("passes every policy of the pack", async () => {
    const run = await runStack(stack);
    const asPolicySees = (props: "inputs" | "state") =>
      run.resources.map((r): TestResource => ({
        type: r.type,
        name: r.name,
        props: r[props],
        opts: { protect: r.protect },
        parent: r.parent === "" ? undefined : r.parent,
      }));
    const whole = await pack.analyzeStack(asPolicySees("state"));
    expect(whole.diagnostics.map((d) => `${d.policyName}: ${d.message}`)).toEqual([]);
    const perResource = [];
    for (const r of asPolicySees("inputs"))
      perResource.push(...(await pack.analyze(r)).diagnostics);
    expect(perResource.map((d) => `${d.policyName}: ${d.message}`)).toEqual([]);
    expect(run.resources.length).toBeGreaterThan(30);
  });
});
