import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { backupPodSpec, dumpScript } from "../../components/data/backup-job";
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
      jobTemplate: { spec: { backoffLimit: 1 } },
    });
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
      "find /backups -name '*.dump' -mtime +6 -print -delete",
    );

    const policy = run.get(KUBERNETES.NetworkPolicy, "local-backups-network").inputs.spec;
    expect(policy.ingress).toEqual([]);
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
        target: {
          kind: "s3",
          endpoint: "https://s3.eu-west-1.amazonaws.com",
          bucket: "acme-backups",
          prefix: "local/",
          credentialsSecret: "backup-s3",
          mcImage: "minio/mc@sha256:" + "c".repeat(64),
        },
      }),
    );
    expect(run.ofType(KUBERNETES.PersistentVolumeClaim)).toEqual([]);
    expect(await validateAllKubernetes(run.resources)).toBe(4);
    const pod = run.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs.spec.jobTemplate.spec
      .template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(["pg-dump"]);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(["upload"]);
    expect(pod.containers[0].env).toContainEqual({
      name: "AWS_SECRET_ACCESS_KEY",
      valueFrom: { secretKeyRef: { name: "backup-s3", key: "AWS_SECRET_ACCESS_KEY" } },
    });
    expect(pod.containers[0].command[2]).toContain(
      'mc rm --recursive --force --older-than 7d "target/$S3_BUCKET/$S3_PREFIX"',
    );
    expect(pod.initContainers[0].command[2]).not.toContain("find /backups");
    expect(
      run.get(KUBERNETES.NetworkPolicy, "local-backups-network").inputs.spec.egress[2],
    ).toMatchObject({
      ports: [{ protocol: "TCP", port: 443 }],
    });
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

describe("TenantBackups' args and children", () => {
  it("gathers every problem into one ComponentArgsError, before anything is registered", async () => {
    let error: unknown;
    const run = await runProgram(() => {
      try {
        new TenantBackups(
          "local-backups",
          args({
            retentionDays: 0.5,
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
        `TenantBackups "local-backups": 3 problems:`,
        `  - retentionDays 0.5: must be a whole number of days, 1 or more`,
        `  - tenants[1].id "acme": is listed twice`,
        `  - tenants[2].id "Globex": must be a DNS label (a-z, 0-9, '-')`,
      ].join("\n"),
    );
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
});

describe("the backup script with the real pg_dump and PostgreSQL", () => {
  it("dumps each tenant as its own role, keeps going past a failing one, and fails the run", async (t) => {
    if (!(await postgresAvailable())) t.skip();
    const suffix = uniqueSuffix();
    const role = `bk_${suffix}`;
    const server = new URL(TEST_POSTGRES_URL);
    const url = `postgres://${role}:pw-${suffix}@${server.hostname}:${server.port || 5432}/${role}?sslmode=disable`;
    const dir = await mkdtemp(path.join(os.tmpdir(), "backup-script-"));
    await withClient(TEST_POSTGRES_URL, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${suffix}'`);
      await c.query(`CREATE DATABASE ${role} OWNER ${role}`);
    });
    try {
      await withClient(url, (c) =>
        c.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')"),
      );
      const urls = path.join(dir, "urls");
      const dumps = path.join(dir, "dumps");
      await mkdir(urls);
      await mkdir(dumps);
      await writeFile(path.join(urls, "acme"), url);
      await writeFile(path.join(urls, "broken"), url.replace(`pw-${suffix}`, "wrong"));
      const script = dumpScript(7, true, { dumps, urls });
      const result = await promisify(execFile)("/bin/sh", ["-c", script]).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("backup of broken FAILED");
      expect(await readFile(path.join(dumps, ".failed"), "utf8")).toBe(" broken\n");
      const files = await readdir(path.join(dumps, "acme"));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^acme-\d{8}T\d{6}Z\.dump$/);
      expect(await readdir(path.join(dumps, "broken"))).toEqual([]);
      const listing = await promisify(execFile)("pg_restore", [
        "--list",
        path.join(dumps, "acme", files[0]!),
      ]);
      expect(listing.stdout).toMatch(/TABLE public t /);
    } finally {
      await withClient(TEST_POSTGRES_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
