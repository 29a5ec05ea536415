/**
 * The edge container's entry script: runs nginx and reloads it gracefully whenever the route
 * table changes on disk, so adding or removing a tenant never restarts a proxy pod.
 *
 * The route table is a ConfigMap with a stable name mounted as a directory; the kubelet swaps its
 * files in place (an atomic symlink flip, within about a minute of the update). The script
 * compares a checksum of the table every few seconds and, when it changed, asks `nginx -t` first
 * and reloads only a table nginx accepts: a bad table is logged and never replaces a good one
 * (nginx's own reload keeps the old configuration on error too). The reload starts new workers
 * on the new table while the old ones finish their open requests and streams.
 *
 * Plain POSIX sh (busybox ash in the alpine image, dash in the tests), so the live tests run
 * exactly this text.
 */

/** What the script needs to know. */
export interface EdgeEntrypointInput {
  /** Absolute path of the main nginx.conf. */
  readonly config: string;
  /** Folder the route table is mounted at; every `*.conf` in it counts. */
  readonly routesDir: string;
  /**
   * Seconds between checks of the route table.
   * @default 2
   */
  readonly pollSeconds?: number;
  /**
   * The nginx binary.
   * @default "nginx" (from PATH)
   */
  readonly nginx?: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._\-/]*$/;

/** Renders the entry script. Throws if a path needs quoting or the interval is not 1–60 s. */
export function renderEdgeEntrypoint(input: EdgeEntrypointInput): string {
  const problems: string[] = [];
  for (const [key, value] of [
    ["config", input.config],
    ["routesDir", input.routesDir],
    ...(input.nginx === undefined ? [] : [["nginx", input.nginx]]),
  ] as const)
    if (!SAFE_PATH.test(value))
      problems.push(
        `${key} ${JSON.stringify(value)}: must be an absolute path of letters, digits, '.', '_', '-' and '/'`,
      );
  const poll = input.pollSeconds ?? 2;
  if (!Number.isInteger(poll) || poll < 1 || poll > 60)
    problems.push(`pollSeconds ${JSON.stringify(poll)}: must be a whole number from 1 to 60`);
  if (problems.length > 0)
    throw new Error(
      `edge entrypoint input is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );

  return `#!/bin/sh
# agent-cloud edge: runs nginx and reloads it when the route table changes.
# Rendered by components/edge/route-reloader.ts; do not edit.
set -u
NGINX='${input.nginx ?? "nginx"}'
CONF='${input.config}'
ROUTES='${input.routesDir}'
POLL=${poll}

log() { echo "edge-routes: $*" >&2; }
routes_sum() { cat "$ROUTES"/*.conf 2>/dev/null | cksum | cut -d' ' -f1; }

applied=$(routes_sum)
refused=''
"$NGINX" -c "$CONF" -e /dev/stderr &
nginx_pid=$!
log "nginx $nginx_pid started on route table $applied"

# Stop and reload signals sent to this script go to nginx: QUIT finishes open requests and
# streams, TERM and INT stop at once, HUP reloads.
trap 'kill -TERM "$nginx_pid" 2>/dev/null' TERM
trap 'kill -QUIT "$nginx_pid" 2>/dev/null' QUIT
trap 'kill -INT "$nginx_pid" 2>/dev/null' INT
trap 'kill -HUP "$nginx_pid" 2>/dev/null' HUP

watch_routes() {
  while sleep "$POLL"; do
    now=$(routes_sum)
    [ "$now" = "$applied" ] && continue
    if out=$("$NGINX" -t -q -c "$CONF" -e /dev/stderr 2>&1); then
      if "$NGINX" -s reload -c "$CONF" -e /dev/stderr; then
        log "route table $now taken with a graceful reload"
        applied=$now
        refused=''
      fi
    elif [ "$now" != "$refused" ]; then
      # Logged once per table; checked again every interval (a new Service may not resolve yet).
      log "route table $now refused by nginx -t, still serving $applied: $out"
      refused=$now
    fi
  done
}
watch_routes &
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
