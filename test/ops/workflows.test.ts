/**
 * The CI workflows shipped for the platform's users, read as data: the code of a pull request
 * never receives a production secret outside an approval environment nor runs in an environment
 * whose secrets deploy, pull requests preview dev, previews build nothing, and production deploys
 * dev's tested digest instead of building. The preview identity documented for the cluster
 * (docs/ci-credentials.md) is held to dry-runs.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const DIR = path.join(ROOT, ".github/workflows");
/** Environments with required reviewers (README, "CI for the platform's users"). */
const APPROVAL_ENVIRONMENTS = ["production", "production-preview"];
/** Environments whose secrets reach production (production-preview's can only preview it). */
const PRODUCTION_ENVIRONMENTS = ["production", "production-preview"];

interface Job {
  if?: string;
  environment?: string | { name: string };
  env?: Record<string, string>;
  steps?: {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
  }[];
  strategy?: unknown;
}
interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { verbs: string[] }[];
  subjects?: unknown[];
  spec?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((file) => {
    const text = readFileSync(path.join(DIR, file), "utf8");
    return { file, text, workflow: parse(text) as Workflow };
  });

/** A workflow's comments as one line of prose, so a sentence wrapped over lines reads whole. */
function comments(text: string): string {
  return text
    .split("\n")
    .filter((l) => l.startsWith("#"))
    .map((l) => l.replace(/^#\s*/, "").trim())
    .join(" ");
}

/** Wording that offers secrets stored for the whole repository or organization. */
const WIDE_SECRETS =
  /\b(?:repository|repo|organi[sz]ation)[- ](?:wide|level)\b|\b(?:repository|organi[sz]ation) secrets?\b/i;

function triggers(on: unknown): string[] {
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on as string[];
  return Object.keys(on as object);
}

/** `secrets.NAME` and `secrets[...]` references in a value, GITHUB_TOKEN aside. */
function secretsIn(value: unknown): string[] {
  const text = JSON.stringify(value ?? {});
  const names = [...text.matchAll(/secrets(?:\.([A-Za-z_][\w]*)|\[[^\]]*\])/g)].map(
    (m) => m[1] ?? m[0],
  );
  return [...new Set(names)].filter((n) => n !== "GITHUB_TOKEN");
}

function environmentOf(job: Job): string | undefined {
  return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

/** Whether a job operates on the production stack. */
function touchesProduction(job: Job): boolean {
  return /production/i.test(JSON.stringify(job.steps ?? []) + JSON.stringify(job.strategy ?? {}));
}

/** Whether a job changes a stack: `ops deploy`/`rollback` without --dry-run, `pulumi up` and kin. */
function deploys(job: Job): boolean {
  return (job.steps ?? []).some(
    (s) =>
      /\bops -- (deploy|rollback)\b(?![^\n]*--dry-run)|\bpulumi (up|update|destroy|refresh|import)\b/.test(
        s.run ?? "",
      ) ||
      ((s.uses ?? "").startsWith("pulumi/actions") &&
        ["up", "update", "destroy", "refresh"].includes(String(s.with?.command))),
  );
}

/** Every environment a deploying job of any workflow runs in: those hold deploy credentials. */
const deployingEnvironments = [
  ...new Set(
    workflows.flatMap(({ workflow }) =>
      Object.values(workflow.jobs)
        .filter(deploys)
        .map((job) => environmentOf(job) ?? "(none)"),
    ),
  ),
].sort();

const onPullRequest = workflows.filter(({ workflow }) =>
  triggers(workflow.on).some((t) => t === "pull_request" || t === "pull_request_target"),
);

describe("workflows", () => {
  it("there is a pull-request workflow to check", () => {
    expect(onPullRequest.map((w) => w.file)).toContain("preview.yml");
  });

  it.each(onPullRequest)(
    "$file: no pull_request job gets a production secret outside an approval environment",
    ({ workflow }) => {
      // Workflow-level env reaches every job, whatever its environment.
      expect(secretsIn(workflow.env)).toEqual([]);
      for (const [id, job] of Object.entries(workflow.jobs)) {
        const secrets = secretsIn(job);
        const environment = environmentOf(job);
        if (secrets.length > 0) {
          // Repository-wide secrets reach every job; environment secrets only that environment's.
          expect(
            environment,
            `job ${id} reads ${secrets.join(", ")} without an environment`,
          ).toBeDefined();
          expect(
            secrets.filter((s) => /PROD/i.test(s)),
            `job ${id}`,
          ).toEqual([]);
        }
        if (environment !== undefined && PRODUCTION_ENVIRONMENTS.includes(environment)) {
          expect(APPROVAL_ENVIRONMENTS, `job ${id} runs in ${environment}`).toContain(environment);
        }
        if (touchesProduction(job)) {
          expect(environment, `job ${id} works on production`).toBeDefined();
          expect(APPROVAL_ENVIRONMENTS).toContain(environment);
        }
      }
    },
  );

  it("preview.yml previews dev for every pull request without approval and production only behind it", () => {
    const preview = workflows.find((w) => w.file === "preview.yml")!.workflow;
    const stacks = Object.entries(preview.jobs).map(([id, job]) => ({
      id,
      environment: environmentOf(job),
      stack: job.steps?.find((s) => s.with?.command === "preview")?.with?.["stack-name"],
    }));
    expect(stacks).toEqual([
      { id: "dev", environment: "dev-preview", stack: "${{ github.job }}" },
      { id: "production", environment: "production-preview", stack: "${{ github.job }}" },
    ]);
  });

  it("the deploying jobs run in dev and production, each behind an environment", () => {
    expect(deployingEnvironments).toEqual(["dev", "production"]);
  });

  it.each(onPullRequest)(
    "$file: no pull_request job deploys or runs in an environment a deploying job uses",
    ({ workflow }) => {
      const jobs = Object.entries(workflow.jobs).map(([id, job]) => ({
        id,
        environment: environmentOf(job),
        deploys: deploys(job),
      }));
      expect(jobs.filter((j) => j.deploys)).toEqual([]);
      // An expression could name any environment: pull-request jobs name theirs literally.
      expect(jobs.filter((j) => j.environment?.includes("${{"))).toEqual([]);
      expect(
        jobs.filter(
          (j) => j.environment !== undefined && deployingEnvironments.includes(j.environment),
        ),
      ).toEqual([]);
    },
  );

  it.each(workflows)(
    "$file: previews set up no image builder (they build nothing)",
    ({ workflow }) => {
      for (const job of Object.values(workflow.jobs)) {
        const previews = (job.steps ?? []).some(
          (s) => s.with?.command === "preview" || /--dry-run|\bstatus\b/.test(s.run ?? ""),
        );
        const deploys = (job.steps ?? []).some((s) =>
          /ops -- deploy(?!.*--dry-run)/.test(s.run ?? ""),
        );
        if (previews && !deploys) {
          expect((job.steps ?? []).map((s) => s.uses ?? "")).not.toContain(
            "docker/setup-buildx-action@v3",
          );
        }
      }
    },
  );

  it("deploy.yml: dev builds the platforms production runs, with QEMU set up before the builder", () => {
    const dev = workflows.find((w) => w.file === "deploy.yml")!.workflow.jobs.dev!;
    const uses = (dev.steps ?? []).map((s) => s.uses ?? "").filter((u) => u.startsWith("docker/"));
    expect(uses).toEqual(["docker/setup-qemu-action@v3", "docker/setup-buildx-action@v3"]);
    const platforms = (file: string) =>
      (parse(readFileSync(file, "utf8")) as { config: Record<string, { platforms?: string[] }> })
        .config["agent-cloud:image"]!.platforms;
    expect(platforms("Pulumi.dev.yaml")).toEqual(platforms("Pulumi.production.yaml"));
  });

  it("deploy.yml: production builds nothing and deploys dev's tested digest, after approval", () => {
    const deploy = workflows.find((w) => w.file === "deploy.yml")!.workflow;
    const production = deploy.jobs.production!;
    expect(environmentOf(production)).toBe("production");
    const steps = production.steps ?? [];
    expect(steps.some((s) => (s.uses ?? "").startsWith("docker/setup-buildx-action"))).toBe(false);
    const runs = steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/ops -- deploy --stack production --image-from dev/);
    expect(runs).not.toMatch(/ops -- deploy --stack production(?![^\n]*--image-from)/);
  });

  it("docs/ci-credentials.md: the preview identity gets no verb beyond a preview's, and only dry-runs", () => {
    const doc = readFileSync(path.join(ROOT, "docs/ci-credentials.md"), "utf8");
    const block = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const objects = parseAllDocuments(block).map((d) => d.toJS() as Manifest);
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    const [account] = of("ServiceAccount");
    const username = `system:serviceaccount:${account!.metadata.namespace}:${account!.metadata.name}`;
    expect(username).toBe("system:serviceaccount:agent-cloud-ci:preview");
    // Reads and the two verbs server-side apply dry-runs are authorized as; nothing else.
    const verbs = [...new Set(of("ClusterRole").flatMap((r) => r.rules!.flatMap((x) => x.verbs)))];
    expect(verbs).toEqual(["get", "list", "patch", "create"]);
    expect(of("Role")).toEqual([]);
    expect(of("ClusterRoleBinding").map((b) => b.subjects)).toEqual([
      [{ kind: "ServiceAccount", name: "preview", namespace: "agent-cloud-ci" }],
    ]);
    const [policy] = of("ValidatingAdmissionPolicy");
    expect(policy!.spec).toEqual({
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ["*"],
            apiVersions: ["*"],
            operations: ["CREATE", "UPDATE", "DELETE"],
            resources: ["*", "*/*"],
          },
        ],
      },
      matchConditions: [
        { name: "preview-identity", expression: `request.userInfo.username == '${username}'` },
      ],
      validations: [
        {
          expression: "has(request.dryRun) && request.dryRun",
          reason: "Forbidden",
          message: "the preview identity may only send dry-run requests",
        },
      ],
    });
    expect(of("ValidatingAdmissionPolicyBinding").map((b) => b.spec)).toEqual([
      { policyName: policy!.metadata.name, validationActions: ["Deny"] },
    ]);
  });

  it.each(workflows)(
    "$file: its secrets are its environments' only, and its text suggests no repository-wide secret",
    ({ text, workflow }) => {
      expect(text.split("\n").filter((l) => WIDE_SECRETS.test(l))).toEqual([]);
      // Workflow-level env, and a job without an environment, could only read repository secrets.
      expect(secretsIn(workflow.env)).toEqual([]);
      const withoutEnvironment = Object.entries(workflow.jobs)
        .filter(([, job]) => secretsIn(job).length > 0 && environmentOf(job) === undefined)
        .map(([id]) => id);
      expect(withoutEnvironment).toEqual([]);
      // The settings it documents are the secrets of exactly the environments its jobs run in.
      const settings =
        /^# Settings this workflow reads \(environment secrets of (.+) only\):$/m.exec(text);
      expect(settings, "the settings line").not.toBeNull();
      const named = [...settings![1]!.matchAll(/`([\w-]+)`/g)].map((m) => m[1]).sort();
      const used = [
        ...new Set(Object.values(workflow.jobs).map((job) => environmentOf(job) ?? "(none)")),
      ].sort();
      expect(named).toEqual(used);
    },
  );

  it("deploy.yml: production's and dev's deploy credentials exist only as their environment's secrets", () => {
    const deploy = workflows.find((w) => w.file === "deploy.yml")!;
    expect(comments(deploy.text)).toContain(
      "Production's credentials exist only as secrets of the `production` environment, and dev's " +
        "deploy credentials only as secrets of the `dev` environment. A secret stored anywhere " +
        "else reaches jobs that name no environment, a pull request's own copy of preview.yml " +
        "among them, without any approval.",
    );
  });

  it("deploy.yml: the hand-run inputs reach ops deploy as --adopt-database/--new-database, never as script text", () => {
    const deploy = workflows.find((w) => w.file === "deploy.yml")!.workflow;
    for (const [id, job] of Object.entries(deploy.jobs)) {
      const step = (job.steps ?? []).find((s) => /ops -- deploy/.test(s.run ?? ""))!;
      expect(step.env, id).toEqual({
        ADOPT: `\${{ inputs.${id}_adopt_databases }}`,
        NEW: `\${{ inputs.${id}_new_databases }}`,
      });
      expect(step.run, id).not.toContain("inputs.");
      expect(step.run, id).toMatch(/ops -- deploy --stack \S+ .*"\$\{databases\[@\]\}"/);
    }
  });

  it("deploy.yml: only main deploys, by push or by hand, and every job checks the branch", () => {
    const deploy = workflows.find((w) => w.file === "deploy.yml")!.workflow;
    const on = deploy.on as {
      push: unknown;
      workflow_dispatch: { inputs: Record<string, unknown> };
    };
    expect(on.push).toEqual({ branches: ["main"] });
    // By hand, with the tenants whose retained databases each stack takes over or starts anew.
    expect(Object.keys(on.workflow_dispatch.inputs)).toEqual([
      "dev_adopt_databases",
      "dev_new_databases",
      "production_adopt_databases",
      "production_new_databases",
    ]);
    const guards = Object.fromEntries(Object.entries(deploy.jobs).map(([id, job]) => [id, job.if]));
    expect(guards).toEqual({
      dev: "github.ref == 'refs/heads/main'",
      production: "github.ref == 'refs/heads/main'",
    });
  });
});
