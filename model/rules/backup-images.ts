/**
 * The backups' images must be pinned by a version tag or a digest (model/rules/pinned-image.ts):
 * their pod reads every tenant's DATABASE_URL and, with a bucket, reaches the internet, so a
 * moving tag (`latest`) must not decide what runs there. The one check the config schema
 * (`database.backup.image`, `database.backup.target.mcImage`) and TenantBackups apply. Pure.
 */
import { versionPinnedImageProblem } from "./pinned-image";

/** What is wrong with the image pg_dump runs from (`database.backup.image`), or undefined. */
export function backupImageProblem(image: string): string | undefined {
  return versionPinnedImageProblem(image, "postgres:17.6");
}

/** What is wrong with the image `mc` runs from (an S3 target's `mcImage`), or undefined. */
export function mcImageProblem(image: string): string | undefined {
  return versionPinnedImageProblem(image, "minio/mc:RELEASE.2025-08-13T08-35-41Z");
}
