/**
 * `database.backup.image` and its S3 target's `mcImage`: pinned by a version tag or a digest
 * (model/rules/backup-images.ts, the rule TenantBackups applies too), each refused by its path.
 */
import { describe, expect, it } from "vitest";
import { POSTGRES_IMAGE } from "../../model/database-defaults";
import { ConfigError, formatIssue } from "../../stacks/config/errors";
import { parseConfig } from "../../stacks/config/parse";

const DIGEST = `sha256:${"a".repeat(64)}`;
const PG_RULE = "must be pinned by a version tag or a digest, e.g. postgres:17.6";
const MC_RULE =
  "must be pinned by a version tag or a digest, e.g. minio/mc:RELEASE.2025-08-13T08-35-41Z";

/** A dev config whose in-cluster database backs up with `backup`. */
function withBackup(backup: Record<string, unknown>): Record<string, unknown> {
  return {
    environment: "dev",
    domain: "agents.example.com",
    image: { ref: `ghcr.io/acme/agent@${DIGEST}` },
    tenants: [{ id: "acme" }],
    database: { mode: "in-cluster", backup },
  };
}

/** An S3 target whose `mc` runs from `mcImage`. */
const s3 = (mcImage: string) => ({
  kind: "s3",
  endpoint: "https://s3.eu-west-1.amazonaws.com",
  bucket: "backups-x",
  credentialsSecret: "s3-creds",
  mcImage,
});

/** parseConfig's issues for `raw`, formatted; empty when it parses. */
function issues(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}

describe("database.backup's images", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    [
      "latest tags",
      { image: "postgres:latest", target: s3("minio/mc:latest") },
      [
        `database.backup.image "postgres:latest": ${PG_RULE}`,
        `database.backup.target.mcImage "minio/mc:latest": ${MC_RULE}`,
      ],
    ],
    [
      "no tag at all",
      { image: "postgres", target: s3("minio/mc") },
      [
        `database.backup.image "postgres": ${PG_RULE}`,
        `database.backup.target.mcImage "minio/mc": ${MC_RULE}`,
      ],
    ],
    ["an empty mcImage", { target: s3("") }, [`database.backup.target.mcImage "": ${MC_RULE}`]],
    ["the default image, a volume", {}, []],
    [
      "version tags",
      { image: "postgres:17.6", target: s3("minio/mc:RELEASE.2025-08-13T08-35-41Z") },
      [],
    ],
    [
      "digests, latest beside one",
      { image: `postgres:latest@${DIGEST}`, target: s3(`quay.io/minio/mc@${DIGEST}`) },
      [],
    ],
  ])("%s", (_, backup, expected) => {
    expect(issues(withBackup(backup))).toEqual(expected);
  });

  it("defaults pg_dump's image to the server's, pinned", () => {
    const config = parseConfig(withBackup({}));
    expect(config.database.backup?.image).toBe(POSTGRES_IMAGE);
  });
});
