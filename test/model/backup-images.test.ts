import { describe, expect, it } from "vitest";
import { POSTGRES_IMAGE } from "../../model/database-defaults";
import { backupImageProblem, mcImageProblem } from "../../model/rules/backup-images";

const PG = "must be pinned by a version tag or a digest, e.g. postgres:17.6";
const MC =
  "must be pinned by a version tag or a digest, e.g. minio/mc:RELEASE.2025-08-13T08-35-41Z";
const DIGEST = `sha256:${"a".repeat(64)}`;

describe("backupImageProblem", () => {
  it.each([
    [POSTGRES_IMAGE, undefined],
    ["postgres:17.6", undefined],
    ["postgres:17-alpine", undefined],
    [`postgres@${DIGEST}`, undefined],
    ["postgres", PG],
    ["postgres:latest", PG],
    ["docker.io/library/postgres:latest", PG],
  ])("%s: %s", (image, expected) => {
    expect(backupImageProblem(image)).toBe(expected);
  });
});

describe("mcImageProblem", () => {
  it.each([
    ["minio/mc:RELEASE.2025-08-13T08-35-41Z", undefined],
    [`quay.io/minio/mc@${DIGEST}`, undefined],
    [`minio/mc:latest@${DIGEST}`, undefined],
    ["minio/mc", MC],
    ["minio/mc:latest", MC],
    ["quay.io/minio/mc:latest", MC],
  ])("%s: %s", (image, expected) => {
    expect(mcImageProblem(image)).toBe(expected);
  });
});
