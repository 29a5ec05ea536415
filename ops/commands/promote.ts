/** `promote`: carry the source stack's tested image digest and agent configs into the target. */
import type { OpsContext } from "../context";
import { OpsError, UsageError } from "../errors";
import { println } from "../format";
import { planPromotion } from "../promote-plan";
import { imageRefOutput } from "../stack-outputs";

/** `promote` flags. */
export interface PromoteOptions {
  readonly from: string;
  readonly to: string;
  /** Write without asking. */
  readonly yes: boolean;
}

/** Shows the promotion diff and writes it after confirmation; exits 1 when declined. */
export async function promote(ctx: OpsContext, o: PromoteOptions): Promise<number> {
  if (o.from === o.to)
    throw new UsageError(`--from and --to are both "${o.from}"; promote between two stacks`);
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(o.from);
  await engine.selectStack(o.to);

  const latest = (await engine.history(o.from)).find((u) => u.kind === "update");
  if (latest === undefined || latest.result !== "succeeded") {
    throw new OpsError(
      latest === undefined
        ? `stack "${o.from}" has never been deployed; deploy and test it before promoting`
        : `the latest update of stack "${o.from}" (v${latest.version}) ${latest.result}; promote only what deployed and was tested`,
    );
  }
  const imageRef = imageRefOutput(await engine.outputs(o.from));
  if (imageRef === undefined) {
    throw new OpsError(`stack "${o.from}" has no imageRef output; deploy it first`);
  }

  const file = engine.configFileName(o.to);
  const plan = planPromotion({
    from: o.from,
    to: o.to,
    imageRef,
    sourceConfig: await engine.readConfig(o.from),
    targetConfig: await engine.readConfig(o.to),
  });
  println(stdout, `promote ${o.from} (v${latest.version}) → ${o.to}: changes to ${file}`);
  for (const line of plan.diff) println(stdout, `  ${line}`);
  for (const note of plan.notes) println(stdout, `note: ${note}`);
  if (plan.changes.length === 0) {
    println(stdout, `nothing to promote: ${o.to} already has ${o.from}'s image and agent configs`);
    return 0;
  }
  if (!o.yes && !(await ctx.confirm(`Write these changes to ${file}?`))) {
    println(stdout, `promotion cancelled; ${file} was not changed`);
    return 1;
  }
  await engine.writeConfig(o.to, plan.changes);
  println(
    stdout,
    `wrote ${plan.changes.length} ${plan.changes.length === 1 ? "change" : "changes"} to ${file}; review and commit it, then deploy: npm run ops -- deploy --stack ${o.to}`,
  );
  return 0;
}
