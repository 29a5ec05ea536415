#!/usr/bin/env bash
# Starts Debian's PostgreSQL on loopback for the test suites that run the platform's roles,
# databases and grants on a real server, and creates the superuser those suites log in as.
# Idempotent: safe to run when the server is already up. Needs root (it runs pg_ctlcluster).
set -euo pipefail

user="${AGENT_CLOUD_TEST_PG_USER:-agent_cloud_test}"
password="${AGENT_CLOUD_TEST_PG_PASSWORD:-agent-cloud-test}"

version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 50); do
  if runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
  sleep 0.2
done
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN SUPERUSER PASSWORD '$password';
  END IF;
END \$\$;
SQL
# Every suite runs in its own process, several at once, each with a few tenants' pools: the
# default of 100 connections is too few for the whole test run.
if [ "$(runuser -u postgres -- psql -Atq -h /var/run/postgresql -d postgres -c 'SHOW max_connections')" -lt 300 ]; then
  runuser -u postgres -- psql -q -h /var/run/postgresql -d postgres -c 'ALTER SYSTEM SET max_connections = 300'
  pg_ctlcluster "$version" main restart
  for _ in $(seq 1 50); do
    if runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
    sleep 0.2
  done
fi
echo "PostgreSQL $version on 127.0.0.1:5432, test superuser $user"
