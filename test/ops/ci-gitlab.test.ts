/**
 * docs/ci-gitlab.md's `.gitlab-ci.yml`, read as data: merge requests preview dev without approval
 * and production only in a manual job in `production-preview`, as .github/workflows/preview.yml
 * does; no preview runs in an environment whose variables deploy.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const DOC = readFileSync(path.join(ROOT, "docs/ci-gitlab.md"), "utf8");

interface GitlabJob {
  extends?: string;
  stage?: string;
  needs?: string[];
  rules?: { if?: string; when?: string }[];
  allow_failure?: boolean;
  variables?: Record<string, string>;
  parallel?: { matrix: Record<string, string[]>[] };
  environment?: { name: string; action?: string };
  script?: string[];
}

/** The doc's one YAML block. */
function pipeline(): Record<string, GitlabJob> {
  const block = /```yaml\n([\s\S]*?)\n```\n/.exec(DOC);
  if (block === null) throw new Error("docs/ci-gitlab.md has no yaml block");
  return parse(block[1] ?? "") as Record<string, GitlabJob>;
}

const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';

describe("docs/ci-gitlab.md", () => {
  const jobs = pipeline();

  it("previews dev for every merge request, in dev-preview, without approval", () => {
    const preview = jobs.preview;
    expect(preview?.extends).toBe(".preview");
    expect(preview?.rules).toEqual([{ if: MR }]);
    expect(preview?.parallel?.matrix).toEqual([{ STACK: ["dev"] }]);
    expect(preview?.environment).toEqual({ name: "$STACK-preview", action: "access" });
  });

  it("previews production after dev, only as a manual job in the protected production-preview", () => {
    const production = jobs["preview-production"];
    expect(production).toEqual({
      extends: ".preview",
      needs: ["preview"],
      rules: [{ if: MR, when: "manual" }],
      allow_failure: false,
      variables: { STACK: "production" },
      environment: { name: "production-preview" },
    });
    expect(jobs[".preview"]?.script?.join("\n")).toContain('pulumi preview --stack "$STACK"');
  });

  it("no merge-request job runs in an environment whose variables deploy", () => {
    const inMergeRequests = Object.entries(jobs).filter(([, job]) =>
      (job.rules ?? []).some((rule) => rule.if === MR),
    );
    expect(inMergeRequests.map(([name]) => name).sort()).toEqual(["preview", "preview-production"]);
    for (const [, job] of inMergeRequests) {
      expect(job.environment?.name).toMatch(/-preview$/);
    }
  });

  it("says the production preview's variables need a protected environment, and not to set them without one", () => {
    const prose = DOC.replace(/\s+/g, " ");
    expect(prose).toContain(
      "make `production-preview` a *Protected environment* (GitLab Premium) whose *Allowed to deploy* are the reviewers",
    );
    expect(prose).toContain("create no variable in that scope there");
  });
});
