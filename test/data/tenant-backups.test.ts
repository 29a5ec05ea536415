import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import {
  BACKUP_JOB_OVERHEAD_SECONDS,
  backupJobDeadlineSeconds,
  backupObjectFolder,
  backupPodSpec,
  DUMP_LIMITS,
  dumpScript,
  uploadScript,
} from "../../components/data/backup-job";
import { databaseUrl } from "../../components/data/database-url";
import {
  TENANT_BACKUPS_TYPE,
  TenantBackups,
  type TenantBackupsArgs,
} from "../../components/data/tenant-backups";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { isSecretInput, runProgram, valueOf } from "../../testkit/mocks";
import { ComponentArgsError } from "../../components/component-args-error";
import { DEFAULT_BACKUP_VOLUME_SIZE } from "../../model/database-defaults";
import { restrictedViolations } from "../../testkit/pod-security";
import { engineConfig } from "../../testkit/stack-files";
import {
  postgresAvailable,
  TEST_POSTGRES_URL,
  uniqueSuffix,
  withClient,
} from "../../testkit/postgres";
import { KUBERNETES } from "../../testkit/type-tokens";

const args = (overrides: Partial<TenantBackupsArgs> = {}): TenantBackupsArgs => ({
  environment: "local",
  tenants: [
    {
      id: "acme",
      databaseUrl: pulumi.secret("postgres://sp_local_acme:pw1@db:5432/sp_local_acme"),
    },
    {
      id: "globex",
      databaseUrl: pulumi.secret("postgres://sp_local_globex:pw2@db:5432/sp_local_globex"),
    },
  ],
  schedule: "17 3 * * *",
  retentionDays: 7,
  image: "postgres:17.6",
  target: { kind: "volume", size: "5Gi" },
  database: { namespace: "local-data", port: 5432 },
  ...overrides,
});

async function deploy(a: TenantBackupsArgs) {
  return runProgram(() => new TenantBackups("local-backups", a));
}

/** An S3-compatible target whose keys are in the operator's Secret backup-s3. */
const S3_TARGET = {
  kind: "s3",
  endpoint: "https://s3.eu-west-1.amazonaws.com",
  bucket: "acme-backups",
  prefix: "backups/",
  credentialsSecret: "backup-s3",
  mcImage: "minio/mc@sha256:" + "c".repeat(64),
} as const;

/** S3_TARGET as TenantBackups of the environment `local` hands it to the pod. */
const S3_POD_TARGET = {
  kind: "s3",
  endpoint: S3_TARGET.endpoint,
  bucket: S3_TARGET.bucket,
  folder: "backups/local/",
  credentialsSecret: S3_TARGET.credentialsSecret,
  mcImage: S3_TARGET.mcImage,
} as const;

/** The pod runs its scripts with /bin/sh: dash on Debian images, bash or busybox elsewhere. */
const SHELLS = ["bash", "dash"];

/**
 * `shell`'s argv to run `script`. bash gets --norc: its stdin here is a socket, which it takes
 * for a remote shell's and would read ~/.bashrc.
 */
const shellArgs = (shell: string, script: string) =>
  shell === "bash" ? ["--norc", "-c", script] : ["-c", script];

describe("TenantBackups", () => {
  it("creates a restricted namespace, a deny-by-default policy, the URL Secret, a retained volume and one CronJob", async () => {
    const run = await deploy(args());
    expect(run.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `${TENANT_BACKUPS_TYPE} local-backups`,
      `${KUBERNETES.CronJob} local-backups-cronjob`,
      `${KUBERNETES.Namespace} local-backups-namespace`,
      `${KUBERNETES.PersistentVolumeClaim} local-backups-volume`,
      `${KUBERNETES.Secret} local-backups-urls`,
      `${KUBERNETES.NetworkPolicy} local-backups-network`,
    ]);
    expect(await validateAllKubernetes(run.resources)).toBe(5);
    expect(
      run.get(KUBERNETES.Namespace, "local-backups-namespace").inputs.metadata.labels,
    ).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
    });

    const secret = run.get(KUBERNETES.Secret, "local-backups-urls");
    expect(secret.inputs.stringData).toEqual({
      acme: "postgres://sp_local_acme:pw1@db:5432/sp_local_acme",
      globex: "postgres://sp_local_globex:pw2@db:5432/sp_local_globex",
    });
    expect(isSecretInput(secret, "stringData.acme")).toBe(true);

    expect(run.get(KUBERNETES.PersistentVolumeClaim, "local-backups-volume")).toMatchObject({
      retainOnDelete: true,
      inputs: {
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
      },
    });

    const cron = run.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs;
    expect(cron.metadata).toMatchObject({ name: "tenant-backups", namespace: "local-backups" });
    expect(cron.spec).toMatchObject({
      schedule: "17 3 * * *",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      // An hour for the pod and the upload, plus each of the 2 tenants' whole dump bound.
      jobTemplate: { spec: { backoffLimit: 1, activeDeadlineSeconds: 10_800 } },
    });
    expect([DUMP_LIMITS, BACKUP_JOB_OVERHEAD_SECONDS]).toEqual([
      { lockWaitSeconds: 120, tenantSeconds: 3600 },
      3600,
    ]);
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(["pg-dump"]);
    expect(pod.volumes).toEqual([
      { name: "dumps", persistentVolumeClaim: { claimName: "tenant-backups" } },
      {
        name: "tenant-databases",
        secret: { secretName: "tenant-database-urls", defaultMode: 0o440 },
      },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ]);
    expect(pod.containers[0].command[2]).toContain(
      `      find "$dir/oid-$oid" -name '*.dump' -mtime +6 -print -delete`,
    );
    expect(pod.containers[0].command[2]).not.toContain("find /backups");

    const policy = run.get(KUBERNETES.NetworkPolicy, "local-backups-network").inputs.spec;
    expect(policy.ingress).toEqual([]);
    // DNS to the cluster DNS pods only, not to everything in kube-system: the tenants' own rule.
    expect(policy.egress[0]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    });
    expect(policy.egress[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "local-data" } },
          podSelector: { matchLabels: {} },
        },
      ],
      ports: [{ protocol: "TCP", port: 5432 }],
    });
    expect(policy.egress).toHaveLength(2);
  });

  it("uploads to an S3-compatible bucket after dumping, with keys from the operator's Secret", async () => {
    const run = await deploy(
      args({
        target: S3_TARGET,
      }),
    );
    expect(run.ofType(KUBERNETES.PersistentVolumeClaim)).toEqual([]);
    expect(await validateAllKubernetes(run.resources)).toBe(4);
    const pod = run.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs.spec.jobTemplate.spec
      .template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(["pg-dump"]);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(["upload"]);
    // The environment's folder under the prefix: every object path names the environment.
    expect(pod.containers[0].env).toEqual([
      { name: "S3_ENDPOINT", value: "https://s3.eu-west-1.amazonaws.com" },
      { name: "S3_BUCKET", value: "acme-backups" },
      { name: "S3_FOLDER", value: "backups/local/" },
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "backup-s3", key: "AWS_ACCESS_KEY_ID" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "backup-s3", key: "AWS_SECRET_ACCESS_KEY" } },
      },
    ]);
    expect(pod.containers[0].command[2]).toContain(
      'mc --config-dir "$cfg" rm --recursive --force --older-than 7d "$folder$id/$incarnation/"; break',
    );
    expect(pod.initContainers[0].command[2]).not.toContain("find ");
    expect(
      run.get(KUBERNETES.NetworkPolicy, "local-backups-network").inputs.spec.egress[2],
    ).toMatchObject({
      ports: [{ protocol: "TCP", port: 443 }],
    });
  });

  it("puts no secret on a command line: the password reaches pg_dump in its environment, the S3 keys mc in its config file", () => {
    // Plain values here: the builder puts no Outputs in the spec.
    type Container = { command: string[] };
    const pod = backupPodSpec({
      image: "postgres:17.6",
      retentionDays: 7,
      urlsSecret: "tenant-database-urls",
      target: S3_POD_TARGET,
    }) as { initContainers: Container[]; containers: Container[] };
    const dump = pod.initContainers[0]!.command[2]!;
    const upload = pod.containers[0]!.command[2]!;
    // The URL's file is read into the shell; pg_dump's argv gets it only once its password is cut.
    expect(dump.split("\n").filter((line) => /pg_dump|\$\(cat "\$f"\)/.test(line))).toEqual([
      '  url="$(cat "$f")"; password=""',
      '  elif PGPASSWORD="$password" timeout 3600 pg_dump --dbname="$url" --lock-wait-timeout=120s --format=custom --no-owner --no-privileges --file="$partial"; then',
    ]);
    // The keys reach the shell in its environment and leave it only in mc's config file, written
    // by the builtin printf; every mc reads that file and has neither key in its environment.
    // An empty or unset key is refused first, by builtins that print the variable's name only.
    expect(upload.split("\n").filter((line) => /AWS_|printf|mc /.test(line))).toEqual([
      `  if [ -z "$2" ]; then printf '%s is empty: set it in the Secret %s\\n' "$1" 'backup-s3' >&2; missing=1; fi`,
      'require_key AWS_ACCESS_KEY_ID "${AWS_ACCESS_KEY_ID:-}"',
      'require_key AWS_SECRET_ACCESS_KEY "${AWS_SECRET_ACCESS_KEY:-}"',
      'json_escape AWS_ACCESS_KEY_ID "$AWS_ACCESS_KEY_ID"; access_key="$escaped"',
      'json_escape AWS_SECRET_ACCESS_KEY "$AWS_SECRET_ACCESS_KEY"; secret_key="$escaped"',
      "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY unescaped escaped char",
      `printf '{"version":"10","aliases":{"target":{"url":"%s","accessKey":"%s","secretKey":"%s","api":"S3v4","path":"auto"}}}\\n' "$url" "$access_key" "$secret_key" > "$cfg/config.json"`,
      'mc --config-dir "$cfg" cp --recursive /backups/ "$folder"',
      '      mc --config-dir "$cfg" rm --recursive --force --older-than 7d "$folder$id/$incarnation/"; break',
    ]);
    expect(upload).not.toContain("MC_HOST");
    expect(upload.split("\n").slice(-1)).toEqual([
      'if [ -f /backups/.failed ]; then echo "failed: $(cat /backups/.failed)" >&2; exit 1; fi',
    ]);
  });

  it("refuses a retention below one day", () => {
    expect(() =>
      backupPodSpec({
        image: "p",
        retentionDays: 0,
        urlsSecret: "s",
        target: { kind: "volume", claimName: "c" },
      }),
    ).toThrow("retentionDays 0: must be a whole number of days, 1 or more");
  });
});

describe("backupJobDeadlineSeconds", () => {
  it.each([
    [0, undefined, 3600],
    [1, undefined, 7200],
    [12, undefined, 46_800],
    [3, { lockWaitSeconds: 1, tenantSeconds: 60 }, 3780],
  ])("gives a Job of %i tenants (limits %j) %i seconds", (tenants, limits, seconds) => {
    expect(backupJobDeadlineSeconds(tenants, limits)).toBe(seconds);
  });
});

describe("backupObjectFolder", () => {
  it.each([
    ["", "dev", "dev/"],
    ["backups", "dev", "backups/dev/"],
    ["backups/", "production", "backups/production/"],
    ["org/backups//", "production", "org/backups/production/"],
    ["/", "dev", "dev/"],
  ])(
    "puts the environment in the folder (prefix %j, environment %s): %s",
    (prefix, env, folder) => {
      expect(backupObjectFolder(prefix, env)).toBe(folder);
    },
  );
});

describe("TenantBackups' args and children", () => {
  it("gathers every problem into one ComponentArgsError, before anything is registered", async () => {
    let error: unknown;
    const run = await runProgram(() => {
      try {
        new TenantBackups(
          "local-backups",
          args({
            retentionDays: 0.5,
            dumpTimeoutMinutes: 0,
            tenants: [
              { id: "acme", databaseUrl: "postgres://a" },
              { id: "acme", databaseUrl: "postgres://b" },
              { id: "Globex", databaseUrl: "postgres://c" },
            ],
          }),
        );
      } catch (caught) {
        error = caught;
      }
    });
    expect(run.resources).toEqual([]);
    expect(error).toBeInstanceOf(ComponentArgsError);
    expect((error as Error).message).toBe(
      [
        `TenantBackups "local-backups": 4 problems:`,
        `  - retentionDays 0.5: must be a whole number of days, 1 or more`,
        `  - dumpTimeoutMinutes 0: must be a whole number of minutes from 1 to 1440`,
        `  - tenants[1].id "acme": is listed twice`,
        `  - tenants[2].id "Globex": must be a DNS label (a-z, 0-9, '-')`,
      ].join("\n"),
    );
  });

  const PG_RULE = "must be pinned by a version tag or a digest, e.g. postgres:17.6";
  const MC_RULE =
    "must be pinned by a version tag or a digest, e.g. minio/mc:RELEASE.2025-08-13T08-35-41Z";
  it.each([
    [
      "postgres:latest",
      "minio/mc:latest",
      [
        `TenantBackups "local-backups": 2 problems:`,
        `  - image "postgres:latest": ${PG_RULE}`,
        `  - target.mcImage "minio/mc:latest": ${MC_RULE}`,
      ].join("\n"),
    ],
    [
      "postgres",
      "minio/mc",
      [
        `TenantBackups "local-backups": 2 problems:`,
        `  - image "postgres": ${PG_RULE}`,
        `  - target.mcImage "minio/mc": ${MC_RULE}`,
      ].join("\n"),
    ],
    [
      "postgres:17.6",
      "minio/mc",
      `TenantBackups "local-backups": target.mcImage "minio/mc": ${MC_RULE}`,
    ],
    [
      "postgres:",
      "minio/mc:RELEASE.2025-08-13T08-35-41Z",
      `TenantBackups "local-backups": image "postgres:": ${PG_RULE}`,
    ],
  ])(
    "refuses pg_dump's image %j and mc's %j unless pinned by a version tag or a digest",
    async (image, mcImage, message) => {
      let error: unknown;
      const run = await runProgram(() => {
        try {
          new TenantBackups("local-backups", args({ image, target: { ...S3_TARGET, mcImage } }));
        } catch (caught) {
          error = caught;
        }
      });
      expect(run.resources).toEqual([]);
      expect(error).toBeInstanceOf(ComponentArgsError);
      expect((error as Error).message).toBe(message);
    },
  );

  it.each([
    ["postgres:17.6", "minio/mc:RELEASE.2025-08-13T08-35-41Z"],
    [`postgres@sha256:${"a".repeat(64)}`, `minio/mc@sha256:${"b".repeat(64)}`],
    [
      `postgres:latest@sha256:${"a".repeat(64)}`,
      `quay.io/minio/mc:latest@sha256:${"b".repeat(64)}`,
    ],
  ])("runs pg_dump's image %s and mc's %s, pinned", async (image, mcImage) => {
    const pod = (await deploy(args({ image, target: { ...S3_TARGET, mcImage } }))).get(
      KUBERNETES.CronJob,
      "local-backups-cronjob",
    ).inputs.spec.jobTemplate.spec.template.spec;
    expect([pod.initContainers[0].image, pod.containers[0].image]).toEqual([image, mcImage]);
  });

  it("bounds each tenant's dump by dumpTimeoutMinutes, and the Job's deadline with it", async () => {
    const run = await runProgram(() => {
      new TenantBackups("local-backups", args({ dumpTimeoutMinutes: 180 }));
    });
    const cron = run.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs;
    // An hour for the pod and the upload, plus 3 hours for each of the 2 tenants.
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600 + 2 * 10_800);
    const script = cron.spec.jobTemplate.spec.template.spec.containers[0].command[2] as string;
    expect(script).toContain(" timeout 10800 pg_dump --dbname=");
    expect(script).toContain("still running after 10800 s, stopped");
  });

  it("exposes the CronJob, the volume and the URL Secret, and lets a caller adjust them", async () => {
    const plain = await deploy(args());
    const adjusted = await runProgram(
      () =>
        new TenantBackups(
          "local-backups",
          args({
            transform: {
              cronJob: (cronJob) => {
                cronJob.metadata = { ...(cronJob.metadata as object), annotations: { a: "b" } };
              },
              volume: (claim, opts) => {
                opts.protect = true;
              },
            },
          }),
        ),
    );
    const backups = adjusted.result;
    expect(await valueOf(backups.cronJob.urn)).toBe(
      adjusted.get(KUBERNETES.CronJob, "local-backups-cronjob").urn,
    );
    expect(await valueOf(backups.volume!.urn)).toBe(
      adjusted.get(KUBERNETES.PersistentVolumeClaim, "local-backups-volume").urn,
    );
    expect(await valueOf(backups.urlsSecret.urn)).toBe(
      adjusted.get(KUBERNETES.Secret, "local-backups-urls").urn,
    );
    const cron = adjusted.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs;
    expect(cron.metadata.annotations).toEqual({ a: "b" });
    expect(cron.spec).toEqual(plain.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs.spec);
    const volume = adjusted.get(KUBERNETES.PersistentVolumeClaim, "local-backups-volume");
    expect([volume.protect, volume.retainOnDelete]).toEqual([true, true]);
    expect(adjusted.resources.map((r) => r.urn).sort()).toEqual(
      plain.resources.map((r) => r.urn).sort(),
    );
  });

  it("sizes the volume from the one default when the target does not say", async () => {
    const run = await deploy(args({ target: { kind: "volume" } }));
    expect(
      run.get(KUBERNETES.PersistentVolumeClaim, "local-backups-volume").inputs.spec.resources,
    ).toEqual({
      requests: { storage: DEFAULT_BACKUP_VOLUME_SIZE },
    });
    expect(DEFAULT_BACKUP_VOLUME_SIZE).toBe("10Gi");
  });
});

describe("database.backup in a stack", () => {
  it("backs up every tenant of the stack, and the Secret holds each one's DATABASE_URL", async () => {
    const { config, secretKeys } = engineConfig("local");
    const database = JSON.parse(config["agent-cloud:database"] ?? "{}") as Record<string, unknown>;
    const withBackup = {
      ...config,
      "agent-cloud:database": JSON.stringify({ ...database, backup: { retentionDays: 3 } }),
    };
    vi.resetModules();
    const run = await runProgram(async () => import("../../stacks/index.js"), {
      stack: "local",
      config: withBackup,
      secretKeys,
    });
    const tenants = (JSON.parse(config["agent-cloud:tenants"] ?? "[]") as { id: string }[]).map(
      (t) => t.id,
    );
    const secret = run.ofType(KUBERNETES.Secret).find((r) => r.name.endsWith("-backups-urls"))!;
    expect(Object.keys(secret.inputs.stringData as object).sort()).toEqual([...tenants].sort());
    expect(isSecretInput(secret, "stringData")).toBe(true);
    const cron = run.ofType(KUBERNETES.CronJob);
    expect(cron.map((c) => c.inputs.metadata.namespace)).toEqual(["local-backups"]);
    expect(cron[0]!.inputs.spec.jobTemplate.spec.template.spec.containers[0].command[2]).toContain(
      "-mtime +2 -print -delete",
    );
  });

  it.each(["dev", "production"] as const)(
    "puts the %s stack's dumps in a bucket under its environment's folder",
    async (stack) => {
      const { config, secretKeys } = engineConfig(stack);
      const database = JSON.parse(config["agent-cloud:database"] ?? "{}") as object;
      // The same bucket and (default, empty) prefix in both stacks: both pass validation.
      const target = { ...S3_TARGET, prefix: undefined };
      vi.resetModules();
      const run = await runProgram(async () => import("../../stacks/index.js"), {
        stack,
        config: {
          ...config,
          "agent-cloud:database": JSON.stringify({ ...database, backup: { target } }),
        },
        secretKeys,
      });
      expect(config["agent-cloud:environment"]).toBe(stack);
      const [cron] = run.ofType(KUBERNETES.CronJob);
      const upload = cron!.inputs.spec.jobTemplate.spec.template.spec.containers[0];
      expect(upload.env.slice(1, 3)).toEqual([
        { name: "S3_BUCKET", value: "acme-backups" },
        { name: "S3_FOLDER", value: `${stack}/` },
      ]);
    },
  );
});

/** A stand-in program on a private PATH that appends its argv and `envName`'s value to `calls`. */
async function recordingTool(
  dir: string,
  name: string,
  envName: string,
  calls: string,
  then = "exit 0",
): Promise<void> {
  const file = path.join(dir, name);
  await writeFile(
    file,
    [
      "#!/bin/sh",
      `{ printf 'argv:'; printf ' [%s]' "$@"; printf '\\n${envName}=[%s]\\n' "$${envName}"; } >> '${calls}'`,
      then,
      "",
    ].join("\n"),
  );
  await chmod(file, 0o755);
}

/**
 * A stand-in `mc` that keeps, per call (`{records}/{n}/`), its argv and environment exactly
 * (NUL-separated, the environment as the process received it), and a copy of the config file in
 * the directory its --config-dir names, with that directory's and file's modes.
 */
async function recordingMc(dir: string, records: string): Promise<void> {
  const file = path.join(dir, "mc");
  await writeFile(
    file,
    [
      "#!/bin/sh",
      "set -eu",
      `n=0; while [ -e '${records}'/$n ]; do n=$((n + 1)); done; rec='${records}'/$n; mkdir -p "$rec"`,
      `printf '%s\\0' "$@" > "$rec/argv"`,
      'cat /proc/$$/environ > "$rec/environ"',
      'cfg=""; previous=""',
      'for arg in "$@"; do [ "$previous" = --config-dir ] && cfg="$arg"; previous="$arg"; done',
      'if [ -n "$cfg" ]; then cp "$cfg/config.json" "$rec/config.json"; stat -c %a "$cfg" "$cfg/config.json" > "$rec/modes"; fi',
      "",
    ].join("\n"),
  );
  await chmod(file, 0o755);
}

interface McCall {
  argv: string[];
  environ: string[];
  config?: string;
  modes?: string;
}

async function mcCalls(records: string): Promise<McCall[]> {
  const read = (file: string) => readFile(file, "utf8").catch(() => undefined);
  const calls: McCall[] = [];
  for (let n = 0; ; n++) {
    const dir = path.join(records, String(n));
    const argv = await read(path.join(dir, "argv"));
    if (argv === undefined) return calls;
    const environ = (await read(path.join(dir, "environ"))) ?? "";
    calls.push({
      argv: argv.split("\0").slice(0, -1),
      environ: environ.split("\0").filter((entry) => entry !== ""),
      config: await read(path.join(dir, "config.json")),
      modes: await read(path.join(dir, "modes")),
    });
  }
}

/** The stand-in mc's argv for pruning one tenant's folder of dumps older than `days` days. */
function mcPrune(configDir: string, folder: string, days = 7): string[] {
  return [
    "--config-dir",
    configDir,
    "rm",
    "--recursive",
    "--force",
    "--older-than",
    `${days}d`,
    folder,
  ];
}

/** The stand-in mc's argv for copying `dumps` into `folder`. */
function mcCopy(configDir: string, dumps: string, folder: string): string[] {
  return ["--config-dir", configDir, "cp", "--recursive", `${dumps}/`, folder];
}

describe("the upload script with a stand-in mc", () => {
  // Every character mc's MC_HOST_ URL form or a shell could trip on: `:` (mc took the rest of
  // the secret for a session token), `@` and `/` (the URL's user info), `"` and `\` (JSON),
  // glob characters, `$`, a backquote, a space and a non-ASCII letter.
  const secret = 'wJal:rXU@tn/FEMI"K7\\MDENG*?[x]$HOME`id` ü+b';

  /**
   * The script against a stand-in mc, run by `shell` with `retentionDays` and the S3 variables
   * `s3` (by default the pod's for S3_POD_TARGET); an undefined key is left out of its
   * environment.
   */
  async function upload(
    accessKey: string | undefined,
    secretKey: string | undefined,
    {
      shell = "/bin/sh",
      retentionDays = 7,
      s3 = {
        S3_ENDPOINT: S3_POD_TARGET.endpoint,
        S3_BUCKET: S3_POD_TARGET.bucket,
        S3_FOLDER: S3_POD_TARGET.folder,
      },
    }: { shell?: string; retentionDays?: number; s3?: Record<string, string> } = {},
  ) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "upload-script-"));
    const bin = path.join(dir, "bin");
    const dumps = path.join(dir, "dumps");
    const records = path.join(dir, "records");
    await mkdir(bin);
    await mkdir(dumps);
    await recordingMc(bin, records);
    const keys = Object.entries({ AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey });
    const run = () =>
      promisify(execFile)(
        shell,
        shellArgs(shell, uploadScript(retentionDays, S3_TARGET.credentialsSecret, dumps)),
        {
          env: {
            PATH: `${bin}:/usr/bin:/bin`,
            ...s3,
            ...Object.fromEntries(keys.filter(([, value]) => value !== undefined)),
          },
        },
      ).then(
        (r) => ({ code: 0, stderr: r.stderr }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    return { dir, dumps, records, run };
  }

  it("hands mc the keys in a private config file, never on its argv or in its environment; a failed dump fails the run", async () => {
    const { dir, dumps, records, run } = await upload("AKIAEXAMPLE", secret);
    try {
      await mkdir(path.join(dumps, "acme", "oid-16384"), { recursive: true });
      await writeFile(path.join(dumps, "acme", "oid-16384", "acme-20261122T031700Z.dump"), "dump");
      expect(await run()).toEqual({ code: 0, stderr: "" });
      const calls = await mcCalls(records);
      expect(calls).toHaveLength(2);
      const cfg = calls[0]!.argv[1]!;
      expect(calls.map((c) => c.argv)).toEqual([
        mcCopy(cfg, dumps, "target/acme-backups/backups/local/"),
        mcPrune(cfg, "target/acme-backups/backups/local/acme/oid-16384/"),
      ]);
      for (const call of calls) {
        // mc's config, as `mc alias set` would write it: exactly the keys given, parsed back.
        expect(JSON.parse(call.config!)).toEqual({
          version: "10",
          aliases: {
            target: {
              url: "https://s3.eu-west-1.amazonaws.com",
              accessKey: "AKIAEXAMPLE",
              secretKey: secret,
              api: "S3v4",
              path: "auto",
            },
          },
        });
        // A directory of its own that only the job's user reads.
        expect(call.modes).toBe("700\n600\n");
        expect(call.argv.filter((arg) => arg.includes(secret) || arg.includes("AKIA"))).toEqual([]);
        expect(call.environ.filter((entry) => /AWS_|MC_HOST|AKIA|wJal/.test(entry))).toEqual([]);
        expect(call.environ.join("\n")).not.toContain(secret);
      }
      // The directory goes when the script ends.
      await expect(readdir(cfg)).rejects.toThrow("ENOENT");

      await writeFile(path.join(dumps, ".failed"), " broken\n");
      expect(await run()).toEqual({ code: 1, stderr: "failed:  broken\n" });
      const again = await mcCalls(records);
      expect(again).toHaveLength(4);
      expect(again.flatMap((c) => c.argv).filter((arg) => arg.includes(secret))).toEqual([]);
      await expect(readdir(again[2]!.argv[1]!)).rejects.toThrow("ENOENT");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe.each(SHELLS)("under %s", (shell) => {
    it("prunes in the bucket only the folders of the databases this run dumped", async () => {
      const { dir, dumps, records, run } = await upload("AKIAEXAMPLE", secret, { shell });
      try {
        // This run dumped acme (its database's OID 16500) and acme-corp (16384); initech's dump
        // failed, so its folder is empty; globex was offboarded, so it has no URL file and no
        // folder; hooli's dump named no OID, so it lies in its tenant's folder.
        for (const [id, oid] of [
          ["acme", 16500],
          ["acme-corp", 16384],
        ] as const) {
          await mkdir(path.join(dumps, id, `oid-${oid}`), { recursive: true });
          await writeFile(path.join(dumps, id, `oid-${oid}`, `${id}-20261122T031700Z.dump`), "d");
        }
        await mkdir(path.join(dumps, "initech"));
        await mkdir(path.join(dumps, "hooli"));
        await writeFile(path.join(dumps, "hooli", "hooli-20261122T031700Z.dump"), "dump");
        await writeFile(path.join(dumps, ".failed"), " initech hooli\n");
        expect(await run()).toEqual({ code: 1, stderr: "failed:  initech hooli\n" });
        const calls = await mcCalls(records);
        const cfg = calls[0]!.argv[1]!;
        // Each database's own folder, with its `/`: not the tenant's, where an earlier database
        // of the same id (a previous customer's, another OID) keeps its dumps, and acme's prune
        // does not reach acme-corp's.
        const folder = "target/acme-backups/backups/local/";
        expect(calls.map((c) => c.argv)).toEqual([
          mcCopy(cfg, dumps, folder),
          mcPrune(cfg, `${folder}acme-corp/oid-16384/`),
          mcPrune(cfg, `${folder}acme/oid-16500/`),
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it("gives two environments that share a bucket and a prefix disjoint folders to write and prune", async () => {
    // dev keeps a day of dumps, production 30 days: dev's prune must never reach production's.
    const argvs: Record<string, string[][]> = {};
    for (const [environment, retentionDays] of [
      ["dev", 1],
      ["production", 30],
    ] as const) {
      const pod = (await deploy(args({ environment, retentionDays, target: S3_TARGET }))).get(
        KUBERNETES.CronJob,
        "local-backups-cronjob",
      ).inputs.spec.jobTemplate.spec.template.spec;
      const container = pod.containers[0] as {
        command: string[];
        env: { name: string; value?: string }[];
      };
      // The pod's own script and S3 variables, run over a dumps folder of this test's.
      expect(container.command[2]).toBe(uploadScript(retentionDays, S3_TARGET.credentialsSecret));
      const s3 = Object.fromEntries(
        container.env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
      );
      const { dir, dumps, records, run } = await upload("AKIAEXAMPLE", secret, {
        retentionDays,
        s3,
      });
      try {
        await mkdir(path.join(dumps, "acme", "oid-16384"), { recursive: true });
        await writeFile(path.join(dumps, "acme", "oid-16384", "acme-20261122T031700Z.dump"), "d");
        expect(await run()).toEqual({ code: 0, stderr: "" });
        const calls = await mcCalls(records);
        const cfg = calls[0]!.argv[1]!;
        const folder = `target/acme-backups/backups/${environment}/`;
        expect(calls.map((c) => c.argv)).toEqual([
          mcCopy(cfg, dumps, folder),
          mcPrune(cfg, `${folder}acme/oid-16384/`, retentionDays),
        ]);
        argvs[environment] = calls.map((c) => c.argv);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    // No path one environment writes or prunes is inside, or holds, one of the other's.
    const paths = (environment: string) => argvs[environment]!.map((argv) => argv.at(-1)!);
    const nested = paths("dev").flatMap((a) =>
      paths("production")
        .filter((b) => a.startsWith(b) || b.startsWith(a))
        .map((b) => `${a} and ${b}`),
    );
    expect(nested).toEqual([]);
  });

  it("refuses a key with a control character before mc runs, without printing it", async () => {
    const { dir, records, run } = await upload("AKIAEXAMPLE", "trailing-newline\n");
    try {
      expect(await run()).toEqual({
        code: 1,
        stderr: "AWS_SECRET_ACCESS_KEY holds a control character: refused\n",
      });
      expect(await mcCalls(records)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, string | undefined, string | undefined, string]>([
    [
      "an empty access key",
      "",
      secret,
      "AWS_ACCESS_KEY_ID is empty: set it in the Secret backup-s3\n",
    ],
    [
      "an empty secret key",
      "AKIAEXAMPLE",
      "",
      "AWS_SECRET_ACCESS_KEY is empty: set it in the Secret backup-s3\n",
    ],
    [
      "both keys empty",
      "",
      "",
      "AWS_ACCESS_KEY_ID is empty: set it in the Secret backup-s3\n" +
        "AWS_SECRET_ACCESS_KEY is empty: set it in the Secret backup-s3\n",
    ],
    [
      "both keys unset",
      undefined,
      undefined,
      "AWS_ACCESS_KEY_ID is empty: set it in the Secret backup-s3\n" +
        "AWS_SECRET_ACCESS_KEY is empty: set it in the Secret backup-s3\n",
    ],
  ])(
    "refuses %s before mc runs (mc would go anonymously), naming the Secret, not a value",
    async (_, accessKey, secretKey, stderr) => {
      const { dir, records, run } = await upload(accessKey, secretKey);
      try {
        expect(await run()).toEqual({ code: 1, stderr });
        expect(await mcCalls(records)).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

/** `{YYYYMMDDTHHMMSSZ}` of `days` days before `now`, as the dump script stamps a dump. */
const stampDaysAgo = (days: number, now: number) =>
  new Date(now - days * 86_400_000).toISOString().replace(/[-:]|\.\d+/g, "");

/**
 * Stand-ins for pg_dump and pg_restore in `bin`. pg_dump fails for a database in `failing`;
 * otherwise it writes, as its --file, what `pg_restore --list --create` prints of a dump of the
 * database its --dbname names: with the DATABASE entry of OID `oids[database]`, none for a
 * database not in `oids`, and after it a table whose name (its newline printed as a space, as
 * pg_restore prints one) reads like another database's entry. pg_restore prints that file when
 * asked for `--list --create` of it, and fails otherwise.
 */
async function standInDumpTools(
  bin: string,
  oids: Readonly<Record<string, number>>,
  failing: readonly string[] = [],
): Promise<void> {
  await writeFile(
    path.join(bin, "pg_dump"),
    [
      "#!/bin/sh",
      'for a; do case "$a" in --dbname=*) db="${a##*/}" ;; --file=*) file="${a#--file=}" ;; esac; done',
      ...failing.map((db) => `[ "$db" = ${db} ] && exit 1`),
      'case "$db" in',
      ...Object.entries(oids).map(([db, oid]) => `  ${db}) oid=${oid} ;;`),
      '  *) oid="" ;;',
      "esac",
      "{",
      "  printf ';\\n;     dbname: %s\\n;\\n; Selected TOC Entries:\\n;\\n' \"$db\"",
      '  if [ -n "$oid" ]; then printf \'3344; 1262 %s DATABASE - %s %s\\n\' "$oid" "$db" "$db"; fi',
      '  printf \'214; 1259 90001 TABLE public x 1; 1262 1 DATABASE - %s %s\\n\' "$db" "$db"',
      '} > "$file"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  await writeFile(
    path.join(bin, "pg_restore"),
    [
      "#!/bin/sh",
      '[ "$#" -eq 3 ] && [ "$1" = --list ] && [ "$2" = --create ] && exec cat "$3"',
      'echo "pg_restore: unexpected arguments: $*" >&2; exit 2',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
}

/**
 * Writes into `folder` one dump of `id` per entry of `ages`, that many days old (by its name's
 * stamp and its mtime) at `now`, and returns their paths.
 */
async function oldDumps(
  folder: string,
  id: string,
  ages: readonly number[],
  now: number,
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  for (const days of ages) {
    const file = path.join(folder, `${id}-${stampDaysAgo(days, now)}.dump`);
    const time = new Date(now - days * 86_400_000);
    await writeFile(file, "dump");
    await utimes(file, time, time);
    files.push(file);
  }
  return files;
}

/** The path of the one dump of `id` in `folder` that is not in `old`: the run's own. */
async function freshDump(folder: string, id: string, old: readonly string[]): Promise<string> {
  const fresh = (await readdir(folder))
    .map((file) => path.join(folder, file))
    .filter((file) => file.endsWith(".dump") && !old.includes(file));
  expect(fresh.map((file) => path.basename(file))).toEqual([
    expect.stringMatching(new RegExp(`^${id}-\\d{8}T\\d{6}Z\\.dump$`)),
  ]);
  return fresh[0]!;
}

/** The files under `dir`, as paths relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe.each(SHELLS)("the backup script's retention on a volume, under %s", (shell) => {
  /** The volume script (retention 7 days) run by `shell` over `dir`'s urls/ and dumps/. */
  async function runScript(dir: string) {
    return promisify(execFile)(
      shell,
      shellArgs(
        shell,
        dumpScript(7, true, { dumps: path.join(dir, "dumps"), urls: path.join(dir, "urls") }),
      ),
      { env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin` } },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  }

  /** A folder with urls/ (one file per tenant, `urls[id]`), dumps/ and bin/ (stand-in tools). */
  async function scene(urls: Record<string, string>, oids: Record<string, number>) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "backup-retention-"));
    for (const sub of ["urls", "dumps", "bin"]) await mkdir(path.join(dir, sub));
    for (const [id, url] of Object.entries(urls)) await writeFile(path.join(dir, "urls", id), url);
    await standInDumpTools(path.join(dir, "bin"), oids, ["sp_initech"]);
    return { dir, dumps: path.join(dir, "dumps") };
  }

  it("prunes only the tenants it backs up, and never their newest dump; an offboarded tenant's dumps stay", async () => {
    // acme and initech are backed up; globex was offboarded: its URL file is gone.
    const { dir, dumps } = await scene(
      {
        acme: "postgres://sp_acme:pw@db:5432/sp_acme",
        initech: "postgres://sp_initech:pw@db:5432/sp_initech",
      },
      { sp_acme: 16384 },
    );
    try {
      // One clock for every name: a second passing mid-test must not rename a dump.
      const now = Date.now();
      const acmeFolder = path.join(dumps, "acme", "oid-16384");
      const globex = await oldDumps(
        path.join(dumps, "globex", "oid-16390"),
        "globex",
        [30, 8],
        now,
      );
      const acme = await oldDumps(acmeFolder, "acme", [9, 8, 6], now);
      const initech = await oldDumps(
        path.join(dumps, "initech", "oid-16388"),
        "initech",
        [10, 9],
        now,
      );
      const result = await runScript(dir);
      expect([result.code, result.stderr]).toEqual([
        1,
        "backup of initech FAILED\nfailed: initech\n",
      ]);
      const fresh = await freshDump(acmeFolder, "acme", acme);
      // acme's dumps of 9 and 8 days go (find prints them in the folder's order, which the file
      // system decides); its 6-day-old one and this run's, its newest, stay.
      const [backedUp, ...pruned] = result.stdout.split("\n");
      expect([backedUp, pruned.sort()]).toEqual([
        `backed up acme: ${fresh}`,
        ["", ...acme.slice(0, 2).sort()],
      ]);
      // initech's dump failed: all of its dumps stay, the newest (9 days) its last good one;
      // globex has no URL file: every dump of it stays until an operator deletes them.
      expect(await filesUnder(dumps)).toEqual(
        [acme[2]!, fresh, ...initech, ...globex]
          .map((file) => path.relative(dumps, file))
          .concat(".failed")
          .sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps every dump of a reused tenant id's earlier database (another OID), and prunes only the dumped database's", async () => {
    // "acme" was offboarded a month ago; a new customer got the id, with a new database of the
    // same name (deploy --new-database acme): OID 16500, where the old one was 16384.
    const { dir, dumps } = await scene(
      { acme: "postgres://sp_dev_acme:newpw@db:5432/sp_dev_acme" },
      { sp_dev_acme: 16500 },
    );
    try {
      const now = Date.now();
      const previous = path.join(dumps, "acme", "oid-16384");
      const current = path.join(dumps, "acme", "oid-16500");
      // The old customer's last dumps; one from before incarnation folders, in the tenant's
      // folder; the new customer's of 9 and 6 days.
      const kept = [
        ...(await oldDumps(previous, "acme", [31, 30], now)),
        ...(await oldDumps(path.join(dumps, "acme"), "acme", [40], now)),
        ...(await oldDumps(current, "acme", [6], now)),
      ];
      const [expired] = await oldDumps(current, "acme", [9], now);
      const result = await runScript(dir);
      const fresh = await freshDump(current, "acme", [...kept, expired!]);
      expect(result).toMatchObject({
        code: 0,
        stdout: `backed up acme: ${fresh}\n${expired}\n`,
        stderr: "",
      });
      expect(await filesUnder(dumps)).toEqual(
        [...kept, fresh].map((file) => path.relative(dumps, file)).sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps a dump that names no database OID in the tenant's folder, prunes nothing and fails the run", async () => {
    const { dir, dumps } = await scene({ acme: "postgres://sp_acme:pw@db:5432/sp_acme" }, {});
    try {
      const now = Date.now();
      const kept = [
        ...(await oldDumps(path.join(dumps, "acme"), "acme", [30], now)),
        ...(await oldDumps(path.join(dumps, "acme", "oid-16384"), "acme", [30], now)),
      ];
      const result = await runScript(dir);
      const fresh = await freshDump(path.join(dumps, "acme"), "acme", kept);
      expect(result).toMatchObject({
        code: 1,
        stdout: "",
        stderr:
          `backup of acme FAILED: pg_restore --list names no database OID in its dump, kept unpruned: ${fresh}\n` +
          "failed: acme\n",
      });
      expect(await filesUnder(dumps)).toEqual(
        [...kept, fresh]
          .map((file) => path.relative(dumps, file))
          .concat(".failed")
          .sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the backup script with the real pg_dump and PostgreSQL", () => {
  it("dumps each tenant as its own role, keeps going past a failing one, and fails the run", async (t) => {
    if (!(await postgresAvailable())) t.skip();
    const suffix = uniqueSuffix();
    const role = `bk_${suffix}`;
    // All but `'` are percent-encoded in the URL (the script decodes them); `'`, `"`, `$` and
    // the backquote would also break a password pasted into shell quoting.
    const password = `p@s:s/w?o#r%d &+'"$\`é-${suffix}`;
    const server = new URL(TEST_POSTGRES_URL);
    const at = { host: server.hostname, port: Number(server.port || 5432), database: role };
    const url = databaseUrl({ ...at, user: role, password, sslmode: "disable" });
    expect(url).toContain("%40s%3As%2Fw%3Fo%23r%25d%20%26%2B'%22%24%60%C3%A9");
    const dir = await mkdtemp(path.join(os.tmpdir(), "backup-script-"));
    await withClient(TEST_POSTGRES_URL, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD ${c.escapeLiteral(password)}`);
      await c.query(`CREATE DATABASE ${role} OWNER ${role}`);
    });
    try {
      await withClient(url, (c) =>
        c.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')"),
      );
      const urls = path.join(dir, "urls");
      const dumps = path.join(dir, "dumps");
      const bin = path.join(dir, "bin");
      const calls = path.join(dir, "calls");
      await mkdir(urls);
      await mkdir(dumps);
      await mkdir(bin);
      // pg_dump as the pod runs it, behind a stand-in that records its argv and PGPASSWORD.
      const real = (await promisify(execFile)("sh", ["-c", "command -v pg_dump"])).stdout.trim();
      await recordingTool(bin, "pg_dump", "PGPASSWORD", calls, `exec '${real}' "$@"`);
      await writeFile(path.join(urls, "acme"), url);
      await writeFile(
        path.join(urls, "broken"),
        databaseUrl({ ...at, user: role, password: "wrong", sslmode: "disable" }),
      );
      await writeFile(path.join(urls, "garbled"), `host=db user=${role} password=${password}`);
      const script = dumpScript(7, true, { dumps, urls });
      const result = await promisify(execFile)("/bin/sh", ["-c", script], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("backup of broken FAILED\n");
      expect(result.stderr).toContain(
        "backup of garbled FAILED: its file is not a postgres:// URL\n",
      );
      expect(result.stderr).not.toContain(password);
      expect(await readFile(path.join(dumps, ".failed"), "utf8")).toBe(" broken garbled\n");
      // The dump is in its database's folder, named by the OID the server gave the database.
      const oid = await withClient(TEST_POSTGRES_URL, async (c) =>
        String(
          (await c.query("SELECT oid FROM pg_database WHERE datname = $1", [role])).rows[0].oid,
        ),
      );
      expect(await readdir(path.join(dumps, "acme"))).toEqual([`oid-${oid}`]);
      const folder = path.join(dumps, "acme", `oid-${oid}`);
      const files = await readdir(folder);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^acme-\d{8}T\d{6}Z\.dump$/);
      expect(await readdir(path.join(dumps, "broken"))).toEqual([]);
      const stamp = files[0]!.slice("acme-".length);
      const argv = (id: string) =>
        `argv: [--dbname=postgres://${role}@${at.host}:${at.port}/${role}?sslmode=disable]` +
        ` [--lock-wait-timeout=120s] [--format=custom] [--no-owner] [--no-privileges]` +
        ` [--file=${dumps}/${id}/${id}-${stamp}.partial]`;
      // The password went in the environment, decoded; the command line names only where and who.
      expect(await readFile(calls, "utf8")).toBe(
        [argv("acme"), `PGPASSWORD=[${password}]`, argv("broken"), "PGPASSWORD=[wrong]", ""].join(
          "\n",
        ),
      );
      const listing = await promisify(execFile)("pg_restore", [
        "--list",
        path.join(folder, files[0]!),
      ]);
      expect(listing.stdout).toContain(`;     dbname: ${role}\n`);
      // The table and its rows, owned by the tenant's role.
      expect(listing.stdout).toContain(` TABLE public t ${role}\n`);
      expect(listing.stdout).toContain(` TABLE DATA public t ${role}\n`);
    } finally {
      await withClient(TEST_POSTGRES_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the backup script's incarnations, with the real pg_dump, pg_restore and PostgreSQL", () => {
  it("files a database created again under its new OID, and prunes only that one's dumps", async (t) => {
    if (!(await postgresAvailable())) t.skip();
    const role = `bk_${uniqueSuffix()}`;
    const server = new URL(TEST_POSTGRES_URL);
    const url = databaseUrl({
      host: server.hostname,
      port: Number(server.port || 5432),
      database: role,
      user: role,
      password: "pw",
      sslmode: "disable",
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), "backup-incarnations-"));
    /** The tenant's database created (again), holding `customer`; its OID. */
    const create = async (customer: string) => {
      const oid = await withClient(TEST_POSTGRES_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${role} OWNER ${role}`);
        const found = await c.query("SELECT oid FROM pg_database WHERE datname = $1", [role]);
        return String(found.rows[0].oid);
      });
      await withClient(url, (c) =>
        c.query(`CREATE TABLE t (v text); INSERT INTO t VALUES ('${customer}')`),
      );
      return oid;
    };
    await withClient(TEST_POSTGRES_URL, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`));
    try {
      const urls = path.join(dir, "urls");
      const dumps = path.join(dir, "dumps");
      await mkdir(urls);
      await mkdir(dumps);
      await writeFile(path.join(urls, "acme"), url);
      const run = () =>
        promisify(execFile)("/bin/sh", ["-c", dumpScript(7, true, { dumps, urls })], {
          timeout: 30_000,
        });
      const now = Date.now();

      // The first customer's database, dumped; that dump is a month old when the id is reused.
      const first = await create("old customer");
      await run();
      const [kept] = await readdir(path.join(dumps, "acme", `oid-${first}`));
      const month = new Date(now - 30 * 86_400_000);
      await utimes(path.join(dumps, "acme", `oid-${first}`, kept!), month, month);

      // The same id, a new customer: the database dropped and created again (--new-database).
      const second = await create("new customer");
      expect(second).not.toBe(first);
      const [expired] = await oldDumps(path.join(dumps, "acme", `oid-${second}`), "acme", [9], now);
      const result = await run();
      const fresh = await freshDump(path.join(dumps, "acme", `oid-${second}`), "acme", [expired!]);
      expect(result).toEqual({ stdout: `backed up acme: ${fresh}\n${expired}\n`, stderr: "" });
      expect(await filesUnder(dumps)).toEqual(
        [`acme/oid-${first}/${kept}`, path.relative(dumps, fresh)].sort(),
      );
      // Each folder holds its own customer's data only.
      const rows = async (file: string) =>
        (await promisify(execFile)("pg_restore", ["--data-only", "--file=-", file])).stdout
          .split("\n")
          .filter((line) => line.endsWith("customer"));
      expect(await rows(path.join(dumps, "acme", `oid-${first}`, kept!))).toEqual(["old customer"]);
      expect(await rows(fresh)).toEqual(["new customer"]);
    } finally {
      await withClient(TEST_POSTGRES_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the backup script's per-tenant bound, as each timeout reports it", () => {
  it.each([
    [
      "GNU coreutils (exits 124)",
      124,
      "backup of acme FAILED: its dump was still running after 9 s, stopped\n",
    ],
    [
      "busybox (the command ends with TERM: 143)",
      143,
      "backup of acme FAILED: its dump was still running after 9 s, stopped\n",
    ],
    ["pg_dump failing on its own", 1, "backup of acme FAILED\n"],
  ])("%s", async (_label, status, message) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "backup-timeout-"));
    try {
      const bin = path.join(dir, "bin");
      const urls = path.join(dir, "urls");
      const dumps = path.join(dir, "dumps");
      for (const d of [bin, urls, dumps]) await mkdir(d);
      // A stand-in `timeout` that reports how the dump ended without running it.
      await writeFile(path.join(bin, "timeout"), `#!/bin/sh\nexit ${status}\n`, { mode: 0o755 });
      await writeFile(path.join(urls, "acme"), "postgres://sp_dev_acme:pw@db:5432/sp_dev_acme");
      const script = dumpScript(7, true, { dumps, urls }, { lockWaitSeconds: 1, tenantSeconds: 9 });
      const result = await promisify(execFile)("/bin/sh", ["-c", script], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
      }).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result).toEqual({ code: 1, stderr: `${message}failed: acme\n` });
      expect(await readdir(path.join(dumps, "acme"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the backup script when a tenant holds a lock, with the real pg_dump and PostgreSQL", () => {
  it("fails only the locking tenants' dumps, within the bounds, and dumps the tenant between them", async (t) => {
    if (!(await postgresAvailable())) t.skip();
    const suffix = uniqueSuffix();
    // acme locks a table (pg_dump's lock wait fails), initech a view (read after the tables are
    // locked: only the whole dump's bound stops it); globex, between them, holds nothing.
    const ids = ["acme", "globex", "initech"] as const;
    const role = (id: string) => `bk_${id}_${suffix}`;
    const server = new URL(TEST_POSTGRES_URL);
    const url = (id: string) =>
      databaseUrl({
        host: server.hostname,
        port: Number(server.port || 5432),
        database: role(id),
        user: role(id),
        password: `pw-${suffix}`,
        sslmode: "disable",
      });
    const dir = await mkdtemp(path.join(os.tmpdir(), "backup-locks-"));
    const holders: pg.Client[] = [];
    await withClient(TEST_POSTGRES_URL, async (c) => {
      for (const id of ids) {
        await c.query(`CREATE ROLE ${role(id)} LOGIN PASSWORD 'pw-${suffix}'`);
        await c.query(`CREATE DATABASE ${role(id)} OWNER ${role(id)}`);
      }
    });
    try {
      const urls = path.join(dir, "urls");
      const dumps = path.join(dir, "dumps");
      await mkdir(urls);
      await mkdir(dumps);
      for (const id of ids) {
        await withClient(url(id), (c) =>
          c.query(
            "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept'); CREATE VIEW v AS SELECT 1",
          ),
        );
        await writeFile(path.join(urls, id), url(id));
      }
      // Each locking tenant's own session, which lifts its idle-in-transaction timeout.
      for (const [id, relation] of [
        ["acme", "t"],
        ["initech", "v"],
      ] as const) {
        const holder = new pg.Client({ connectionString: url(id) });
        await holder.connect();
        holders.push(holder);
        await holder.query("SET idle_in_transaction_session_timeout = 0");
        await holder.query("BEGIN");
        await holder.query(`LOCK TABLE ${relation} IN ACCESS EXCLUSIVE MODE`);
      }
      const script = dumpScript(7, true, { dumps, urls }, { lockWaitSeconds: 1, tenantSeconds: 5 });
      const started = Date.now();
      const result = await promisify(execFile)("/bin/sh", ["-c", script], { timeout: 30_000 }).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("canceling statement due to statement timeout\n");
      expect(result.stderr).toContain("backup of acme FAILED\n");
      expect(result.stderr).toContain(
        "backup of initech FAILED: its dump was still running after 5 s, stopped\n",
      );
      expect(result.stderr).not.toContain("backup of globex FAILED");
      expect(await readFile(path.join(dumps, ".failed"), "utf8")).toBe(" acme initech\n");
      expect(await readdir(path.join(dumps, "acme"))).toEqual([]);
      expect(await readdir(path.join(dumps, "initech"))).toEqual([]);
      const [incarnation] = await readdir(path.join(dumps, "globex"));
      expect(incarnation).toMatch(/^oid-\d+$/);
      const files = await readdir(path.join(dumps, "globex", incarnation!));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^globex-\d{8}T\d{6}Z\.dump$/);
      const listing = await promisify(execFile)("pg_restore", [
        "--list",
        path.join(dumps, "globex", incarnation!, files[0]!),
      ]);
      expect(listing.stdout).toContain(` TABLE DATA public t ${role("globex")}\n`);
    } finally {
      for (const holder of holders) await holder.end().catch(() => undefined);
      await withClient(TEST_POSTGRES_URL, async (c) => {
        for (const id of ids) {
          await c.query(`DROP DATABASE IF EXISTS ${role(id)} WITH (FORCE)`);
          await c.query(`DROP ROLE IF EXISTS ${role(id)}`);
        }
      });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
