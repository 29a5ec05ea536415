/**
 * Updates of the in-memory dev stack (tenants acme in group beta, big-acme in stable, globex in
 * stable and eu) run through the real deploy command, so their history holds what `ops deploy`
 * records: the whole stack file as config, and `groups=` for a `--group` update.
 */
import { deploy } from "../../../ops/commands/deploy";
import { DEV_DEPLOY as DEPLOY } from "./fixtures";
import { SHA_1, type TestContext } from "../../../testkit/ops/fakes";

/** Sets fields of a tenant's entry in dev's stack file (an edit, not deployed yet). */
export function editTenant(ctx: TestContext, id: string, fields: Record<string, unknown>): void {
  const tenants = ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as { id: string }[];
  Object.assign(
    tenants.find((t) => t.id === id)!,
    fields,
  );
}

/**
 * Runs `deploy --stack dev` (with `--group` for each of `groups`) at commit SHA_1, which the
 * repository has, so a rollback can return to it; clears what it printed.
 */
export async function deployDev(ctx: TestContext, groups: readonly string[] = []): Promise<void> {
  ctx.engine.git = { commit: SHA_1, dirty: false };
  ctx.engine.commits.add(SHA_1);
  if ((await deploy(ctx, { ...DEPLOY, groups })) !== 0) throw new Error("deploy failed");
  ctx.stdout.text = "";
}
