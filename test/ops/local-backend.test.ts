/** After `npm run local:up`, the ops tool finds the local stack's file backend by itself. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localBackendEnv, stacksNamed } from "../../ops/adapters/local-backend";

const project = mkdtempSync(join(tmpdir(), "local-backend-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));
// What `pulumi stack select --create local` leaves in a project-scoped file backend.
mkdirSync(join(project, ".pulumi-state", ".pulumi", "stacks", "agent-cloud"), { recursive: true });
writeFileSync(
  join(project, ".pulumi-state", ".pulumi", "stacks", "agent-cloud", "local.json"),
  "{}",
);

describe("local backend", () => {
  it.each([
    [["status", "--stack", "local"], ["local"]],
    [["history", "-s", "dev", "--limit", "3"], ["dev"]],
    [
      ["promote", "--from=dev", "--to", "production"],
      ["dev", "production"],
    ],
    [["doctor"], []],
  ])("%j names stacks %j", (argv, names) => expect(stacksNamed(argv)).toEqual(names));

  it("uses <project>/.pulumi-state and local:up's passphrase for a stack that lives there", () => {
    expect(localBackendEnv(project, ["status", "--stack", "local"], {})).toEqual({
      PULUMI_BACKEND_URL: `file://${join(project, ".pulumi-state")}`,
      PULUMI_CONFIG_PASSPHRASE: "agent-cloud-local",
    });
  });

  it("keeps a passphrase the user set", () => {
    expect(
      localBackendEnv(project, ["status", "-s", "local"], { PULUMI_CONFIG_PASSPHRASE: "mine" }),
    ).toEqual({ PULUMI_BACKEND_URL: `file://${join(project, ".pulumi-state")}` });
  });

  it("leaves the user's backend alone otherwise", () => {
    expect(localBackendEnv(project, ["status", "--stack", "dev"], {})).toEqual({});
    expect(
      localBackendEnv(project, ["status", "--stack", "local"], { PULUMI_BACKEND_URL: "s3://b" }),
    ).toEqual({});
    expect(localBackendEnv(join(project, "elsewhere"), ["status", "--stack", "local"], {})).toEqual(
      {},
    );
  });
});
