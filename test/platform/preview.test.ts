/**
 * Previews build nothing. `pulumi preview`, `ops deploy --dry-run`, `ops status` and pull-request
 * previews run the program with the engine in dry-run mode; every image build they register must
 * be one the provider skips on preview, and the preview must register the same resources as the
 * update (an image left out of a preview would show as a deletion that `up` never makes).
 */
import { describe, expect, it } from "vitest";
import { readStackFile, STACKS } from "../../testkit/stack-files";
import { runStack } from "./support";
import { DOCKER_BUILD } from "../../testkit/type-tokens";

describe.each(STACKS)("stack %s under preview", (stack) => {
  it("registers its image builds with buildOnPreview false and the same resources as up", async () => {
    const preview = await runStack(stack, {}, true);
    const up = await runStack(stack, {}, false);
    const builds = preview.ofType(DOCKER_BUILD.Image);
    // A stack file that builds (rather than deploying a pinned ref) registers one build.
    const context = (readStackFile(stack)["agent-cloud:image"] as { context?: string })?.context;
    if (context !== undefined) expect(builds.length).toBeGreaterThan(0);
    for (const build of builds) expect(build.inputs.buildOnPreview).toBe(false);
    const names = (run: typeof up) => run.resources.map((r) => `${r.type}::${r.name}`).sort();
    expect(names(preview)).toEqual(names(up));
  });
});
