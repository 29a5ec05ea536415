/**
 * The CI workflows shipped for the platform's users, read as data: the code of a pull request
 * never receives a production secret outside an approval environment, pull requests preview
 * dev, previews build nothing, and production deploys dev's tested digest instead of building.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const DIR = path.resolve(__dirname, "../../.github/workflows");
/** Environments with required reviewers (README, "CI for the platform's users"). */
const APPROVAL_ENVIRONMENTS = ["production"];
/** Environments whose secrets reach production. */
const PRODUCTION_ENVIRONMENTS = ["production"];

interface Job {
  environment?: string | { name: string };
  env?: Record<string, string>;
  steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[];
  strategy?: unknown;
}
interface Workflow {
  on: unknown;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((file) => ({
    file,
    workflow: parse(readFileSync(path.join(DIR, file), "utf8")) as Workflow,
  }));

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
      { id: "dev", environment: "dev", stack: "${{ github.job }}" },
      { id: "production", environment: "production", stack: "${{ github.job }}" },
    ]);
  });

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
});
