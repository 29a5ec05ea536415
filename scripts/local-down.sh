#!/usr/bin/env bash
# Undoes `npm run local:up`: the kind cluster (and with it every tenant, the proxy and the
# in-cluster database), the local registry container and the buildx builder. The local stack's
# state in .pulumi-state/ is kept unless --purge is given; kept, it describes a deleted cluster,
# and the next local:up, creating a new one, starts that state over (the stack file stays).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind delete cluster --name agent-cloud || true
docker rm -f kind-registry >/dev/null 2>&1 || true
docker buildx rm agent-cloud-local >/dev/null 2>&1 || true
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$root/.pulumi-state"
  echo "local-down: removed the cluster, the registry, the builder and .pulumi-state/"
else
  echo "local-down: removed the cluster, the registry and the builder; .pulumi-state/ kept (--purge removes it)"
fi
