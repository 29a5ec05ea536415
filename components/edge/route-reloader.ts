/**
 * The edge container's entry script: runs nginx and reloads it gracefully whenever a file it
 * loads changes on disk (the route table, the TLS certificate and key, the origin-pull CA), so
 * adding or removing a tenant never restarts a proxy pod and a renewed certificate is served.
 *
 * The route table is a ConfigMap with a stable name mounted as a directory, and so are the TLS
 * Secret and the origin-pull CA's ConfigMap: the kubelet swaps their files in place (an atomic
 * symlink flip, within about a minute of the update), and nothing in the pod template changes.
 * The script compares a checksum of the route table and one of the certificate folders every few
 * seconds and, when either changed, asks `nginx -t` first and reloads only what nginx accepts: a
 * bad table, or a certificate whose key does not match, is logged and never replaces what runs
 * (nginx's own reload keeps the old configuration on error too). The reload starts new workers
 * on the new files while the old ones finish their open requests and streams.
 *
 * Each old worker keeps a whole copy of the route table until its last stream ends, and reloads
 * can come faster than streams end. The table says how many old workers the pod's memory holds
 * ({@link DRAINING_WORKERS_LINE}, sized by {@link drainingWorkersKept}); past that, the script
 * stops the oldest ones (their streams are cut) rather than let the pod run out of memory.
 *
 * Plain POSIX sh (busybox ash in the alpine image, dash in the tests), so the live tests run
 * exactly this text.
 */
import { quantityUnits } from "../../model/quantity";

const MIB = 1024 * 1024;

/**
 * Route-table memory per tenant in each copy nginx holds: 13.7 KiB measured on nginx 1.22 (a
 * draining worker of a 10,000-tenant table held 134 MiB on its own), rounded up for the official
 * image's larger module set (every `upstream` block allocates every module's configuration).
 */
export const TABLE_BYTES_PER_TENANT = 16 * 1024;
/**
 * Copies of the table the serving generation holds: the master's, plus part of one per worker,
 * which writes into its tenants' upstream state as traffic reaches them (2 workers, 10,000
 * tenants, after a reload and traffic to every tenant: 313 MiB, 2.3 tables of 134 MiB).
 */
const SERVING_TABLES = (workerProcesses: number) => 1 + 0.65 * workerProcesses;
/** A serving nginx beyond its tables: code, TLS, shared zones, the workers' connections. */
const SERVING_BYTES = 64 * MIB;
/** A draining worker beyond its table copy: its preallocated connections (7 MiB by default). */
const DRAINING_WORKER_BYTES = 8 * MIB;
/** More draining workers than this are never needed on purpose. */
export const MOST_DRAINING_WORKERS = 64;

/** The route-table line that tells the entry script how many draining workers to keep. */
export const DRAINING_WORKERS_LINE = "# Draining workers kept: ";

/** What decides how many old workers may drain at once. */
export interface DrainingBudget {
  readonly tenants: number;
  /** The container's memory limit, a quantity such as `1Gi`; undefined for none. */
  readonly memoryLimit: string | undefined;
  /** nginx workers: a route change sets all of them draining at once. */
  readonly workerProcesses: number;
}

/**
 * How many old workers may drain at once within the memory limit: what is left after the
 * serving generation, one table copy each, at most {@link MOST_DRAINING_WORKERS}. Throws when
 * that is fewer than one route change sets draining (every worker), naming the memory needed.
 */
export function drainingWorkersKept(budget: DrainingBudget): number {
  if (budget.memoryLimit === undefined) return MOST_DRAINING_WORKERS;
  const limit = quantityUnits(budget.memoryLimit);
  const table = budget.tenants * TABLE_BYTES_PER_TENANT;
  const serving = SERVING_BYTES + Math.ceil(SERVING_TABLES(budget.workerProcesses) * table);
  const kept = Math.max(0, Math.floor((limit - serving) / (table + DRAINING_WORKER_BYTES)));
  if (kept < budget.workerProcesses) {
    const needed = serving + budget.workerProcesses * (table + DRAINING_WORKER_BYTES);
    throw new Error(
      `holds ${kept} draining nginx workers beside ${budget.tenants} tenants' route table (about ${Math.ceil(table / MIB)} MiB a copy), fewer than the ${budget.workerProcesses} workers a route change leaves draining: at least ${Math.ceil(needed / MIB)}Mi is needed`,
    );
  }
  return Math.min(kept, MOST_DRAINING_WORKERS);
}

/** What the script needs to know. */
export interface EdgeEntrypointInput {
  /** Absolute path of the main nginx.conf. */
  readonly config: string;
  /** Folder the route table is mounted at; every `*.conf` in it counts. */
  readonly routesDir: string;
  /**
   * Folder the TLS Secret is mounted at (`tls.crt`, `tls.key`); every file in it counts, so a
   * renewed certificate swapped in by the kubelet is taken by a reload.
   */
  readonly tlsDir: string;
  /**
   * Folder the origin-pull CA is mounted at, watched as `tlsDir` is; only when origin pulls are
   * required. @default none
   */
  readonly originPullDir?: string;
  /**
   * Seconds between checks of the watched folders.
   * @default 2
   */
  readonly pollSeconds?: number;
  /**
   * Seconds to wait for nginx's master to start workers on a reload before the reload counts as
   * not taken and is tried again at the next check. Parsing a 10,000-tenant table on a slow,
   * CPU-limited pod takes seconds, not a minute.
   * @default 60
   */
  readonly reloadWaitSeconds?: number;
  /**
   * The nginx binary.
   * @default "nginx" (from PATH)
   */
  readonly nginx?: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._\-/]*$/;

/**
 * Renders the entry script. Throws if a path needs quoting, the interval is not 1–60 s or the
 * reload wait not 1–600 s.
 */
export function renderEdgeEntrypoint(input: EdgeEntrypointInput): string {
  const problems: string[] = [];
  for (const [key, value] of [
    ["config", input.config],
    ["routesDir", input.routesDir],
    ["tlsDir", input.tlsDir],
    ...(input.originPullDir === undefined ? [] : [["originPullDir", input.originPullDir]]),
    ...(input.nginx === undefined ? [] : [["nginx", input.nginx]]),
  ] as const)
    if (!SAFE_PATH.test(value))
      problems.push(
        `${key} ${JSON.stringify(value)}: must be an absolute path of letters, digits, '.', '_', '-' and '/'`,
      );
  const poll = input.pollSeconds ?? 2;
  if (!Number.isInteger(poll) || poll < 1 || poll > 60)
    problems.push(`pollSeconds ${JSON.stringify(poll)}: must be a whole number from 1 to 60`);
  const reloadWait = input.reloadWaitSeconds ?? 60;
  if (!Number.isInteger(reloadWait) || reloadWait < 1 || reloadWait > 600)
    problems.push(
      `reloadWaitSeconds ${JSON.stringify(reloadWait)}: must be a whole number from 1 to 600`,
    );
  if (problems.length > 0)
    throw new Error(
      `edge entrypoint input is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  const certDirs = [
    input.tlsDir,
    ...(input.originPullDir === undefined ? [] : [input.originPullDir]),
  ];

  return `#!/bin/sh
# agent-cloud edge: runs nginx and reloads it when the route table or a certificate changes.
# Rendered by components/edge/route-reloader.ts; do not edit.
set -u
NGINX='${input.nginx ?? "nginx"}'
CONF='${input.config}'
ROUTES='${input.routesDir}'
# The TLS certificate and key, and the origin-pull CA: nginx reads them only when it (re)loads.
CERT_DIRS='${certDirs.join(" ")}'
POLL=${poll}
RELOAD_WAIT=${reloadWait}

log() { echo "edge-routes: $*" >&2; }
routes_sum() { cat "$ROUTES"/*.conf 2>/dev/null | cksum | cut -d' ' -f1; }
# Every file the kubelet projects (its ..data folders are hidden from *). Never logged: the key.
certs_sum() { for dir in $CERT_DIRS; do cat "$dir"/* 2>/dev/null; done | cksum | cut -d' ' -f1; }
draining_kept() { sed -n 's/^${DRAINING_WORKERS_LINE}\\([0-9][0-9]*\\)$/\\1/p' "$ROUTES"/*.conf 2>/dev/null | head -n 1; }

# This nginx's workers, one a line: start time (clock ticks since boot), pid, serving or draining.
nginx_workers() {
  for proc in /proc/[0-9]*; do
    # read, a builtin: no process per process looked at (a busy node has hundreds).
    { read -r stat < "$proc/stat"; } 2>/dev/null || continue
    # Past the command name (which may hold spaces): state, parent (2), …, start time (20).
    rest=\${stat##*) }
    set -f
    set -- $rest
    set +f
    [ "$2" = "$nginx_pid" ] || continue
    case "$(tr '\\0' ' ' 2>/dev/null < "$proc/cmdline")" in
      *'worker process is shutting down'*) echo "\${20} \${proc#/proc/} draining" ;;
      *'worker process'*) echo "\${20} \${proc#/proc/} serving" ;;
    esac
  done
}
serving_workers() { nginx_workers | awk '$3 == "serving" { printf "%s ", $2 }'; }

# Old workers past what the applied table says memory holds are stopped, oldest first. Only
# after a reload: when no worker serves, nginx itself is quitting (the pod stopping) and its
# workers finish their streams.
trim_draining() {
  [ -n "$kept" ] || return 0
  nginx_workers | sort -n |
    # With a serving worker (a reload, not a quit), the draining ones past $kept, oldest first.
    awk -v kept="$kept" '$3 == "serving" { serving = 1; next } { pid[++n] = $2 }
      END { if (serving) for (i = 1; i <= n - kept; i++) print pid[i] }' |
    while read -r pid; do
      kill -TERM "$pid" 2>/dev/null &&
        log "stopped draining worker $pid: more than $kept draining workers do not fit in memory"
    done
}

# Whether nginx has taken a reload signalled while the workers $1 served: none of them serves
# any more, and at least as many others do. A master that cannot apply what nginx -t passed (a
# port it cannot bind, memory, a file swapped in between) logs why and keeps its workers serving;
# one of them that crashes meanwhile is respawned on the old files, beside the others still
# serving.
reload_done() {
  fresh=0
  for pid in $(serving_workers); do
    case " $1 " in *" $pid "*) return 1 ;; *) fresh=$((fresh + 1)) ;; esac
  done
  set -f
  set -- $1
  set +f
  [ "$fresh" -ge "$#" ] && [ "$fresh" -gt 0 ]
}

# reload_done within RELOAD_WAIT seconds.
reload_taken() {
  waited=0
  until reload_done "$1"; do
    [ "$waited" -lt "$RELOAD_WAIT" ] || return 1
    sleep 1
    waited=$((waited + 1))
  done
}

applied=$(routes_sum)
applied_certs=$(certs_sum)
kept=$(draining_kept)
refused=''
# A reload not taken within RELOAD_WAIT: the workers that served when it was signalled, the
# checksums of the files it was for, what changed, the seconds it has been waited for since, and
# whether the files have changed since. Until it is done or RELOAD_WAIT more seconds pass, nothing
# else is signalled: a slow reload is counted once done, not sent again, and one signalled after
# it could not be told apart from it. Past that it counts as failed: the files are checked, and
# signalled, again.
pending=''
pending_routes=''
pending_certs=''
pending_changed=''
pending_waited=0
pending_moved=0
"$NGINX" -c "$CONF" -e /dev/stderr &
nginx_pid=$!
log "nginx $nginx_pid started on route table $applied"

# Stop and reload signals sent to this script go to nginx: QUIT finishes open requests and
# streams, TERM and INT stop at once, HUP reloads.
trap 'kill -TERM "$nginx_pid" 2>/dev/null' TERM
trap 'kill -QUIT "$nginx_pid" 2>/dev/null' QUIT
trap 'kill -INT "$nginx_pid" 2>/dev/null' INT
trap 'kill -HUP "$nginx_pid" 2>/dev/null' HUP

# nginx serves the route table $2 and certificate files $3 ($1: what changed, for the log).
taken() {
  log "$1 taken with a graceful reload$4"
  applied=$2
  applied_certs=$3
  kept=$(draining_kept)
  refused=''
}

watch_files() {
  while sleep "$POLL"; do
    trim_draining
    now=$(routes_sum)
    certs=$(certs_sum)
    if [ -n "$pending" ]; then
      [ "$now $certs" = "$pending_routes $pending_certs" ] || pending_moved=1
      if ! reload_done "$pending"; then
        if [ "$pending_waited" -lt "$RELOAD_WAIT" ]; then
          pending_waited=$((pending_waited + POLL))
          continue
        fi
      elif [ "$pending_moved" = 0 ]; then
        taken "$pending_changed" "$pending_routes" "$pending_certs" ", later than \${RELOAD_WAIT}s"
      else
        # nginx read the files when it got to them, and they changed in between: which it read
        # cannot be told, so the files are taken again, whatever they are.
        log "$pending_changed taken with a graceful reload later than \${RELOAD_WAIT}s, but the files changed meanwhile: reloading what they hold now"
        applied=''
        applied_certs=''
      fi
      pending=''
    fi
    [ "$now" = "$applied" ] && [ "$certs" = "$applied_certs" ] && continue
    # What changed, for the log; and what nginx keeps serving when it refuses the change.
    if [ "$now" = "$applied" ]; then
      changed="certificate files in $CERT_DIRS"
      kept_on="still serving the certificate files it loaded before"
    elif [ "$certs" = "$applied_certs" ]; then
      changed="route table $now"
      kept_on="still serving $applied"
    else
      changed="route table $now and certificate files in $CERT_DIRS"
      kept_on="still serving $applied and the certificate files it loaded before"
    fi
    if out=$("$NGINX" -t -q -c "$CONF" -e /dev/stderr 2>&1); then
      before=$(serving_workers)
      if "$NGINX" -s reload -c "$CONF" -e /dev/stderr && reload_taken "$before"; then
        taken "$changed" "$now" "$certs" ""
      else
        pending=$before
        pending_routes=$now
        pending_certs=$certs
        pending_changed=$changed
        pending_waited=0
        pending_moved=0
        if [ "$now $certs" != "$refused" ]; then
          # Not applied: tried again once it has been waited for RELOAD_WAIT more seconds.
          log "$changed passed nginx -t but nginx did not take it within \${RELOAD_WAIT}s (its error is above), $kept_on; waiting up to \${RELOAD_WAIT}s more, then trying again"
          refused="$now $certs"
        fi
      fi
    elif [ "$now $certs" != "$refused" ]; then
      # Logged once per change; checked again every interval (a new Service may not resolve yet,
      # and nginx -t may have read a certificate folder half-way through the kubelet's swap).
      log "$changed refused by nginx -t, $kept_on: $out"
      refused="$now $certs"
    fi
  done
}
watch_files &
watcher=$!

status=0
while :; do
  wait "$nginx_pid"
  status=$?
  kill -0 "$nginx_pid" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
log "nginx exited with status $status"
exit "$status"
`;
}
