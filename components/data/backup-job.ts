/**
 * The pod that backs up every tenant database of an environment, one logical dump per tenant,
 * each as that tenant's own role: pure builders, so tests read exactly what the CronJob runs.
 * Dumps are named `{id}-{YYYYMMDDTHHMMSSZ}.dump` (pg_dump custom format), the names `ops db`
 * lists and restores, so a dump taken by the CronJob restores with `ops db restore --from`
 * (and `ops db list --dir` lists one incarnation's folder). They are filed by incarnation,
 * `{id}/oid-{oid}/`: a tenant id used again (an offboarded customer's, `deploy --new-database`)
 * names a new database of the same name, which only its OID tells apart (see {@link dumpScript}).
 */
import type * as k8s from "@pulumi/kubernetes";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../kubernetes/security";
import { POSTGRES_UID } from "./postgres-statefulset";
import { DEFAULT_DUMP_TIMEOUT_MINUTES } from "../../model/database-defaults";

/** Where dumps go: a PersistentVolumeClaim, or an S3-compatible bucket through `mc`. */
export type BackupTarget =
  | { readonly kind: "volume"; readonly claimName: string }
  | {
      readonly kind: "s3";
      /** e.g. `https://s3.eu-west-1.amazonaws.com` or a MinIO/R2 endpoint. */
      readonly endpoint: string;
      readonly bucket: string;
      /** The environment's folder in the bucket, from {@link backupObjectFolder}. */
      readonly folder: string;
      /** Secret in the backups namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
      readonly credentialsSecret: string;
      /** An image with the MinIO client `mc`, pinned by a version tag or a digest. */
      readonly mcImage: string;
    };

export interface BackupPodInput {
  /**
   * The PostgreSQL image; its pg_dump must be at least the server's major version, and it must
   * have `timeout` and pg_restore (Debian's and Alpine's PostgreSQL images do: see
   * {@link dumpScript}).
   */
  readonly image: string;
  /**
   * A tenant's dumps older than this many days are deleted after a run that dumped it (see
   * {@link dumpScript} and {@link uploadScript}); an offboarded tenant's are never deleted.
   */
  readonly retentionDays: number;
  /** How long each tenant's dump may wait and run. @default {@link DUMP_LIMITS} */
  readonly dumpLimits?: DumpLimits;
  /** Secret holding one key per tenant id, each a DATABASE_URL. */
  readonly urlsSecret: string;
  readonly target: BackupTarget;
}

const DUMPS = "/backups";
const URLS = "/run/tenant-databases";

/**
 * The folder of the bucket that holds an environment's dumps, one folder per tenant under it:
 * `{prefix}/{environment}/`, or `{environment}/` when the prefix is empty (a prefix's trailing
 * `/`s are dropped), always ending in one `/`. The environment is in every object path, so two
 * environments' stacks that share a bucket and a prefix never write into, or prune, each other's
 * folders. The upload and the prune both use it (see {@link uploadScript}).
 */
export function backupObjectFolder(prefix: string, environment: string): string {
  const base = prefix.replace(/\/+$/, "");
  return base === "" ? `${environment}/` : `${base}/${environment}/`;
}

/**
 * Sets `decoded` to `$1` with each `%XX` replaced by its byte, as libpq decodes a URL's
 * user and password. Builtins only (`printf`, `[`), so no argv shows the value; its variables
 * are global, so named apart from the loop's.
 */
const PERCENT_DECODE = [
  "percent_decode() {",
  '  encoded="$1"; decoded=""',
  '  while [ -n "$encoded" ]; do',
  '    case "$encoded" in',
  "      %[0-9A-Fa-f][0-9A-Fa-f]*)",
  '        pct="${encoded#%}"; encoded="${pct#??}"; pct="${pct%"$encoded"}"',
  // The `x` keeps a decoded newline from being stripped by the command substitution.
  '        char="$(printf "\\\\$(printf %o "$((0x$pct))")x")"; decoded="$decoded${char%x}" ;;',
  '      *) decoded="$decoded${encoded%"${encoded#?}"}"; encoded="${encoded#?}" ;;',
  "    esac",
  "  done",
  "}",
];

/**
 * Sets `oid` to the OID of the database the dump `$1` is of, or to "" when it names none: the
 * catalog id of its DATABASE entry, which `pg_restore --list` shows with `--create` (as
 * `{n}; 1262 {oid} DATABASE - {name} {owner}`; 1262 is pg_database's fixed OID). That entry comes
 * before every object of the tenant's, and pg_restore prints a newline in a name as a space, so
 * no name of the tenant's can start a line that reads as it. pg_restore is in every PostgreSQL
 * image beside pg_dump; it reads the file only (no connection).
 */
const DATABASE_OID = [
  "database_oid() {",
  String.raw`  oid="$(pg_restore --list --create "$1" | sed -n '/^[0-9][0-9]*; 1262 [0-9][0-9]* DATABASE - /{s/^[0-9]*; 1262 \([0-9]*\) .*$/\1/p;q;}')"`,
  "}",
];

/** How long a tenant's dump may wait and run before it fails, in seconds. */
export interface DumpLimits {
  /**
   * pg_dump's `--lock-wait-timeout`: how long it waits for each table's lock. A tenant whose
   * session holds a conflicting lock (an ACCESS EXCLUSIVE lock in an open transaction, which the
   * tenant's own session may keep open as long as it likes) fails its own dump after this wait.
   */
  readonly lockWaitSeconds: number;
  /**
   * How long one tenant's pg_dump may run, lock waits included, before `timeout` stops it and
   * that tenant's dump fails: the bound on every wait `--lock-wait-timeout` does not cover (a
   * view or another object locked by the tenant, read after the tables are locked). pg_dump
   * sets its own statement_timeout and lock_timeout to 0, so no server setting can bound it.
   */
  readonly tenantSeconds: number;
}

/** How long pg_dump waits for a table's lock: two minutes. */
export const DUMP_LOCK_WAIT_SECONDS = 120;

/**
 * The limits of a tenant's dump that may run `minutes` (`database.backup.dumpTimeoutMinutes`):
 * a tenant whose dump needs longer fails every run (reported, its older dumps kept).
 */
export function dumpLimits(minutes: number): DumpLimits {
  return { lockWaitSeconds: DUMP_LOCK_WAIT_SECONDS, tenantSeconds: minutes * 60 };
}

/** The pod's limits by default: two minutes for a table's lock, an hour for a tenant's dump. */
export const DUMP_LIMITS: DumpLimits = dumpLimits(DEFAULT_DUMP_TIMEOUT_MINUTES);

/**
 * What a backup Job gets besides its tenants' dumps, in seconds: the pod's start (scheduling,
 * the image's pull) and, with an S3 target, the upload after the dumps.
 */
export const BACKUP_JOB_OVERHEAD_SECONDS = 3600;

/**
 * The backup Job's `activeDeadlineSeconds`: {@link BACKUP_JOB_OVERHEAD_SECONDS} plus
 * {@link DumpLimits.tenantSeconds} per tenant, the longest a run takes when every tenant's dump
 * uses its whole bound. Kubernetes stops the Job at this deadline, whatever hangs (a pod that
 * never starts, an upload that never ends), so `concurrencyPolicy: Forbid` skips later runs for
 * at most this long. The deadline counts from the Job's start and covers its retry
 * (`backoffLimit`) too: a retry of a run that used its whole bound may be cut short.
 */
export function backupJobDeadlineSeconds(
  tenantCount: number,
  limits: DumpLimits = DUMP_LIMITS,
): number {
  return BACKUP_JOB_OVERHEAD_SECONDS + tenantCount * limits.tenantSeconds;
}

/**
 * One pg_dump per tenant file in {@link URLS}; a tenant that fails does not stop the others,
 * but the run fails at the end (and leaves `.failed` for the uploader to report). pg_dump gets
 * the URL without its password, and the password in PGPASSWORD: its argv is visible to `ps`.
 * Each dump is bounded by `limits` ({@link DumpLimits}): a tenant that holds a lock, or whose
 * dump runs too long, fails its own dump only, and the tenants after it are still dumped.
 * `timeout` is coreutils' (Debian images) or busybox's (Alpine images); both take
 * `timeout SECONDS COMMAND`. GNU's exits 124 when it stopped the command; busybox's runs the
 * command in its own place, which then ends with SIGTERM's 143 (pg_dump gets no other TERM).
 *
 * Each dump goes to its incarnation's folder, `{id}/oid-{oid}/`: `oid` is the OID of the
 * database it is of, read from the dump's own DATABASE entry ({@link DATABASE_OID}) once it is
 * written. A database dropped and created again (a tenant id given to a new customer) has a new
 * OID, so two customers' dumps never share a folder, although both name the database
 * `sp_{env}_{id}`; a database kept (`--adopt-database`) keeps its OID and its folder. The OID is
 * pg_dump's own reading, in the dump's snapshot (pg_dump empties search_path, so the tenant cannot
 * shadow it), not a second query that a re-creation could fall between.
 *
 * With `prune`, once a tenant's dump is in place, that incarnation's folder, and no other, loses
 * its dumps older than `retentionDays`: the new dump, its newest, is never among them. An earlier
 * incarnation's folder (a previous customer's), the tenant's folder itself (dumps from before
 * incarnation folders) and the folder of a tenant with no URL file (an offboarded one) are never
 * pruned: their dumps stay until an operator deletes them. A tenant whose dump failed loses none
 * (it keeps its last good one); a dump that names no OID is kept in the tenant's folder, never
 * pruned, and fails the run.
 */
export function dumpScript(
  retentionDays: number,
  prune: boolean,
  paths: { readonly dumps: string; readonly urls: string } = { dumps: DUMPS, urls: URLS },
  limits: DumpLimits = DUMP_LIMITS,
): string {
  const { dumps, urls } = paths;
  const { lockWaitSeconds, tenantSeconds } = limits;
  return [
    "set -u",
    ...PERCENT_DECODE,
    ...DATABASE_OID,
    'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
    'failed=""',
    `for f in ${urls}/*; do`,
    '  id="$(basename "$f")"',
    `  dir="${dumps}/$id"`,
    '  mkdir -p "$dir"',
    '  partial="$dir/$id-$stamp.dump.partial"',
    // As libpq reads a URL: the user info ends at the first `@` before the first `/`, the user
    // at its first `:`; the rest (host, port, database, parameters) is passed on unchanged.
    '  url="$(cat "$f")"; password=""',
    '  case "$url" in',
    "    postgres://*|postgresql://*)",
    '      scheme="${url%%://*}"; rest="${url#*://}"; authority="${rest%%/*}"',
    '      case "$authority" in',
    "        *@*)",
    '          userinfo="${authority%%@*}"; rest="${rest#*@}"',
    '          case "$userinfo" in *:*) percent_decode "${userinfo#*:}"; password="$decoded" ;; esac',
    '          url="$scheme://${userinfo%%:*}@$rest" ;;',
    "      esac ;;",
    '    *) url="" ;;',
    "  esac",
    '  if [ -z "$url" ]; then',
    '    failed="$failed $id"; echo "backup of $id FAILED: its file is not a postgres:// URL" >&2',
    `  elif PGPASSWORD="$password" timeout ${tenantSeconds} pg_dump --dbname="$url" --lock-wait-timeout=${lockWaitSeconds}s --format=custom --no-owner --no-privileges --file="$partial"; then`,
    '    database_oid "$partial"',
    '    if [ -n "$oid" ]; then out="$dir/oid-$oid/$id-$stamp.dump"; else out="$dir/$id-$stamp.dump"; fi',
    '    if ! { mkdir -p "${out%/*}" && mv "$partial" "$out"; }; then',
    '      rm -f "$partial"; failed="$failed $id"; echo "backup of $id FAILED: its dump could not be put in place" >&2',
    '    elif [ -z "$oid" ]; then',
    '      failed="$failed $id"; echo "backup of $id FAILED: pg_restore --list names no database OID in its dump, kept unpruned: $out" >&2',
    "    else",
    '      echo "backed up $id: $out"',
    ...(prune
      ? [`      find "$dir/oid-$oid" -name '*.dump' -mtime +${retentionDays - 1} -print -delete`]
      : []),
    "    fi",
    "  else",
    // $? here is the status of the `elif` command: pg_dump's, or 124 (GNU timeout) or 143 (TERM).
    '    status=$?; rm -f "$partial"; failed="$failed $id"',
    '    if [ "$status" -eq 124 ] || [ "$status" -eq 143 ]; then',
    `      echo "backup of $id FAILED: its dump was still running after ${tenantSeconds} s, stopped" >&2`,
    '    else echo "backup of $id FAILED" >&2; fi',
    "  fi",
    "done",
    `if [ -n "$failed" ]; then echo "$failed" > ${dumps}/.failed; echo "failed:$failed" >&2; exit 1; fi`,
  ].join("\n");
}

/**
 * Sets `escaped` to `$2` as the inside of a JSON string: `"` and `\` escaped, with builtins only
 * (`case`, parameter expansion), so no argv shows the value. A control character (a key file's
 * trailing newline, say) is refused, naming the variable `$1`, not its value.
 */
const JSON_ESCAPE = [
  "json_escape() {",
  '  case "$2" in *[[:cntrl:]]*) echo "$1 holds a control character: refused" >&2; exit 1 ;; esac',
  '  unescaped="$2"; escaped=""',
  '  while [ -n "$unescaped" ]; do',
  '    char="${unescaped%"${unescaped#?}"}"; unescaped="${unescaped#?}"',
  '    case "$char" in \'"\'|\\\\) escaped="$escaped\\\\$char" ;; *) escaped="$escaped$char" ;; esac',
  "  done",
  "}",
];

/** `value` as one single-quoted shell word. */
const shellWord = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Refuses an empty or unset S3 key before mc runs: mc given empty keys would go to the bucket
 * anonymously. Prints which variable and the Secret `credentialsSecret` it comes from, never a
 * value; `[` and `printf` are builtins, so no argv shows a key either.
 */
function requireKeys(credentialsSecret: string): string[] {
  return [
    'missing=""',
    "require_key() {",
    `  if [ -z "$2" ]; then printf '%s is empty: set it in the Secret %s\\n' "$1" ${shellWord(credentialsSecret)} >&2; missing=1; fi`,
    "}",
    'require_key AWS_ACCESS_KEY_ID "${AWS_ACCESS_KEY_ID:-}"',
    'require_key AWS_SECRET_ACCESS_KEY "${AWS_SECRET_ACCESS_KEY:-}"',
    'if [ -n "$missing" ]; then exit 1; fi',
  ];
}

/**
 * Copies the run's dumps to the bucket, prunes old ones there, and fails if a dump failed. mc
 * gets the keys in a config file (version 10, alias `target`) in a private directory named by
 * --config-dir: not on its argv, which `ps` shows, and not in MC_HOST_target, whose URL form mc
 * splits at a `:` in the secret key (the rest becomes a session token). The printf that writes
 * the file is a builtin; the keys are unset before mc runs, so its environment holds neither;
 * the directory is removed when the script exits. An empty or unset key (the Secret
 * `credentialsSecret` lacks it) fails the run before anything is written or mc runs.
 *
 * The dumps go to `$S3_BUCKET/$S3_FOLDER{id}/oid-{oid}/` (see {@link dumpScript}): S3_FOLDER is
 * the environment's folder, from {@link backupObjectFolder} (it ends in `/`), the one folder both
 * the copy and the prune use. Pruning goes incarnation by incarnation: for each `{id}/oid-{oid}/`
 * folder in `dumps` that holds a dump (the databases this run dumped: the folders start empty
 * each run), the objects older than `retentionDays` under that folder in the bucket, which is
 * where `mc cp` put the dump. The dump just copied, its newest, is never among them; a tenant
 * whose dump failed this run, or that was offboarded (it has no folder), an earlier incarnation
 * of a tenant (a previous customer with the same id: another OID) and the objects directly in a
 * tenant's folder (from before incarnation folders, or a dump that named no OID) lose nothing.
 */
export function uploadScript(
  retentionDays: number,
  credentialsSecret: string,
  dumps: string = DUMPS,
): string {
  const mc = 'mc --config-dir "$cfg"';
  return [
    "set -eu",
    ...requireKeys(credentialsSecret),
    ...JSON_ESCAPE,
    "umask 077",
    'cfg="$(mktemp -d)"',
    `trap 'rm -rf "$cfg"' EXIT`,
    'json_escape S3_ENDPOINT "$S3_ENDPOINT"; url="$escaped"',
    'json_escape AWS_ACCESS_KEY_ID "$AWS_ACCESS_KEY_ID"; access_key="$escaped"',
    'json_escape AWS_SECRET_ACCESS_KEY "$AWS_SECRET_ACCESS_KEY"; secret_key="$escaped"',
    "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY unescaped escaped char",
    // "path": "auto" is what an MC_HOST_ alias (no path) and `mc alias set` use.
    `printf '{"version":"10","aliases":{"target":{"url":"%s","accessKey":"%s","secretKey":"%s","api":"S3v4","path":"auto"}}}\\n' "$url" "$access_key" "$secret_key" > "$cfg/config.json"`,
    "unset access_key secret_key",
    'folder="target/$S3_BUCKET/$S3_FOLDER"',
    `${mc} cp --recursive ${dumps}/ "$folder"`,
    `for dir in ${shellWord(dumps)}/*/oid-*/; do`,
    '  incarnation="${dir%/}"; id="${incarnation%/*}"; id="${id##*/}"; incarnation="${incarnation##*/}"',
    '  for dump in "$dir"*.dump; do',
    '    if [ -f "$dump" ]; then',
    `      ${mc} rm --recursive --force --older-than ${retentionDays}d "$folder$id/$incarnation/"; break`,
    "    fi",
    "  done",
    "done",
    `if [ -f ${dumps}/.failed ]; then echo "failed: $(cat ${dumps}/.failed)" >&2; exit 1; fi`,
  ].join("\n");
}

const RESOURCES = {
  requests: { cpu: "100m", memory: "256Mi" },
  limits: { cpu: "1", memory: "1Gi" },
};

/** A problem when `retentionDays` is not a whole number of days, 1 or more; empty otherwise. */
export function retentionDaysProblems(retentionDays: number): string[] {
  return Number.isInteger(retentionDays) && retentionDays >= 1
    ? []
    : [`retentionDays ${retentionDays}: must be a whole number of days, 1 or more`];
}

/** The backup Job's pod: restricted, no service account token, read-only root filesystem. */
export function backupPodSpec(input: BackupPodInput): k8s.types.input.core.v1.PodSpec {
  const [problem] = retentionDaysProblems(input.retentionDays);
  if (problem !== undefined) throw new Error(problem);
  const s3 = input.target.kind === "s3" ? input.target : undefined;
  const mounts = [
    { name: "dumps", mountPath: DUMPS },
    { name: "tenant-databases", mountPath: URLS, readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
  ];
  const dump = {
    name: "pg-dump",
    image: input.image,
    command: [
      "/bin/sh",
      "-c",
      dumpScript(input.retentionDays, s3 === undefined, undefined, input.dumpLimits),
    ],
    env: [{ name: "HOME", value: "/tmp" }],
    securityContext: restrictedContainerSecurityContext(POSTGRES_UID),
    resources: RESOURCES,
    volumeMounts: mounts,
  };
  const volumes: k8s.types.input.core.v1.Volume[] = [
    s3 === undefined
      ? {
          name: "dumps",
          persistentVolumeClaim: {
            claimName: (input.target as { claimName: string }).claimName,
          },
        }
      : { name: "dumps", emptyDir: { sizeLimit: "20Gi" } },
    { name: "tenant-databases", secret: { secretName: input.urlsSecret, defaultMode: 0o440 } },
    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
  ];
  const base = {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    securityContext: restrictedPodSecurityContext(POSTGRES_UID),
    volumes,
  };
  if (s3 === undefined) return { ...base, containers: [dump] };
  const key = (name: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: s3.credentialsSecret, key: name } },
  });
  return {
    ...base,
    // Dumps first; the upload always runs after them and reports a failed dump itself.
    initContainers: [
      {
        ...dump,
        command: [
          "/bin/sh",
          "-c",
          `${dumpScript(input.retentionDays, false, undefined, input.dumpLimits)} || true`,
        ],
      },
    ],
    containers: [
      {
        name: "upload",
        image: s3.mcImage,
        command: ["/bin/sh", "-c", uploadScript(input.retentionDays, s3.credentialsSecret)],
        env: [
          { name: "S3_ENDPOINT", value: s3.endpoint },
          { name: "S3_BUCKET", value: s3.bucket },
          { name: "S3_FOLDER", value: s3.folder },
          key("AWS_ACCESS_KEY_ID"),
          key("AWS_SECRET_ACCESS_KEY"),
        ],
        securityContext: restrictedContainerSecurityContext(POSTGRES_UID),
        resources: RESOURCES,
        volumeMounts: [
          { name: "dumps", mountPath: DUMPS, readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
  };
}

/**
 * The CronJob spec around the pod: one run at a time, a few finished Jobs kept to look at. Each
 * Job is stopped at {@link backupJobDeadlineSeconds} of its `tenantCount` tenants: with
 * `concurrencyPolicy: Forbid`, a Job that never ended would skip every later run.
 */
export function backupCronJobSpec(
  schedule: string,
  pod: k8s.types.input.core.v1.PodSpec,
  labels: Readonly<Record<string, string>>,
  tenantCount: number,
  limits: DumpLimits = DUMP_LIMITS,
): k8s.types.input.batch.v1.CronJobSpec {
  return {
    schedule,
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      metadata: { labels },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: backupJobDeadlineSeconds(tenantCount, limits),
        ttlSecondsAfterFinished: 7 * 86_400,
        template: { metadata: { labels }, spec: pod },
      },
    },
  };
}
