/** `promote`: carry the source stack's tested image digest and agent configs into the target. */
import { defineCommand } from "../command-line/command";
import { yesFlag } from "../command-line/flags";
import type { OpsContext } from "../context";
import { OpsError, UsageError } from "../errors";
import { println } from "../format/text";
import { planPromotion } from "../plans/promote-plan";
import { releasesOf } from "../plans/release";
import { KEY, tenantsOf } from "../stack-config";
import { runningImages } from "../plans/running-images";
import { tenantsRan } from "../plans/tenants-ran";
import { assertCarriable, carriedPins, sourceStackImage } from "../plans/carried-images";
import { deployHint, environmentSettings, platformOf } from "../plans/shards";

/** `promote` flags. */
export interface PromoteOptions {
  readonly from: string;
  readonly to: string;
  /** Write without asking. */
  readonly yes: boolean;
}

/** `promote`: its flags, their help, and the options they give. */
export const promoteCommand = defineCommand({
  spec: {
    name: "promote",
    summary: "copy what the source stack's last update ran (digests, agent configs)",
    usage: "promote --from dev --to production [--yes]",
    flags: {
      from: {
        type: "string",
        value: "S",
        doc: "stack whose deployed image and agent configs were tested",
      },
      to: { type: "string", value: "S", doc: "stack whose config file receives them" },
      yes: yesFlag("write without asking"),
    },
    notes: `Copies what the source's last successful update ran: its stack image (its
imageRef output) into agent-cloud:image ref, the image of each shared tenant
that ran another into its tenants[].image, and each shared tenant's agentConfig
as that update ran it (after a --group update, a tenant outside the group as
the earlier update that ran it), never a stack-file edit the source has not
deployed. Tenants only in the target are not promoted, but those without
tenants[].image follow image.ref and move to the new image; pinned ones keep
theirs. Refused when the source's latest update failed, when it has no imageRef
output, when its history does not say what a --group update left a tenant
running, when an image it would write is on a registry the target does not
pull from (the host of its image.repository or image.ref), or when the source
built it for fewer platforms than the target's image.platforms. Never secrets,
keys or database settings: an agentConfig holding encrypted values stays as it
is (secrets belong in tenantSecrets).`,
  },
  parse: (args): PromoteOptions => ({
    from: args.required("from"),
    to: args.required("to"),
    yes: args.flag("yes"),
  }),
  run: promote,
});

/** Shows the promotion diff and writes it after confirmation; exits 1 when declined. */
export async function promote(ctx: OpsContext, options: PromoteOptions): Promise<number> {
  if (options.from === options.to)
    throw new UsageError(`--from and --to are both "${options.from}"; promote between two stacks`);
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.from);
  await engine.selectStack(options.to);

  const history = await engine.history(options.from);
  const latest = history.find((u) => u.kind === "update");
  if (latest === undefined || latest.result !== "succeeded") {
    throw new OpsError(
      latest === undefined
        ? `stack "${options.from}" has never been deployed; deploy and test it before promoting`
        : `the latest update of stack "${options.from}" (v${latest.version}) ${latest.result}; promote only what deployed and was tested`,
    );
  }
  // What that update ran: its recorded config (not the stack file, which may hold edits never
  // deployed; after a --group update, the other tenants' entries as an earlier update ran them),
  // its stack image (the target's image.ref: never the image most tenants ran, which may be one
  // tenant's own) and the image each tenant ran, pinned when it is not the stack image.
  const outputs = await engine.outputs(options.from);
  const imageRef = sourceStackImage(
    { what: "promote", from: options.from, to: options.to },
    outputs,
  );
  const running = await runningImages(engine, options.from, outputs);
  const releases = releasesOf(history, running);
  const release = releases.find((r) => r.update === latest);
  const tenants = tenantsRan(history, latest, {
    stack: options.from,
    instead: `deploy "${options.from}" without --group, test it, then promote that update`,
  });
  // Into a shard, planPromotion pins each shared tenant, on the stack image too.
  const pins = carriedPins(
    imageRef,
    release?.images ?? {},
    tenants.map((entry) => entry.id),
    false,
  );
  const sourceConfig = {
    [KEY.tenants]: tenants.map((entry) => {
      const { image: _image, ...rest } = entry;
      void _image;
      const pin = pins[entry.id];
      return pin === undefined ? rest : { ...rest, image: pin };
    }),
  };

  const targetConfig = await engine.readConfig(options.to);
  const platform = platformOf(targetConfig);
  assertCarriable({
    what: "promote",
    from: options.from,
    to: options.to,
    // A shard's image settings are its platform's.
    target: await environmentSettings(engine, targetConfig),
    // The images the plan writes: the main one and the pins of tenants the target holds too;
    // into a shard, each shared tenant's (the source's main image for one it ran on that).
    refs:
      platform === undefined
        ? [imageRef, ...tenantsOf(targetConfig).flatMap((t) => pins[t.id] ?? [])]
        : tenantsOf(targetConfig)
            .filter((t) => tenants.some((ran) => ran.id === t.id))
            .map((t) => pins[t.id] ?? imageRef),
    sourceReleases: releases,
  });
  const file = engine.configFileName(options.to);
  const plan = planPromotion({
    from: options.from,
    to: options.to,
    imageRef,
    sourceConfig,
    targetConfig,
    platform,
  });
  println(
    stdout,
    `promote ${options.from} (v${latest.version}) → ${options.to}: changes to ${file}`,
  );
  for (const line of plan.diff) println(stdout, `  ${line}`);
  for (const note of plan.notes) println(stdout, `note: ${note}`);
  if (plan.changes.length === 0) {
    println(
      stdout,
      `nothing to promote: ${options.to} already has ${options.from}'s image and agent configs`,
    );
    return 0;
  }
  if (!options.yes && !(await ctx.confirm(`Write these changes to ${file}?`))) {
    println(stdout, `promotion cancelled; ${file} was not changed`);
    return 1;
  }
  await engine.writeConfig(options.to, plan.changes);
  println(
    stdout,
    `wrote ${plan.changes.length} ${plan.changes.length === 1 ? "change" : "changes"} to ${file}; review and commit it, then deploy: ${deployHint(options.to, targetConfig)}`,
  );
  return 0;
}
